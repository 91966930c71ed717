#ifndef IDENTITY_SERVER_SERVICE_CALL_METRICS_H_
#define IDENTITY_SERVER_SERVICE_CALL_METRICS_H_

#include <array>
#include <atomic>
#include <memory>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "server/authz/rpc.h"
#include "server/metrics/counter.h"
#include "server/metrics/histogram.h"
#include "server/metrics/text_format.h"

namespace identity::service {

// CallMetrics counts the calls of identity.v1.IdentityService: by RPC and
// status code, their latency by RPC, the denied ones, and rotations by secret
// kind and outcome with the time of the last successful one. Every label set
// is fixed in advance (every RPC x 17 codes, 3 kinds): counters in fixed arrays,
// so Record() costs relaxed atomic adds and a bucket search, no lock and no
// allocation. Never an app_id or an email: their number has no bound.
//
// identityd uses the one process-wide instance, Global(), which CallAudit
// updates when a call finishes (one place every call passes); recording is
// off until Enable() (identityd enables it with --metrics_listen), so the
// server without metrics pays one relaxed load per call.
class CallMetrics {
 public:
  CallMetrics();
  CallMetrics(const CallMetrics&) = delete;
  CallMetrics& operator=(const CallMetrics&) = delete;

  static CallMetrics& Global();

  void Enable() { enabled_.store(true, std::memory_order_relaxed); }
  bool enabled() const { return enabled_.load(std::memory_order_relaxed); }

  // One finished call of `rpc` (a method name as authz::RpcName returns;
  // others are ignored) with `status`, `latency` from its arrival at the
  // handler, and for RotateSecret the secret kind ("email_hash", "jwt"; ""
  // when the call ended before a valid kind was read). `now` is the finish
  // time.
  void Record(absl::string_view rpc, const absl::Status& status, absl::Duration latency,
              absl::string_view kind, absl::Time now);

  // Writes the call families.
  void Collect(metrics::TextFormatWriter& out) const;

 private:
  static constexpr std::size_t kRpcs = authz::kAllRpcs.size();
  static constexpr std::size_t kCodes = 17;  // absl::StatusCode 0..16, as gRPC's
  static constexpr std::size_t kKinds = 3;   // email_hash, jwt, unknown

  std::atomic<bool> enabled_{false};
  std::array<std::array<metrics::Counter, kCodes>, kRpcs> calls_;
  std::array<std::unique_ptr<metrics::Histogram>, kRpcs> latency_;
  // [rpc][0]: unauthenticated, [rpc][1]: permission denied.
  std::array<std::array<metrics::Counter, 2>, kRpcs> denied_;
  std::array<std::array<metrics::Counter, kCodes>, kKinds> rotations_;
  metrics::Gauge last_rotation_seconds_;
};

}  // namespace identity::service

#endif  // IDENTITY_SERVER_SERVICE_CALL_METRICS_H_
