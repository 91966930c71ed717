#ifndef IDENTITY_SERVER_STARTUP_SERVER_SECURITY_H_
#define IDENTITY_SERVER_STARTUP_SERVER_SECURITY_H_

#include <grpcpp/security/server_credentials.h>
#include <grpcpp/server_builder.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "server/authz/authorizer.h"
#include "server/authz/policy_authorizer.h"
#include "server/common/file_poller.h"
#include "server/common/listen_address.h"
#include "server/limits/rate_limiter.h"
#include "server/limits/server_limits.h"
#include "server/metrics/counter.h"
#include "server/metrics/text_format.h"

namespace identity {

// ServerSecurity is identityd's transport security and access control, built
// from its flags: either mutual TLS (--tls_cert_file, --tls_key_file,
// --tls_client_ca_file, reloaded from disk) with a policy
// (--authz_policy_file, reloaded from disk), or, for development only,
// plain text on a loopback address with every call allowed
// (--insecure_loopback). Plus the per-principal rate limit and the
// transport limits. It owns the reload threads: keep it alive until the
// server has stopped.
class ServerSecurity {
 public:
  // Reads and checks the flags, the TLS files and the policy. Errors name
  // the flag (and file) at fault.
  static absl::StatusOr<std::unique_ptr<ServerSecurity>> FromFlags(const ListenAddress& address);

  // Adds the listening port `listen` with the right credentials, and the
  // transport limits, to `builder`.
  void ConfigureServer(const std::string& listen, grpc::ServerBuilder& builder,
                       int* bound_port) const;

  // Decides who may call what; lives as long as this object.
  const authz::Authorizer& authorizer() const { return *authorizer_; }
  // The per-principal rate limiter; null if --rate_limit_per_second=0.
  limits::PrincipalRateLimiter* rate_limiter() const { return rate_limiter_.get(); }
  // Whether the server speaks plain text (--insecure_loopback).
  bool plaintext() const { return credentials_ == nullptr; }
  const limits::ServerLimits& limits() const { return limits_; }

  // Writes the metric families of transport security and access control:
  // the serving certificate's notAfter and its reloads, the policy's reloads,
  // rate-limited calls (each only when that feature is on).
  void CollectMetrics(metrics::TextFormatWriter& out) const;

 private:
  ServerSecurity() = default;
  // Sets certificate_not_after_seconds_ from `cert_file` (unchanged if it
  // cannot be read).
  void NoteCertificateNotAfter(const std::string& cert_file);

  std::shared_ptr<grpc::ServerCredentials> credentials_;  // null: plain text
  std::unique_ptr<authz::Authorizer> authorizer_;
  std::unique_ptr<limits::PrincipalRateLimiter> rate_limiter_;
  limits::ServerLimits limits_;
  const authz::PolicyAuthorizer* policy_authorizer_ = nullptr;  // null: plain text
  // Set at start and by each reload of the TLS files (the poller's thread).
  metrics::Gauge certificate_not_after_seconds_;
  metrics::Counter tls_reloads_;
  metrics::Counter tls_reload_failures_;
  std::unique_ptr<FilePoller> tls_file_poller_;  // logs certificate reloads
};

}  // namespace identity

#endif  // IDENTITY_SERVER_STARTUP_SERVER_SECURITY_H_
