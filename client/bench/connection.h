#ifndef IDENTITY_CLIENT_BENCH_CONNECTION_H_
#define IDENTITY_CLIENT_BENCH_CONNECTION_H_

#include <grpcpp/channel.h>
#include <grpcpp/security/credentials.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace identity::bench {

// The transport flags of identity-bench, as given.
struct TransportFlags {
  std::string target;       // HOST:PORT, required
  bool insecure = false;    // plain text (excludes the files below)
  std::string ca;           // PEM file of the CAs that verify the server (TLS)
  std::string cert, key;    // this client's certificate chain and key (mTLS), together
  std::string server_name;  // the name to verify in the server's certificate, if not the host
};

// Everything a run needs to reach the server.
struct Connection {
  std::string target;
  std::string transport;  // "plaintext", "TLS" or "mTLS"
  std::shared_ptr<grpc::ChannelCredentials> credentials;
  std::string server_name;
};

// Checks `flags` and reads the PEM files they name. kInvalidArgument naming
// the flag at fault (a private key's content is never in a message).
absl::StatusOr<Connection> MakeConnection(const TransportFlags& flags);

// Opens `n` channels to the server, each its own TCP connection
// (NewBenchChannel), and waits up to `timeout` for each to connect.
// kUnavailable naming the target if one does not.
absl::StatusOr<std::vector<std::shared_ptr<grpc::Channel>>> Connect(const Connection& c, int n,
                                                                    absl::Duration timeout);

}  // namespace identity::bench

#endif  // IDENTITY_CLIENT_BENCH_CONNECTION_H_
