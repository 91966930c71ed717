// Package interop_test checks, against a real identityd, that the Go client
// gets proofs Go's own libraries accept: the email hash equals the vendor's Go
// snippet (crypto/hmac with hex.DecodeString), the JWT verifies with
// golang-jwt/jwt/v5, and errors arrive as gRPC status codes. Every call goes
// over mutual TLS, as to a production identityd; clients without an acceptable
// certificate are refused at once (codes.Unavailable), not left waiting; plain
// text (IDENTITYD_INSECURE=1) reaches a development identityd.
//
// ctest runs it (test interop.go) through tests/support/run_with_identityd.py
// --mtls, which starts the server with the development PKI and sets the
// IDENTITYD_* variables read here.
package interop_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/durationpb"

	identityv1 "identityd/client/go/gen/identity/v1"
	"identityd/client/go/identityclient"
)

const callTimeout = 10 * time.Second

// emailsFile holds the emails hashed and signed exactly as given (Unicode,
// quotes, SHA-256 padding boundaries, 254 bytes): the list every suite shares
// with the C++ vectors. go test runs in this package's folder.
const emailsFile = "../../../tests/testdata/email_hash_inputs.json"

var (
	lowerHex64  = regexp.MustCompile(`^[0-9a-f]{64}$`)
	base64url43 = regexp.MustCompile(`^[A-Za-z0-9_-]{43}$`)
)

// signMessageWithHMAC is the vendor's Go snippet (seed/identity-verification.md).
func signMessageWithHMAC(message, secret string) (*string, error) {
	secretBytes, err := hex.DecodeString(secret)
	if err != nil {
		return nil, errors.New("unable to decode secret")
	}

	h := hmac.New(sha256.New, secretBytes)
	h.Write([]byte(message))
	signature := h.Sum(nil)

	signedMsg := hex.EncodeToString(signature)

	return &signedMsg, nil
}

// widgetClaims mirrors the vendor's ChatWidgetClaims, with every optional claim.
type widgetClaims struct {
	Email             string `json:"email"`
	Name              string `json:"name"`
	AccountID         string `json:"account_id"`
	AccountExternalID string `json:"account_external_id"`
	ContactID         string `json:"contact_id"`
	ContactExternalID string `json:"contact_external_id"`
	jwt.RegisteredClaims
}

func env(t *testing.T, name string) string {
	t.Helper()
	v := os.Getenv(name)
	if v == "" {
		t.Fatalf("%s is not set: run this test through tests/support/run_with_identityd.py (ctest -R interop.go)", name)
	}
	return v
}

func secret(t *testing.T, fileVar string) string {
	t.Helper()
	b, err := os.ReadFile(env(t, fileVar))
	if err != nil {
		t.Fatalf("reading %s: %v", fileVar, err)
	}
	return strings.TrimRight(string(b), "\n")
}

func testEmails(t *testing.T) []string {
	t.Helper()
	b, err := os.ReadFile(emailsFile)
	if err != nil {
		t.Fatalf("reading the shared test emails: %v", err)
	}
	var inputs struct {
		Emails []string `json:"emails"`
	}
	if err := json.Unmarshal(b, &inputs); err != nil || len(inputs.Emails) == 0 {
		t.Fatalf("%s: no emails (%v)", emailsFile, err)
	}
	return inputs.Emails
}

func client(t *testing.T) identityv1.IdentityServiceClient {
	t.Helper()
	return clientWith(t, identityclient.TLSFiles{
		CAFile:   env(t, "IDENTITYD_CA_FILE"),
		CertFile: env(t, "IDENTITYD_CERT_FILE"),
		KeyFile:  env(t, "IDENTITYD_KEY_FILE"),
	})
}

func clientWith(t *testing.T, files identityclient.TLSFiles) identityv1.IdentityServiceClient {
	t.Helper()
	conn, err := identityclient.Dial(env(t, "IDENTITYD_TARGET"), files)
	if err != nil {
		t.Fatalf("Dial: %v", err)
	}
	return closeWithTest(t, conn)
}

func closeWithTest(t *testing.T, conn *grpc.ClientConn) identityv1.IdentityServiceClient {
	t.Cleanup(func() { conn.Close() })
	return identityv1.NewIdentityServiceClient(conn)
}

func callCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
	t.Cleanup(cancel)
	return ctx
}

// verify parses token with golang-jwt: HS256 only, aud = appID, exp and iat
// required and checked.
func verify(t *testing.T, token, key, appID string) *widgetClaims {
	t.Helper()
	claims := &widgetClaims{}
	parsed, err := jwt.ParseWithClaims(token, claims,
		func(*jwt.Token) (any, error) { return []byte(key), nil },
		jwt.WithValidMethods([]string{"HS256"}), jwt.WithAudience(appID),
		jwt.WithExpirationRequired(), jwt.WithIssuedAt())
	if err != nil {
		t.Fatalf("golang-jwt rejected the token: %v", err)
	}
	if parsed.Header["typ"] != "JWT" || parsed.Header["alg"] != "HS256" || len(parsed.Header) != 2 {
		t.Errorf("header = %v, want exactly {alg: HS256, typ: JWT}", parsed.Header)
	}
	return claims
}

// claimNames returns the sorted claim names of token (already verified).
func claimNames(t *testing.T, token string) []string {
	t.Helper()
	m := jwt.MapClaims{}
	if _, _, err := jwt.NewParser().ParseUnverified(token, m); err != nil {
		t.Fatalf("ParseUnverified: %v", err)
	}
	var names []string
	for k := range m {
		names = append(names, k)
	}
	sort.Strings(names)
	return names
}

func TestEmailHashEqualsVendorGoSnippet(t *testing.T) {
	c := client(t)
	appID := env(t, "IDENTITYD_APP_ID")
	key := secret(t, "IDENTITYD_EMAIL_HASH_SECRET_FILE")
	for _, email := range testEmails(t) {
		reply, err := c.IssueEmailHash(callCtx(t), &identityv1.IssueEmailHashRequest{AppId: appID, Email: email})
		if err != nil {
			t.Fatalf("IssueEmailHash(%q): %v", email, err)
		}
		want, err := signMessageWithHMAC(email, key)
		if err != nil {
			t.Fatal(err)
		}
		if reply.GetEmailHash() != *want || !lowerHex64.MatchString(reply.GetEmailHash()) {
			t.Errorf("IssueEmailHash(%q) = %q, want %q", email, reply.GetEmailHash(), *want)
		}
		if reply.GetSecretVersion() != 1 {
			t.Errorf("secret_version = %d, want 1", reply.GetSecretVersion())
		}
	}
}

func TestBulkEmailHashesEqualVendorGoSnippetAndABadEmailFailsAlone(t *testing.T) {
	c := client(t)
	appID := env(t, "IDENTITYD_APP_ID")
	key := secret(t, "IDENTITYD_EMAIL_HASH_SECRET_FILE")
	good := testEmails(t)
	emails := append(append([]string{}, good...), "not-an-email")
	reply, err := c.IssueEmailHashes(callCtx(t), &identityv1.IssueEmailHashesRequest{AppId: appID, Emails: emails})
	if err != nil {
		t.Fatal(err)
	}
	if len(reply.GetResults()) != len(emails) || reply.GetSecretVersion() != 1 {
		t.Fatalf("%d results, version %d; want %d, 1", len(reply.GetResults()), reply.GetSecretVersion(), len(emails))
	}
	for i, email := range good {
		want, err := signMessageWithHMAC(email, key)
		if err != nil {
			t.Fatal(err)
		}
		if got := reply.GetResults()[i].GetEmailHash(); got != *want {
			t.Errorf("results[%d] (%q) = %q, want %q", i, email, got, *want)
		}
	}
	bad := reply.GetResults()[len(good)].GetError()
	wantMessage := fmt.Sprintf("emails[%d]: must contain exactly one '@'", len(good))
	if bad == nil || codes.Code(bad.GetCode()) != codes.InvalidArgument || bad.GetMessage() != wantMessage {
		t.Errorf("results[%d].error = %v, want INVALID_ARGUMENT %q", len(good), bad, wantMessage)
	}
	tooMany := make([]string, 1001)
	for i := range tooMany {
		tooMany[i] = "jane@example.com"
	}
	_, err = c.IssueEmailHashes(callCtx(t), &identityv1.IssueEmailHashesRequest{AppId: appID, Emails: tooMany})
	if st, _ := status.FromError(err); st.Code() != codes.InvalidArgument ||
		st.Message() != "emails: at most 1000 per call; got 1001" {
		t.Errorf("1,001 emails: %v, want INVALID_ARGUMENT naming emails", err)
	}
}

func TestEmailHashWithUpperCaseHexSecret(t *testing.T) {
	key := secret(t, "IDENTITYD_HASH_ONLY_SECRET_FILE")
	if key != strings.ToUpper(key) {
		t.Fatal("the hash-only widget's secret should be upper-case hex")
	}
	reply, err := client(t).IssueEmailHash(callCtx(t), &identityv1.IssueEmailHashRequest{
		AppId: env(t, "IDENTITYD_HASH_ONLY_APP_ID"), Email: "jane@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	if want, _ := signMessageWithHMAC("jane@example.com", key); reply.GetEmailHash() != *want {
		t.Errorf("email_hash = %q, want %q", reply.GetEmailHash(), *want)
	}
}

func TestWidgetTokenVerifiesWithGolangJWT(t *testing.T) {
	c := client(t)
	appID := env(t, "IDENTITYD_APP_ID")
	key := secret(t, "IDENTITYD_JWT_SECRET_FILE")
	for _, email := range testEmails(t) {
		before := time.Now().Unix()
		reply, err := c.IssueWidgetToken(callCtx(t), &identityv1.IssueWidgetTokenRequest{AppId: appID, Email: email})
		after := time.Now().Unix()
		if err != nil {
			t.Fatalf("IssueWidgetToken(%q): %v", email, err)
		}
		claims := verify(t, reply.GetJwt(), key, appID)
		iat, exp := claims.IssuedAt.Unix(), claims.ExpiresAt.Unix()
		if claims.Email != email {
			t.Errorf("email claim = %q, want %q", claims.Email, email)
		}
		if len(claims.Audience) != 1 || claims.Audience[0] != appID {
			t.Errorf("aud = %v, want [%s]", claims.Audience, appID)
		}
		if iat < before-1 || iat > after+1 {
			t.Errorf("iat = %d, want within [%d, %d]", iat, before-1, after+1)
		}
		if exp-iat != 600 {
			t.Errorf("exp - iat = %d, want the default 600", exp-iat)
		}
		if reply.GetExpiresAt().GetSeconds() != exp {
			t.Errorf("expires_at = %d, want exp = %d", reply.GetExpiresAt().GetSeconds(), exp)
		}
		if got := strings.Join(claimNames(t, reply.GetJwt()), ","); got != "aud,email,exp,iat" {
			t.Errorf("claims = %s, want only aud,email,exp,iat", got)
		}
	}
}

func TestOptionalClaimsAndTTLRoundTrip(t *testing.T) {
	appID := env(t, "IDENTITYD_APP_ID")
	name := `Jané "JD" O'Brien \ 用户`
	reply, err := client(t).IssueWidgetToken(callCtx(t), &identityv1.IssueWidgetTokenRequest{
		AppId:             appID,
		Email:             "jane@example.com",
		Name:              &name,
		AccountId:         ptr("acc_1"),
		AccountExternalId: ptr("ext-acc-9"),
		ContactId:         ptr("c_2"),
		ContactExternalId: ptr("ext-c-7"),
		Ttl:               durationpb.New(900 * time.Second),
	})
	if err != nil {
		t.Fatal(err)
	}
	claims := verify(t, reply.GetJwt(), secret(t, "IDENTITYD_JWT_SECRET_FILE"), appID)
	got := []string{claims.Name, claims.AccountID, claims.AccountExternalID, claims.ContactID, claims.ContactExternalID}
	want := []string{name, "acc_1", "ext-acc-9", "c_2", "ext-c-7"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("optional claims = %q, want %q", got, want)
	}
	if d := claims.ExpiresAt.Unix() - claims.IssuedAt.Unix(); d != 900 {
		t.Errorf("exp - iat = %d, want 900", d)
	}
}

func TestWrongAudienceOrKeyIsRejected(t *testing.T) {
	appID := env(t, "IDENTITYD_APP_ID")
	key := secret(t, "IDENTITYD_JWT_SECRET_FILE")
	reply, err := client(t).IssueWidgetToken(callCtx(t), &identityv1.IssueWidgetTokenRequest{AppId: appID, Email: "a@b.co"})
	if err != nil {
		t.Fatal(err)
	}
	keyFunc := func(k string) jwt.Keyfunc { return func(*jwt.Token) (any, error) { return []byte(k), nil } }
	_, err = jwt.Parse(reply.GetJwt(), keyFunc(key), jwt.WithValidMethods([]string{"HS256"}), jwt.WithAudience("another-widget"))
	if !errors.Is(err, jwt.ErrTokenInvalidAudience) {
		t.Errorf("wrong audience: err = %v, want ErrTokenInvalidAudience", err)
	}
	_, err = jwt.Parse(reply.GetJwt(), keyFunc(key+"x"), jwt.WithValidMethods([]string{"HS256"}), jwt.WithAudience(appID))
	if !errors.Is(err, jwt.ErrTokenSignatureInvalid) {
		t.Errorf("wrong key: err = %v, want ErrTokenSignatureInvalid", err)
	}
}

func TestRotateSecretGenerate(t *testing.T) {
	c := client(t)
	app := "interop-go-rotated"

	hash, err := c.RotateSecret(callCtx(t), &identityv1.RotateSecretRequest{
		AppId: app, Kind: identityv1.SecretKind_SECRET_KIND_EMAIL_HASH,
		Source: &identityv1.RotateSecretRequest_Generate{Generate: true}})
	if err != nil {
		t.Fatal(err)
	}
	if hash.GetVersion() != 1 || !lowerHex64.MatchString(hash.GetGeneratedSecret()) {
		t.Fatalf("email-hash rotation: version %d, generated secret of %d chars", hash.GetVersion(), len(hash.GetGeneratedSecret()))
	}
	keyBytes, _ := hex.DecodeString(hash.GetGeneratedSecret())
	if sum := sha256.Sum256(keyBytes); hash.GetFingerprint() != hex.EncodeToString(sum[:])[:16] {
		t.Errorf("fingerprint = %q, want the first 16 hex chars of SHA-256(key)", hash.GetFingerprint())
	}
	issued, err := c.IssueEmailHash(callCtx(t), &identityv1.IssueEmailHashRequest{AppId: app, Email: "jane@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	if want, _ := signMessageWithHMAC("jane@example.com", hash.GetGeneratedSecret()); issued.GetEmailHash() != *want {
		t.Errorf("hash with the generated secret = %q, want %q", issued.GetEmailHash(), *want)
	}

	jwtRotation, err := c.RotateSecret(callCtx(t), &identityv1.RotateSecretRequest{
		AppId: app, Kind: identityv1.SecretKind_SECRET_KIND_JWT,
		Source:          &identityv1.RotateSecretRequest_Generate{Generate: true},
		ExpectedVersion: ptr(uint64(0))})
	if err != nil {
		t.Fatal(err)
	}
	if !base64url43.MatchString(jwtRotation.GetGeneratedSecret()) {
		t.Fatalf("generated JWT secret has %d chars, want 43 base64url", len(jwtRotation.GetGeneratedSecret()))
	}
	token, err := c.IssueWidgetToken(callCtx(t), &identityv1.IssueWidgetTokenRequest{AppId: app, Email: "jane@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	if claims := verify(t, token.GetJwt(), jwtRotation.GetGeneratedSecret(), app); claims.Email != "jane@example.com" {
		t.Errorf("email claim = %q", claims.Email)
	}

	// A stale compare-and-swap guard changes nothing.
	_, err = c.RotateSecret(callCtx(t), &identityv1.RotateSecretRequest{
		AppId: app, Kind: identityv1.SecretKind_SECRET_KIND_JWT,
		Source:          &identityv1.RotateSecretRequest_Generate{Generate: true},
		ExpectedVersion: ptr(uint64(0))})
	if status.Code(err) != codes.Aborted {
		t.Errorf("stale expected_version: %v, want ABORTED", err)
	}
}

func TestErrorsSurfaceAsStatusCodes(t *testing.T) {
	c := client(t)
	appID := env(t, "IDENTITYD_APP_ID")
	hashOnly := env(t, "IDENTITYD_HASH_ONLY_APP_ID")
	cases := []struct {
		name    string
		call    func() error
		code    codes.Code
		message string
	}{
		{"unknown app_id", func() error {
			_, err := c.IssueEmailHash(callCtx(t), &identityv1.IssueEmailHashRequest{AppId: "no-such-widget", Email: "a@b.co"})
			return err
		}, codes.NotFound, "app_id"},
		{"bad email", func() error {
			_, err := c.IssueEmailHash(callCtx(t), &identityv1.IssueEmailHashRequest{AppId: appID, Email: "not-an-email"})
			return err
		}, codes.InvalidArgument, "email"},
		{"no JWT secret", func() error {
			_, err := c.IssueWidgetToken(callCtx(t), &identityv1.IssueWidgetTokenRequest{AppId: hashOnly, Email: "a@b.co"})
			return err
		}, codes.FailedPrecondition, ""},
		{"ttl too long", func() error {
			_, err := c.IssueWidgetToken(callCtx(t), &identityv1.IssueWidgetTokenRequest{
				AppId: appID, Email: "a@b.co", Ttl: durationpb.New(901 * time.Second)})
			return err
		}, codes.InvalidArgument, "ttl"},
		{"expired deadline", func() error {
			ctx, cancel := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
			defer cancel()
			_, err := c.IssueEmailHash(ctx, &identityv1.IssueEmailHashRequest{AppId: appID, Email: "a@b.co"})
			return err
		}, codes.DeadlineExceeded, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			st, ok := status.FromError(tc.call())
			if !ok || st.Code() != tc.code {
				t.Fatalf("status = %v, want %v", st, tc.code)
			}
			if !strings.HasPrefix(st.Message(), tc.message) {
				t.Errorf("message %q should start with the field name %q", st.Message(), tc.message)
			}
		})
	}
}

// assertRefused checks that a call from c fails the TLS handshake: Unavailable,
// long before the call's deadline.
func assertRefused(t *testing.T, c identityv1.IdentityServiceClient) {
	t.Helper()
	started := time.Now()
	_, err := c.IssueEmailHash(callCtx(t), &identityv1.IssueEmailHashRequest{
		AppId: env(t, "IDENTITYD_APP_ID"), Email: "a@b.co"})
	if status.Code(err) != codes.Unavailable {
		t.Fatalf("err = %v, want Unavailable", err)
	}
	if elapsed := time.Since(started); elapsed > callTimeout/2 {
		t.Errorf("refusal took %v: a refused handshake should end the call at once", elapsed)
	}
	t.Logf("refused: %v", err)
}

func TestClientWithoutCertificateIsRefused(t *testing.T) {
	caPEM, err := os.ReadFile(env(t, "IDENTITYD_CA_FILE"))
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(caPEM)
	conn, err := grpc.NewClient(env(t, "IDENTITYD_TARGET"), grpc.WithTransportCredentials(
		credentials.NewTLS(&tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12})))
	if err != nil {
		t.Fatal(err)
	}
	assertRefused(t, closeWithTest(t, conn))
}

func TestClientWithCertificateFromAnotherCAIsRefused(t *testing.T) {
	assertRefused(t, clientWith(t, identityclient.TLSFiles{
		CAFile:   env(t, "IDENTITYD_CA_FILE"),
		CertFile: env(t, "IDENTITYD_FOREIGN_CERT_FILE"),
		KeyFile:  env(t, "IDENTITYD_FOREIGN_KEY_FILE"),
	}))
}

func TestPlainTextClientIsRefused(t *testing.T) {
	conn, err := identityclient.DialInsecure(env(t, "IDENTITYD_TARGET"))
	if err != nil {
		t.Fatal(err)
	}
	assertRefused(t, closeWithTest(t, conn))
}

// TestPlainTextToADevelopmentIdentityd: IDENTITYD_INSECURE=1 reaches an
// identityd started with --insecure_loopback.
func TestPlainTextToADevelopmentIdentityd(t *testing.T) {
	t.Setenv(identityclient.TargetEnv, env(t, "IDENTITYD_INSECURE_TARGET"))
	t.Setenv(identityclient.InsecureEnv, "1")
	for _, name := range []string{identityclient.CAFileEnv, identityclient.CertFileEnv, identityclient.KeyFileEnv} {
		t.Setenv(name, "")
	}
	conn, err := identityclient.DialFromEnv()
	if err != nil {
		t.Fatal(err)
	}
	reply, err := closeWithTest(t, conn).IssueEmailHash(callCtx(t), &identityv1.IssueEmailHashRequest{
		AppId: env(t, "IDENTITYD_APP_ID"), Email: "jane@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	want, _ := signMessageWithHMAC("jane@example.com", secret(t, "IDENTITYD_EMAIL_HASH_SECRET_FILE"))
	if reply.GetEmailHash() != *want {
		t.Errorf("email_hash = %q, want %q", reply.GetEmailHash(), *want)
	}
}

// TestExampleProgram runs cmd/example, the program the README shows, against
// the same server, so that the documented example keeps working.
func TestExampleProgram(t *testing.T) {
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the go command is not on PATH: %v", err)
	}
	bin := filepath.Join(t.TempDir(), "example")
	if out, err := exec.Command(goBin, "build", "-o", bin, "../cmd/example").CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/example: %v\n%s", err, out)
	}
	cmd := exec.Command(bin, env(t, "IDENTITYD_APP_ID"), "jane@example.com")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("example failed: %v\n%s", err, out)
	}
	for _, want := range []string{"email_hash: ", "jwt: ", "rotated ", "unknown widget: NotFound"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("example output lacks %q:\n%s", want, out)
		}
	}

	// Without the TLS files and without IDENTITYD_INSECURE=1 it stops and says
	// what to set: it never falls back to plain text.
	cmd = exec.Command(bin, env(t, "IDENTITYD_APP_ID"))
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		switch name {
		case identityclient.CAFileEnv, identityclient.CertFileEnv, identityclient.KeyFileEnv, identityclient.InsecureEnv:
		default:
			cmd.Env = append(cmd.Env, kv)
		}
	}
	out, err = cmd.CombinedOutput()
	if err == nil || strings.Contains(string(out), "email_hash") ||
		!strings.Contains(string(out), "IDENTITYD_CA_FILE") || !strings.Contains(string(out), "IDENTITYD_INSECURE=1") {
		t.Errorf("example without TLS files or IDENTITYD_INSECURE: err = %v, output:\n%s", err, out)
	}
}

func ptr[T any](v T) *T { return &v }
