// Package identityclient opens connections to identityd, the widget identity
// service, for the generated stubs in identityd/client/go/gen/identity/v1.
//
// Every Go caller creates its channel here, so that transport security is
// configured in one place. A production identityd accepts mutual TLS only:
// the caller trusts the CA that signed identityd's certificate and presents
// its own certificate and key, whose name (a SPIFFE ID, a DNS name or a CN)
// the server's policy authorizes. Plain text exists only for a development
// identityd started with --insecure_loopback, and must be asked for by name.
//
//	// Mutual TLS (production): credentials.NewTLS with a tls.Config from PEM files.
//	conn, err := identityclient.Dial("identityd.corp:50051", identityclient.TLSFiles{
//		CAFile: "ca.pem", CertFile: "billing.pem", KeyFile: "billing.key"})
//	// Plain text: only a development server (identityd --insecure_loopback).
//	conn, err := identityclient.DialInsecure("127.0.0.1:50051")
//
//	if err != nil { ... }
//	defer conn.Close()
//	client := identityv1.NewIdentityServiceClient(conn)
//	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
//	defer cancel()
//	reply, err := client.IssueEmailHash(ctx, &identityv1.IssueEmailHashRequest{...})
//
// A server that refuses the client's certificate (none, or one from a CA it
// does not trust) fails the TLS handshake: the call ends at once with
// codes.Unavailable, it does not wait for its deadline.
package identityclient

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
)

// TLSFiles names the PEM files of mutual TLS.
type TLSFiles struct {
	CAFile   string // CA certificate(s) identityd's certificate must chain to
	CertFile string // this client's certificate chain (leaf first)
	KeyFile  string // its private key
}

// The environment variables DialFromEnv reads (the example and the interop
// test use them).
const (
	TargetEnv     = "IDENTITYD_TARGET"
	CAFileEnv     = "IDENTITYD_CA_FILE"
	CertFileEnv   = "IDENTITYD_CERT_FILE"
	KeyFileEnv    = "IDENTITYD_KEY_FILE"
	InsecureEnv   = "IDENTITYD_INSECURE"
	DefaultTarget = "127.0.0.1:50051"
)

// TLSConfig returns the tls.Config of mutual TLS from files: the server's
// certificate must chain to files.CAFile (and name the host dialled), and the
// client presents files.CertFile. The files are read once, here: dial again to
// pick up renewed certificates. The error names the file at fault.
func TLSConfig(files TLSFiles) (*tls.Config, error) {
	cert, err := tls.LoadX509KeyPair(files.CertFile, files.KeyFile)
	if err != nil {
		return nil, fmt.Errorf("client certificate %s / key %s: %w", files.CertFile, files.KeyFile, err)
	}
	caPEM, err := os.ReadFile(files.CAFile)
	if err != nil {
		return nil, fmt.Errorf("CA file: %w", err)
	}
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(caPEM) {
		return nil, fmt.Errorf("CA file %s: no PEM certificate in it", files.CAFile)
	}
	return &tls.Config{
		RootCAs:      roots,
		Certificates: []tls.Certificate{cert},
		MinVersion:   tls.VersionTLS12,
	}, nil
}

// Dial returns a client connection to identityd at target ("host:port") over
// mutual TLS. The connection is lazy: nothing is sent until the first call, and
// each call should carry its own deadline (context.WithTimeout). Close it when
// done.
func Dial(target string, files TLSFiles) (*grpc.ClientConn, error) {
	config, err := TLSConfig(files)
	if err != nil {
		return nil, err
	}
	return grpc.NewClient(target, grpc.WithTransportCredentials(credentials.NewTLS(config)))
}

// DialInsecure returns a plain-text connection: only for a development
// identityd started with --insecure_loopback (it listens on loopback only). A
// production identityd refuses it (codes.Unavailable).
func DialInsecure(target string) (*grpc.ClientConn, error) {
	return grpc.NewClient(target, grpc.WithTransportCredentials(insecure.NewCredentials()))
}

// DialFromEnv dials as the environment asks: IDENTITYD_TARGET (default
// 127.0.0.1:50051), and either IDENTITYD_CA_FILE, IDENTITYD_CERT_FILE and
// IDENTITYD_KEY_FILE (mutual TLS) or IDENTITYD_INSECURE=1 (plain text,
// development). Anything else is an error saying what to set: a caller never
// falls back to plain text.
func DialFromEnv() (*grpc.ClientConn, error) {
	target := os.Getenv(TargetEnv)
	if target == "" {
		target = DefaultTarget
	}
	files := TLSFiles{os.Getenv(CAFileEnv), os.Getenv(CertFileEnv), os.Getenv(KeyFileEnv)}
	anyFile := files.CAFile != "" || files.CertFile != "" || files.KeyFile != ""
	allFiles := files.CAFile != "" && files.CertFile != "" && files.KeyFile != ""
	insecureAsked := os.Getenv(InsecureEnv) == "1"
	switch {
	case anyFile && insecureAsked:
		return nil, fmt.Errorf("set either %s/%s/%s or %s=1, not both", CAFileEnv, CertFileEnv, KeyFileEnv, InsecureEnv)
	case allFiles:
		return Dial(target, files)
	case insecureAsked:
		return DialInsecure(target)
	}
	return nil, errors.New("set " + CAFileEnv + ", " + CertFileEnv + " and " + KeyFileEnv +
		" (mutual TLS, which a production identityd requires), or " + InsecureEnv +
		"=1 for a development identityd started with --insecure_loopback")
}
