// Command identity-peer-go is the service a platform team would write in Go
// instead of identityd: the same contract (identity.v1.IdentityService's
// IssueEmailHash and IssueWidgetToken, grpc.health.v1.Health) with grpc-go and
// golang-jwt v5, secrets decoded once, a pooled HMAC per widget and the
// contract's request validation. scripts/bench runs it beside identityd as the
// yardstick (docs/benchmarks.md); it is not a product: no rotation (every
// secret is version 1), no audit log, no rate limit, no durable state.
//
//	identity-peer-go --listen=127.0.0.1:0 --port_file=F --config=identityd.json \
//	    [--tls_cert_file=F --tls_key_file=F --tls_client_ca_file=F --allowed_principals=URI,...]
//
// --config is identityd's own configuration format (README "Configuration").
// With the TLS flags it requires a client certificate signed by the CA and
// lets only callers whose URI SAN is in --allowed_principals call the
// identity service (PERMISSION_DENIED otherwise); without them it serves
// plain text and only on a loopback address.
package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"flag"
	"fmt"
	"log"
	"net"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/peer"
	"google.golang.org/grpc/status"

	identityv1 "identityd/bench/peers/go/gen/identity/v1"
)

var (
	listen            = flag.String("listen", "127.0.0.1:0", "HOST:PORT to serve on")
	portFile          = flag.String("port_file", "", "write the bound port here once serving")
	configFile        = flag.String("config", "", "identityd's JSON configuration (required)")
	tlsCertFile       = flag.String("tls_cert_file", "", "server certificate (PEM); enables mTLS")
	tlsKeyFile        = flag.String("tls_key_file", "", "server private key (PEM)")
	tlsClientCAFile   = flag.String("tls_client_ca_file", "", "CA that signs client certificates (PEM)")
	allowedPrincipals = flag.String("allowed_principals", "", "with TLS: comma-separated URI SANs allowed to call the identity service")
)

func main() {
	flag.Parse()
	if err := run(); err != nil {
		log.Fatalf("identity-peer-go: %v", err)
	}
}

func run() error {
	if *configFile == "" {
		return fmt.Errorf("--config is required")
	}
	widgets, err := loadWidgets(*configFile)
	if err != nil {
		return err
	}
	var opts []grpc.ServerOption
	if *tlsCertFile != "" {
		creds, err := serverTLS()
		if err != nil {
			return err
		}
		allowed := map[string]bool{}
		for _, p := range strings.Split(*allowedPrincipals, ",") {
			if p != "" {
				allowed[p] = true
			}
		}
		opts = append(opts, grpc.Creds(creds), grpc.UnaryInterceptor(authorize(allowed)))
	} else if host, _, err := net.SplitHostPort(*listen); err != nil ||
		!(host == "localhost" || net.ParseIP(host) != nil && net.ParseIP(host).IsLoopback()) {
		return fmt.Errorf("--listen: plain text only on a loopback address")
	}
	lis, err := net.Listen("tcp", *listen)
	if err != nil {
		return err
	}
	server := grpc.NewServer(opts...)
	identityv1.RegisterIdentityServiceServer(server, &identityServer{widgets: widgets})
	healthServer := health.NewServer()
	healthServer.SetServingStatus(identityv1.IdentityService_ServiceDesc.ServiceName,
		healthpb.HealthCheckResponse_SERVING)
	healthpb.RegisterHealthServer(server, healthServer)

	signals := make(chan os.Signal, 1)
	signal.Notify(signals, syscall.SIGTERM, syscall.SIGINT)
	go func() {
		<-signals
		healthServer.Shutdown()
		server.GracefulStop()
	}()
	if *portFile != "" {
		port := strconv.Itoa(lis.Addr().(*net.TCPAddr).Port)
		if err := os.WriteFile(*portFile, []byte(port+"\n"), 0o644); err != nil {
			return err
		}
	}
	return server.Serve(lis)
}

func serverTLS() (credentials.TransportCredentials, error) {
	cert, err := tls.LoadX509KeyPair(*tlsCertFile, *tlsKeyFile)
	if err != nil {
		return nil, err
	}
	pem, err := os.ReadFile(*tlsClientCAFile)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("--tls_client_ca_file: no certificate")
	}
	return credentials.NewTLS(&tls.Config{
		Certificates: []tls.Certificate{cert},
		ClientCAs:    pool,
		ClientAuth:   tls.RequireAndVerifyClientCert,
		MinVersion:   tls.VersionTLS12,
	}), nil
}

// authorize lets a call to the identity service through only when the
// client certificate's URI SAN (its SPIFFE ID) is allowed; health is open to
// every authenticated caller, as in identityd.
func authorize(allowed map[string]bool) grpc.UnaryServerInterceptor {
	prefix := "/" + identityv1.IdentityService_ServiceDesc.ServiceName + "/"
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		if !strings.HasPrefix(info.FullMethod, prefix) {
			return handler(ctx, req)
		}
		p, ok := peer.FromContext(ctx)
		if !ok {
			return nil, status.Error(codes.Unauthenticated, "no client certificate")
		}
		tlsInfo, ok := p.AuthInfo.(credentials.TLSInfo)
		if !ok || len(tlsInfo.State.PeerCertificates) == 0 {
			return nil, status.Error(codes.Unauthenticated, "no client certificate")
		}
		for _, uri := range tlsInfo.State.PeerCertificates[0].URIs {
			if allowed[uri.String()] {
				return handler(ctx, req)
			}
		}
		return nil, status.Error(codes.PermissionDenied, "caller not allowed")
	}
}
