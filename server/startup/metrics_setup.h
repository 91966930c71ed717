#ifndef IDENTITY_SERVER_STARTUP_METRICS_SETUP_H_
#define IDENTITY_SERVER_STARTUP_METRICS_SETUP_H_

#include <memory>

#include "absl/status/statusor.h"
#include "server/audit/audit_log.h"
#include "server/keyring/keyring.h"
#include "server/metrics/metrics_http_server.h"
#include "server/metrics/store_metrics.h"
#include "server/startup/server_security.h"

namespace identity {

// What identityd's metrics read when scraped. Each must outlive the metrics
// server; audit_log may be null (--audit_sink=none).
struct MetricsSources {
  const keyring::Keyring* keyring = nullptr;
  const audit::AuditLog* audit_log = nullptr;
  const ServerSecurity* security = nullptr;
  const metrics::StoreMetrics* store_metrics = nullptr;
};

// With --metrics_listen=HOST:PORT: turns on the call metrics
// (service::CallMetrics::Global()) and serves every metric of identityd on
// http://HOST:PORT/metrics (README, "Monitoring"). Null without the flag.
// kInvalidArgument naming the flag for a bad address, kUnavailable if it
// cannot be bound.
absl::StatusOr<std::unique_ptr<metrics::MetricsHttpServer>> StartMetricsFromFlags(
    const MetricsSources& sources);

}  // namespace identity

#endif  // IDENTITY_SERVER_STARTUP_METRICS_SETUP_H_
