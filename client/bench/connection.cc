#include "client/bench/connection.h"

#include <chrono>
#include <fstream>
#include <sstream>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "client/bench/load_generator.h"

namespace identity::bench {
namespace {

absl::StatusOr<std::string> ReadFile(const std::string& flag, const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::InvalidArgumentError(absl::StrCat("--", flag, ": cannot read ", path));
  std::ostringstream content;
  content << in.rdbuf();
  return content.str();
}

}  // namespace

absl::StatusOr<Connection> MakeConnection(const TransportFlags& flags) {
  Connection c;
  c.target = flags.target;
  if (c.target.empty()) return absl::InvalidArgumentError("--target is required");
  if (flags.insecure) {
    if (!flags.ca.empty() || !flags.cert.empty() || !flags.key.empty()) {
      return absl::InvalidArgumentError("--insecure excludes --ca, --cert and --key");
    }
    c.transport = "plaintext";
    c.credentials = grpc::InsecureChannelCredentials();
    return c;
  }
  if (flags.ca.empty()) {
    return absl::InvalidArgumentError("pass --ca=FILE for TLS, or --insecure for plain text");
  }
  if (flags.cert.empty() != flags.key.empty()) {
    return absl::InvalidArgumentError("--cert and --key go together (mTLS)");
  }
  grpc::SslCredentialsOptions options;
  absl::StatusOr<std::string> pem = ReadFile("ca", flags.ca);
  if (!pem.ok()) return pem.status();
  options.pem_root_certs = *std::move(pem);
  c.transport = "TLS";
  if (!flags.cert.empty()) {
    pem = ReadFile("cert", flags.cert);
    if (!pem.ok()) return pem.status();
    options.pem_cert_chain = *std::move(pem);
    pem = ReadFile("key", flags.key);  // a private key: held in memory only, never printed
    if (!pem.ok()) return pem.status();
    options.pem_private_key = *std::move(pem);
    c.transport = "mTLS";
  }
  c.credentials = grpc::SslCredentials(options);
  c.server_name = flags.server_name;
  return c;
}

absl::StatusOr<std::vector<std::shared_ptr<grpc::Channel>>> Connect(const Connection& c, int n,
                                                                    absl::Duration timeout) {
  std::vector<std::shared_ptr<grpc::Channel>> channels;
  const auto deadline = std::chrono::system_clock::now() + absl::ToChronoNanoseconds(timeout);
  for (int i = 0; i < n; ++i) {
    channels.push_back(NewBenchChannel(c.target, c.credentials, c.server_name));
    if (!channels.back()->WaitForConnected(deadline)) {
      return absl::UnavailableError(
          absl::StrCat("cannot connect to ", c.target, " (", c.transport, ")"));
    }
  }
  return channels;
}

}  // namespace identity::bench
