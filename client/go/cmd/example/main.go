// Command example calls identityd's three RPCs from Go, each with a deadline,
// and shows how a caller tells the error statuses apart.
//
// Mutual TLS, as a production identityd requires (the client's certificate
// must be one the server's policy grants the calls below, e.g. the "ops"
// client of scripts/run --mtls):
//
//	IDENTITYD_TARGET=identityd.corp:50051 IDENTITYD_CA_FILE=ca.pem \
//	IDENTITYD_CERT_FILE=ops.pem IDENTITYD_KEY_FILE=ops.key go run ./cmd/example [APP_ID [EMAIL]]
//
// Plain text, only against a development identityd (scripts/run, which starts
// it with --insecure_loopback):
//
//	IDENTITYD_TARGET=127.0.0.1:50051 IDENTITYD_INSECURE=1 go run ./cmd/example [APP_ID [EMAIL]]
//
// With neither, it stops and says what to set: it never falls back to plain
// text.
//
// APP_ID defaults to demo-widget (the widget scripts/run configures), EMAIL to
// jane@example.com. The rotation step registers (or rotates) the JWT secret of
// a separate widget, APP_ID + "-rotated", so that APP_ID's secrets stay as they
// are. Secrets are never printed: only versions and fingerprints.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/durationpb"

	identityv1 "identityd/client/go/gen/identity/v1"
	"identityd/client/go/identityclient"
)

// callTimeout bounds every call: identityd answers in microseconds, so a
// call that takes seconds means the service is unreachable or overloaded.
const callTimeout = 5 * time.Second

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "example:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	appID, email := "demo-widget", "jane@example.com"
	if len(args) > 0 {
		appID = args[0]
	}
	if len(args) > 1 {
		email = args[1]
	}

	// identityclient.Dial(target, TLSFiles{...}) for mutual TLS,
	// DialInsecure(target) for plain text: chosen from the environment.
	conn, err := identityclient.DialFromEnv()
	if err != nil {
		return err
	}
	defer conn.Close()
	client := identityv1.NewIdentityServiceClient(conn)

	// 1. The HMAC email hash, for the widget's `email_hash`.
	ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
	hash, err := client.IssueEmailHash(ctx, &identityv1.IssueEmailHashRequest{AppId: appID, Email: email})
	cancel()
	if err != nil {
		return describe("IssueEmailHash", err)
	}
	fmt.Printf("email_hash: %s (secret version %d)\n", hash.GetEmailHash(), hash.GetSecretVersion())

	// 1b. Many hashes in one call (backfills, exports; at most 1,000 emails):
	// one result per email, in order; a bad email gets its own error.
	ctx, cancel = context.WithTimeout(context.Background(), callTimeout)
	batch, err := client.IssueEmailHashes(ctx, &identityv1.IssueEmailHashesRequest{
		AppId: appID, Emails: []string{email, "not-an-email"}})
	cancel()
	if err != nil {
		return describe("IssueEmailHashes", err)
	}
	for _, r := range batch.GetResults() {
		if e := r.GetError(); e != nil {
			fmt.Printf("not hashed: %s\n", e.GetMessage())
		} else {
			fmt.Printf("email_hash: %s\n", r.GetEmailHash())
		}
	}

	// 2. A widget JWT with an optional claim and an explicit lifetime.
	ctx, cancel = context.WithTimeout(context.Background(), callTimeout)
	token, err := client.IssueWidgetToken(ctx, &identityv1.IssueWidgetTokenRequest{
		AppId: appID,
		Email: email,
		Name:  ptr("Jane Doe"),
		Ttl:   durationpb.New(10 * time.Minute),
	})
	cancel()
	if err != nil {
		return describe("IssueWidgetToken", err)
	}
	fmt.Printf("jwt: %s\nexpires_at: %s\n", token.GetJwt(),
		token.GetExpiresAt().AsTime().Format(time.RFC3339))

	// 3. Rotation (an operator's call): a generated JWT secret, returned once.
	rotated := appID + "-rotated"
	ctx, cancel = context.WithTimeout(context.Background(), callTimeout)
	rotation, err := client.RotateSecret(ctx, &identityv1.RotateSecretRequest{
		AppId:  rotated,
		Kind:   identityv1.SecretKind_SECRET_KIND_JWT,
		Source: &identityv1.RotateSecretRequest_Generate{Generate: true},
	})
	cancel()
	if err != nil {
		return describe("RotateSecret", err)
	}
	// A real operator stores rotation.GetGeneratedSecret() in the widget
	// vendor's settings now; it is never shown again, and never logged.
	fmt.Printf("rotated %s: JWT secret version %d, fingerprint %s (%d-character secret not shown)\n",
		rotated, rotation.GetVersion(), rotation.GetFingerprint(), len(rotation.GetGeneratedSecret()))

	// 4. Errors arrive as gRPC status codes: an unknown widget is NOT_FOUND.
	ctx, cancel = context.WithTimeout(context.Background(), callTimeout)
	_, err = client.IssueEmailHash(ctx, &identityv1.IssueEmailHashRequest{AppId: "no-such-widget", Email: email})
	cancel()
	if status.Code(err) != codes.NotFound {
		return fmt.Errorf("IssueEmailHash for an unknown widget: want NOT_FOUND, got %v", err)
	}
	fmt.Printf("unknown widget: %s\n", status.Code(err))
	return nil
}

// describe turns a failed call into an error that says what a caller would do.
func describe(call string, err error) error {
	st, _ := status.FromError(err)
	switch st.Code() {
	case codes.InvalidArgument:
		return fmt.Errorf("%s: bad request (fix the input): %s", call, st.Message())
	case codes.NotFound, codes.FailedPrecondition:
		return fmt.Errorf("%s: widget not set up for this call: %s: %s", call, st.Code(), st.Message())
	case codes.Unavailable:
		// Also how a refused TLS handshake surfaces: the server does not trust
		// this client's certificate (or got none, or plain text).
		return fmt.Errorf("%s: identityd unreachable, or it refused this client's certificate "+
			"(check %s, %s, %s): %s", call, identityclient.CAFileEnv, identityclient.CertFileEnv,
			identityclient.KeyFileEnv, st.Message())
	case codes.DeadlineExceeded:
		return fmt.Errorf("%s: identityd unreachable (retry later): %s: %s", call, st.Code(), st.Message())
	default:
		return errors.New(call + ": " + st.Code().String() + ": " + st.Message())
	}
}

func ptr[T any](v T) *T { return &v }
