#include "server/startup/metrics_setup.h"

#include <grpcpp/grpcpp.h>
#include <openssl/crypto.h>

#include <unistd.h>

#include <cstdint>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "server/common/listen_address.h"
#include "server/common/log.h"
#include "server/crypto/secure_memory.h"
#include "server/metrics/metrics_registry.h"
#include "server/service/call_metrics.h"
#include "server/widget/secret_kind.h"

#ifndef IDENTITYD_VERSION
#define IDENTITYD_VERSION "dev"
#endif

ABSL_FLAG(std::string, metrics_listen, "",
          "HOST:PORT to serve Prometheus metrics on, over plain HTTP (GET /metrics), e.g. "
          "127.0.0.1:9464; its own port, never the gRPC one. Off when empty (the default). "
          "Metrics hold no secret, email or app_id (see README, \"Monitoring\").");

namespace identity {
namespace {

using metrics::MetricType;
using metrics::TextFormatWriter;

// When this process started, as the Prometheus client libraries compute it:
// the boot time (/proc/stat "btime") plus the process' start in clock ticks
// after boot (/proc/self/stat, field 22). `fallback` if either is unreadable.
absl::Time ProcessStartTime(absl::Time fallback) {
  std::ifstream stat_file("/proc/stat");
  std::string line;
  std::int64_t boot_seconds = -1;
  while (std::getline(stat_file, line)) {
    if (absl::StartsWith(line, "btime ") &&
        absl::SimpleAtoi(absl::StripAsciiWhitespace(line.substr(6)), &boot_seconds)) {
      break;
    }
  }
  std::ifstream self("/proc/self/stat");
  std::string self_stat((std::istreambuf_iterator<char>(self)), std::istreambuf_iterator<char>());
  // Fields after the command name (which may hold spaces), from field 3 on.
  const std::size_t close = self_stat.rfind(')');
  if (boot_seconds < 0 || close == std::string::npos) return fallback;
  const std::vector<absl::string_view> fields =
      absl::StrSplit(absl::string_view(self_stat).substr(close + 2), ' ');
  std::int64_t start_ticks = 0;
  if (fields.size() < 20 || !absl::SimpleAtoi(fields[19], &start_ticks)) return fallback;
  return absl::FromUnixSeconds(boot_seconds) +
         absl::Seconds(static_cast<double>(start_ticks) / sysconf(_SC_CLK_TCK));
}

void CollectProcess(TextFormatWriter& out, absl::Time start_time) {
  out.Family("identityd_build_info",
             "Always 1; the labels say which build runs: identityd's version, gRPC's, and the "
             "crypto library's.",
             MetricType::kGauge);
  out.Sample("identityd_build_info",
             {{"version", IDENTITYD_VERSION},
              {"grpc_version", grpc::Version()},
              {"crypto_library", OpenSSL_version(OPENSSL_VERSION)}},
             1);
  out.Family("process_start_time_seconds", "Unix time at which identityd started.",
             MetricType::kGauge);
  out.Sample("process_start_time_seconds", {},
             absl::ToDoubleSeconds(start_time - absl::UnixEpoch()));
  const crypto::SecureMemoryStats heap = crypto::GetSecureMemoryStats();
  out.Family("identityd_secure_heap_size_bytes",
             "Size of the secure heap holding the secrets (0: none, see --secure_heap_bytes).",
             MetricType::kGauge);
  out.Sample("identityd_secure_heap_size_bytes", {}, static_cast<double>(heap.heap_size_bytes));
  out.Family("identityd_secure_heap_used_bytes", "Bytes in use in the secure heap.",
             MetricType::kGauge);
  out.Sample("identityd_secure_heap_used_bytes", {}, static_cast<double>(heap.heap_used_bytes));
  out.Family("identityd_secure_heap_fallback_allocations_total",
             "Secret allocations that went to ordinary memory because the secure heap was full "
             "or missing.",
             MetricType::kCounter);
  out.Sample("identityd_secure_heap_fallback_allocations_total", {},
             static_cast<double>(heap.fallback_allocations));
}

// Walks the keyring (a scrape is every few seconds; the walk takes about a
// millisecond per 10,000 widgets and never blocks an issue call).
void CollectKeyring(TextFormatWriter& out, const keyring::Keyring& keyring) {
  constexpr widget::SecretKind kKinds[] = {widget::SecretKind::kEmailHash,
                                           widget::SecretKind::kJwt};
  double holding[2] = {0, 0};
  double version_sum[2] = {0, 0};
  const std::vector<std::string> app_ids = keyring.AppIds();
  for (const std::string& app_id : app_ids) {
    for (int k = 0; k < 2; ++k) {
      const std::uint64_t version = keyring.CurrentVersion(app_id, kKinds[k]);
      if (version > 0) ++holding[k];
      version_sum[k] += static_cast<double>(version);
    }
  }
  out.Family("identityd_widgets", "Widgets (app_ids) this replica serves.", MetricType::kGauge);
  out.Sample("identityd_widgets", {}, static_cast<double>(app_ids.size()));
  out.Family("identityd_widget_secrets", "Widgets holding a current secret, by kind.",
             MetricType::kGauge);
  for (int k = 0; k < 2; ++k) {
    out.Sample("identityd_widget_secrets", {{"kind", widget::SecretKindName(kKinds[k])}},
               holding[k]);
  }
  out.Family("identityd_secret_versions_installed",
             "Sum over widgets of the current secret version, by kind: every rotation adds 1, "
             "so replicas that have applied the same rotations show the same value.",
             MetricType::kGauge);
  for (int k = 0; k < 2; ++k) {
    out.Sample("identityd_secret_versions_installed",
               {{"kind", widget::SecretKindName(kKinds[k])}}, version_sum[k]);
  }
}

void CollectAudit(TextFormatWriter& out, const audit::AuditLog& log) {
  const audit::AuditLog::Stats stats = log.GetStats();
  out.Family("identityd_audit_events_queued_total",
             "Audit events queued for the writer (issue calls and refusals).",
             MetricType::kCounter);
  out.Sample("identityd_audit_events_queued_total", {}, static_cast<double>(stats.queued));
  out.Family("identityd_audit_events_dropped_total",
             "Audit events dropped because the queue was full (no sink got them).",
             MetricType::kCounter);
  out.Sample("identityd_audit_events_dropped_total", {}, static_cast<double>(stats.dropped));
  out.Family("identityd_audit_queue_depth", "Audit events waiting for the writer.",
             MetricType::kGauge);
  out.Sample("identityd_audit_queue_depth", {}, static_cast<double>(stats.queue_depth));
  out.Family("identityd_audit_sink_lines_written_total",
             "Audit lines a sink took (events, drop reports, summaries), by sink.",
             MetricType::kCounter);
  for (const auto& sink : stats.sinks) {
    out.Sample("identityd_audit_sink_lines_written_total", {{"sink", sink.name}},
               static_cast<double>(sink.written));
  }
  out.Family("identityd_audit_sink_lines_dropped_total",
             "Audit lines a sink failed to take (lost for that sink), by sink.",
             MetricType::kCounter);
  for (const auto& sink : stats.sinks) {
    out.Sample("identityd_audit_sink_lines_dropped_total", {{"sink", sink.name}},
               static_cast<double>(sink.failed));
  }
}

}  // namespace

absl::StatusOr<std::unique_ptr<metrics::MetricsHttpServer>> StartMetricsFromFlags(
    const MetricsSources& sources) {
  const std::string listen = absl::GetFlag(FLAGS_metrics_listen);
  if (listen.empty()) return nullptr;
  absl::StatusOr<ListenAddress> address = ParseListenAddress(listen);
  if (!address.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--metrics_listen: ", address.status().message()));
  }
  const absl::Time start_time = ProcessStartTime(absl::Now());
  // Used until exit: the HTTP server (destroyed before the sources) renders it.
  static metrics::MetricsRegistry* registry = new metrics::MetricsRegistry();
  registry->Add([](TextFormatWriter& out) { service::CallMetrics::Global().Collect(out); });
  if (sources.store_metrics != nullptr) {
    registry->Add([m = sources.store_metrics](TextFormatWriter& out) { m->Collect(out); });
  }
  if (sources.keyring != nullptr) {
    registry->Add([k = sources.keyring](TextFormatWriter& out) { CollectKeyring(out, *k); });
  }
  if (sources.audit_log != nullptr) {
    registry->Add([a = sources.audit_log](TextFormatWriter& out) { CollectAudit(out, *a); });
  }
  if (sources.security != nullptr) {
    registry->Add([s = sources.security](TextFormatWriter& out) { s->CollectMetrics(out); });
  }
  registry->Add([start_time](TextFormatWriter& out) { CollectProcess(out, start_time); });
  absl::StatusOr<std::unique_ptr<metrics::MetricsHttpServer>> server =
      metrics::MetricsHttpServer::Start(address->host, address->port,
                                        [] { return registry->Render(); });
  if (!server.ok()) {
    return absl::Status(server.status().code(),
                        absl::StrCat("--metrics_listen: ", server.status().message()));
  }
  service::CallMetrics::Global().Enable();
  const std::string host =
      absl::StrContains(address->host, ':') ? absl::StrCat("[", address->host, "]") : address->host;
  LogInfo(absl::StrCat("metrics on http://", host, ":", (*server)->port(), "/metrics"));
  return server;
}

}  // namespace identity
