#include "server/service/call_metrics.h"

#include <string>

namespace identity::service {
namespace {

constexpr absl::string_view kKindNames[] = {"email_hash", "jwt", "unknown"};

std::size_t KindIndex(absl::string_view kind) {
  if (kind == kKindNames[0]) return 0;
  if (kind == kKindNames[1]) return 1;
  return 2;
}

// The gRPC name of status code `code` ("OK", "INVALID_ARGUMENT"...), which
// absl's codes share.
std::string CodeName(std::size_t code) {
  return absl::StatusCodeToString(static_cast<absl::StatusCode>(code));
}

}  // namespace

CallMetrics::CallMetrics() {
  for (auto& histogram : latency_) {
    histogram = std::make_unique<metrics::Histogram>(metrics::kLatencyBucketsSeconds);
  }
}

CallMetrics& CallMetrics::Global() {
  static CallMetrics* metrics = new CallMetrics();  // used until exit
  return *metrics;
}

void CallMetrics::Record(absl::string_view rpc_name, const absl::Status& status,
                         absl::Duration latency, absl::string_view kind, absl::Time now) {
  if (!enabled_.load(std::memory_order_relaxed)) return;
  const std::optional<authz::Rpc> rpc = authz::RpcFromName(rpc_name);
  if (!rpc.has_value()) return;
  const auto r = static_cast<std::size_t>(*rpc);
  std::size_t code = static_cast<std::size_t>(status.code());
  if (code >= kCodes) code = static_cast<std::size_t>(absl::StatusCode::kUnknown);
  calls_[r][code].Increment();
  latency_[r]->Observe(absl::ToDoubleSeconds(latency));
  if (status.code() == absl::StatusCode::kUnauthenticated) denied_[r][0].Increment();
  if (status.code() == absl::StatusCode::kPermissionDenied) denied_[r][1].Increment();
  if (*rpc == authz::Rpc::kRotateSecret) {
    rotations_[KindIndex(kind)][code].Increment();
    if (status.ok()) last_rotation_seconds_.Set(absl::ToDoubleSeconds(now - absl::UnixEpoch()));
  }
}

void CallMetrics::RecordBatchEmails(std::uint64_t hashed, std::uint64_t invalid) {
  if (!enabled_.load(std::memory_order_relaxed)) return;
  batch_emails_hashed_.Increment(hashed);
  batch_emails_invalid_.Increment(invalid);
}

void CallMetrics::Collect(metrics::TextFormatWriter& out) const {
  using metrics::MetricType;
  std::array<std::string, kCodes> codes;
  for (std::size_t c = 0; c < kCodes; ++c) codes[c] = CodeName(c);

  out.Family("identityd_rpc_calls_total", "Calls finished, by RPC and gRPC status code.",
             MetricType::kCounter);
  for (std::size_t r = 0; r < kRpcs; ++r) {
    for (std::size_t c = 0; c < kCodes; ++c) {
      out.Sample("identityd_rpc_calls_total",
                 {{"rpc", authz::RpcName(authz::kAllRpcs[r])}, {"code", codes[c]}},
                 static_cast<double>(calls_[r][c].value()));
    }
  }
  out.Family("identityd_rpc_duration_seconds",
             "Time from a call reaching its handler to its status, by RPC (for RotateSecret "
             "including the audit record and the store's write).",
             MetricType::kHistogram);
  for (std::size_t r = 0; r < kRpcs; ++r) {
    out.HistogramSamples("identityd_rpc_duration_seconds",
                         {{"rpc", authz::RpcName(authz::kAllRpcs[r])}}, *latency_[r]);
  }
  out.Family("identityd_denied_calls_total",
             "Calls refused for want of a valid client identity (unauthenticated) or of a "
             "grant in the policy (permission_denied), by RPC.",
             MetricType::kCounter);
  for (std::size_t r = 0; r < kRpcs; ++r) {
    const absl::string_view rpc = authz::RpcName(authz::kAllRpcs[r]);
    out.Sample("identityd_denied_calls_total", {{"rpc", rpc}, {"reason", "unauthenticated"}},
               static_cast<double>(denied_[r][0].value()));
    out.Sample("identityd_denied_calls_total", {{"rpc", rpc}, {"reason", "permission_denied"}},
               static_cast<double>(denied_[r][1].value()));
  }
  out.Family("identityd_rotations_total",
             "RotateSecret calls, by secret kind (unknown: refused before a valid kind was read) "
             "and outcome (gRPC status code).",
             MetricType::kCounter);
  for (std::size_t k = 0; k < kKinds; ++k) {
    for (std::size_t c = 0; c < kCodes; ++c) {
      out.Sample("identityd_rotations_total", {{"kind", kKindNames[k]}, {"outcome", codes[c]}},
                 static_cast<double>(rotations_[k][c].value()));
    }
  }
  out.Family("identityd_last_rotation_timestamp_seconds",
             "Unix time of the last successful RotateSecret on this replica (0: none since "
             "start).",
             MetricType::kGauge);
  out.Sample("identityd_last_rotation_timestamp_seconds", {}, last_rotation_seconds_.value());
  out.Family("identityd_batch_emails_total",
             "Emails of IssueEmailHashes calls that were answered, by outcome: hashed, or "
             "invalid (the email broke a rule; its result is an error).",
             MetricType::kCounter);
  out.Sample("identityd_batch_emails_total", {{"outcome", "hashed"}},
             static_cast<double>(batch_emails_hashed_.value()));
  out.Sample("identityd_batch_emails_total", {{"outcome", "invalid"}},
             static_cast<double>(batch_emails_invalid_.value()));
}

}  // namespace identity::service
