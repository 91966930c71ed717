// Package identityclient opens connections to identityd, the widget identity
// service, for the generated stubs in identityd/client/go/gen/identity/v1.
//
// Every Go caller creates its channel here, so that transport security is
// configured in one place: identityd serves plain text only on loopback
// (--insecure_loopback, for development and tests); TLS options belong in Dial
// when the server offers them.
//
//	conn, err := identityclient.Dial("127.0.0.1:50051")
//	if err != nil { ... }
//	defer conn.Close()
//	client := identityv1.NewIdentityServiceClient(conn)
//	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
//	defer cancel()
//	reply, err := client.IssueEmailHash(ctx, &identityv1.IssueEmailHashRequest{...})
package identityclient

import (
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
)

// Dial returns a client connection to identityd at target ("host:port").
// The connection is lazy: nothing is sent until the first call, and each call
// should carry its own deadline (context.WithTimeout). Close it when done.
func Dial(target string) (*grpc.ClientConn, error) {
	// Plain text: today's identityd accepts it only on a loopback address.
	return grpc.NewClient(target, grpc.WithTransportCredentials(insecure.NewCredentials()))
}
