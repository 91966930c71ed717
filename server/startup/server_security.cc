#include "server/startup/server_security.h"

#include <grpcpp/security/server_credentials.h>

#include <cstdint>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "server/authz/policy_authorizer.h"
#include "server/common/log.h"
#include "server/tls/server_credentials.h"
#include "server/tls/tls_files.h"

// Transport security. The defaults demand mutual TLS; plain text is a
// development opt-in limited to loopback addresses.
ABSL_FLAG(std::string, tls_cert_file, "",
          "PEM file with the server's certificate chain (leaf first). With --tls_key_file and "
          "--tls_client_ca_file, serves mutual TLS: every client must present a certificate "
          "signed by the client CA. Re-read every --tls_reload_interval.");
ABSL_FLAG(std::string, tls_key_file, "",
          "PEM file with the private key of --tls_cert_file (unencrypted; mode 0600).");
ABSL_FLAG(std::string, tls_client_ca_file, "",
          "PEM file with the CA certificate(s) that client certificates must chain to.");
ABSL_FLAG(absl::Duration, tls_reload_interval, absl::Seconds(60),
          "How often the three TLS files are re-read; changed files apply to new connections "
          "(whole seconds, at least 1s). Replace them atomically (write, then rename).");
ABSL_FLAG(bool, insecure_loopback, false,
          "Development only: serve plain-text gRPC (no TLS, no caller identity, every call "
          "allowed). Refused unless --listen names a loopback address, and with any --tls_* or "
          "--authz_policy_file flag.");

// Access control.
ABSL_FLAG(std::string, authz_policy_file, "",
          "JSON authorization policy: which principal may call which RPC for which app_ids "
          "(see README, \"Security model\"). Required with TLS; default deny. Re-read when it "
          "changes; a file that fails to load keeps the previous policy (error logged).");
ABSL_FLAG(absl::Duration, authz_policy_reload_interval, absl::Seconds(5),
          "How often --authz_policy_file is checked for changes (0: never).");
ABSL_FLAG(double, rate_limit_per_second, 1000,
          "Per-principal rate limit: calls per second each caller may sustain (token bucket). "
          "Refused calls get RESOURCE_EXHAUSTED with the wait in the 'retry-after-ms' trailer. "
          "0 turns the limit off.");
ABSL_FLAG(double, rate_limit_burst, 2000,
          "Per-principal rate limit: calls a caller may make at once after being idle (the "
          "bucket size).");

// Transport limits (see server/limits/server_limits.h for why each exists).
ABSL_FLAG(int32_t, max_receive_message_bytes, 64 * 1024,
          "Largest request message accepted; larger ones get RESOURCE_EXHAUSTED.");
ABSL_FLAG(int32_t, max_metadata_bytes, 16 * 1024, "Largest request metadata (headers) accepted.");
ABSL_FLAG(int32_t, max_concurrent_streams, 100, "Concurrent calls allowed per connection.");
ABSL_FLAG(absl::Duration, keepalive_time, absl::Minutes(2),
          "The server pings a connection idle this long...");
ABSL_FLAG(absl::Duration, keepalive_timeout, absl::Seconds(20),
          "...and closes it if the ping is not answered within this time.");
ABSL_FLAG(absl::Duration, min_client_ping_interval, absl::Seconds(30),
          "Keepalive enforcement: clients pinging more often than this get strikes; after "
          "--max_ping_strikes the connection is closed (GOAWAY too_many_pings).");
ABSL_FLAG(int32_t, max_ping_strikes, 2, "See --min_client_ping_interval.");
ABSL_FLAG(absl::Duration, max_connection_idle, absl::Minutes(15),
          "Connections without calls for this long are closed (0: never).");
ABSL_FLAG(absl::Duration, max_connection_age, absl::Minutes(30),
          "Connections are closed gracefully after this long, so that clients re-handshake and "
          "certificate changes or revocations reach every connection (0: never).");
ABSL_FLAG(absl::Duration, max_connection_age_grace, absl::Seconds(30),
          "Time in-flight calls get to finish when a connection reaches --max_connection_age.");
ABSL_FLAG(absl::Duration, handshake_timeout, absl::Seconds(10),
          "Connections that have not finished the TLS/HTTP2 handshake by then are dropped.");
ABSL_FLAG(int64_t, grpc_memory_quota_bytes, 64 << 20,
          "Memory gRPC may hold for all connections and calls together. Past it, gRPC cancels "
          "calls and closes connections (GOAWAY ENHANCE_YOUR_CALM) rather than grow: the bound "
          "on callers that open many streams and never finish their requests. At least 1 MiB.");

namespace identity {
namespace {

limits::ServerLimits LimitsFromFlags() {
  limits::ServerLimits l;
  l.max_receive_message_bytes = absl::GetFlag(FLAGS_max_receive_message_bytes);
  l.max_metadata_bytes = absl::GetFlag(FLAGS_max_metadata_bytes);
  l.max_concurrent_streams = absl::GetFlag(FLAGS_max_concurrent_streams);
  l.keepalive_time = absl::GetFlag(FLAGS_keepalive_time);
  l.keepalive_timeout = absl::GetFlag(FLAGS_keepalive_timeout);
  l.min_client_ping_interval = absl::GetFlag(FLAGS_min_client_ping_interval);
  l.max_ping_strikes = absl::GetFlag(FLAGS_max_ping_strikes);
  l.max_connection_idle = absl::GetFlag(FLAGS_max_connection_idle);
  l.max_connection_age = absl::GetFlag(FLAGS_max_connection_age);
  l.max_connection_age_grace = absl::GetFlag(FLAGS_max_connection_age_grace);
  l.handshake_timeout = absl::GetFlag(FLAGS_handshake_timeout);
  l.memory_quota_bytes = absl::GetFlag(FLAGS_grpc_memory_quota_bytes);
  return l;
}

tls::ServerTlsFiles TlsFilesFromFlags() {
  return tls::ServerTlsFiles{absl::GetFlag(FLAGS_tls_cert_file), absl::GetFlag(FLAGS_tls_key_file),
                             absl::GetFlag(FLAGS_tls_client_ca_file)};
}

}  // namespace

absl::StatusOr<std::unique_ptr<ServerSecurity>> ServerSecurity::FromFlags(
    const ListenAddress& address) {
  std::unique_ptr<ServerSecurity> security(new ServerSecurity());
  security->limits_ = LimitsFromFlags();
  if (absl::Status s = limits::ValidateServerLimits(security->limits_); !s.ok()) return s;

  if (const double rate = absl::GetFlag(FLAGS_rate_limit_per_second); rate != 0) {
    absl::StatusOr<std::unique_ptr<limits::PrincipalRateLimiter>> limiter =
        limits::PrincipalRateLimiter::Create(
            limits::RateLimit{rate, absl::GetFlag(FLAGS_rate_limit_burst)});
    if (!limiter.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--rate_limit_per_second/--rate_limit_burst: ", limiter.status().message()));
    }
    security->rate_limiter_ = *std::move(limiter);
  }

  const tls::ServerTlsFiles files = TlsFilesFromFlags();
  const std::string policy_file = absl::GetFlag(FLAGS_authz_policy_file);
  const bool any_tls_flag =
      !files.cert_file.empty() || !files.key_file.empty() || !files.client_ca_file.empty();

  if (absl::GetFlag(FLAGS_insecure_loopback)) {
    if (any_tls_flag || !policy_file.empty()) {
      return absl::InvalidArgumentError(
          "--insecure_loopback cannot be combined with --tls_* or --authz_policy_file (plain "
          "text has no caller identity to authorize)");
    }
    if (!IsLoopbackHost(address.host)) {
      return absl::InvalidArgumentError(
          absl::StrCat("--insecure_loopback refused: ", address.host,
                       " is not a loopback address (use 127.0.0.1, ::1 or localhost)"));
    }
    security->authorizer_ = std::make_unique<authz::AllowAllAuthorizer>();
    return security;
  }

  if (!any_tls_flag) {
    return absl::InvalidArgumentError(
        "mutual TLS is required: pass --tls_cert_file, --tls_key_file, --tls_client_ca_file and "
        "--authz_policy_file (or, for development on a loopback address only, "
        "--insecure_loopback)");
  }
  absl::StatusOr<std::string> summary = tls::CheckServerTlsFiles(files);
  if (!summary.ok()) return summary.status();
  LogInfo(absl::StrCat("mutual TLS: ", *summary));

  if (policy_file.empty()) {
    return absl::InvalidArgumentError(
        "--authz_policy_file is required with TLS (default deny: without a policy no call "
        "would be allowed)");
  }
  absl::StatusOr<std::unique_ptr<authz::PolicyAuthorizer>> authorizer =
      authz::PolicyAuthorizer::Create(policy_file,
                                      absl::GetFlag(FLAGS_authz_policy_reload_interval));
  if (!authorizer.ok()) {
    return absl::Status(authorizer.status().code(),
                        absl::StrCat("--authz_policy_file ", authorizer.status().message()));
  }
  security->policy_authorizer_ = authorizer->get();
  security->authorizer_ = *std::move(authorizer);

  const absl::Duration reload = absl::GetFlag(FLAGS_tls_reload_interval);
  if (reload < absl::Seconds(1)) {
    return absl::InvalidArgumentError("--tls_reload_interval: must be at least 1s");
  }
  security->credentials_ = tls::MakeMutualTlsServerCredentials(files, reload);
  ServerSecurity* self = security.get();
  self->NoteCertificateNotAfter(files.cert_file);
  // gRPC's provider reloads the files silently; this poller says in the log
  // (and the metrics) what was loaded, or why the new files cannot be used.
  security->tls_file_poller_ = std::make_unique<FilePoller>(
      std::vector<std::string>{files.cert_file, files.key_file, files.client_ca_file}, reload,
      [files, self] {
        absl::StatusOr<std::string> now = tls::CheckServerTlsFiles(files);
        if (now.ok()) {
          self->tls_reloads_.Increment();
          self->NoteCertificateNotAfter(files.cert_file);
          LogInfo(absl::StrCat("TLS files changed; new connections use them: ", *now));
        } else {
          self->tls_reload_failures_.Increment();
          LogError(absl::StrCat("TLS files changed but are not usable: ", now.status().message(),
                                " (fix them: handshakes may fail until then)"));
        }
      });
  return security;
}

void ServerSecurity::NoteCertificateNotAfter(const std::string& cert_file) {
  absl::StatusOr<absl::Time> not_after = tls::CertificateNotAfter(cert_file);
  if (not_after.ok()) {
    certificate_not_after_seconds_.Set(absl::ToDoubleSeconds(*not_after - absl::UnixEpoch()));
  }
}

void ServerSecurity::CollectMetrics(metrics::TextFormatWriter& out) const {
  using metrics::MetricType;
  if (!plaintext()) {
    out.Family("identityd_tls_certificate_not_after_timestamp_seconds",
               "Unix time at which the serving certificate (--tls_cert_file) expires, as last "
               "loaded.",
               MetricType::kGauge);
    out.Sample("identityd_tls_certificate_not_after_timestamp_seconds", {},
               certificate_not_after_seconds_.value());
    out.Family("identityd_tls_reloads_total",
               "Changes of the TLS files seen after start, by outcome (failure: the new files "
               "are not usable).",
               MetricType::kCounter);
    out.Sample("identityd_tls_reloads_total", {{"outcome", "success"}},
               static_cast<double>(tls_reloads_.value()));
    out.Sample("identityd_tls_reloads_total", {{"outcome", "failure"}},
               static_cast<double>(tls_reload_failures_.value()));
  }
  if (policy_authorizer_ != nullptr) {
    out.Family("identityd_authz_policy_reloads_total",
               "Reloads of --authz_policy_file after start, by outcome (failure: the previous "
               "policy stays).",
               MetricType::kCounter);
    out.Sample("identityd_authz_policy_reloads_total", {{"outcome", "success"}},
               static_cast<double>(policy_authorizer_->reloads()));
    out.Sample("identityd_authz_policy_reloads_total", {{"outcome", "failure"}},
               static_cast<double>(policy_authorizer_->reload_failures()));
  }
  if (rate_limiter_ != nullptr) {
    out.Family("identityd_rate_limited_calls_total",
               "Calls refused by the per-principal rate limit (RESOURCE_EXHAUSTED).",
               MetricType::kCounter);
    out.Sample("identityd_rate_limited_calls_total", {},
               static_cast<double>(rate_limiter_->refused()));
  }
}

void ServerSecurity::ConfigureServer(const std::string& listen, grpc::ServerBuilder& builder,
                                     int* bound_port) const {
  limits::ApplyServerLimits(limits_, builder);
  if (plaintext()) {
    LogWarning(absl::StrCat("serving PLAIN-TEXT gRPC on ", listen,
                            " (--insecure_loopback): no caller identity, every call allowed; "
                            "for development only"));
    builder.AddListeningPort(listen, grpc::InsecureServerCredentials(), bound_port);
    return;
  }
  builder.AddListeningPort(listen, credentials_, bound_port);
}

}  // namespace identity
