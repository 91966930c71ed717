#include "server/metrics/store_metrics.h"

namespace identity::metrics {
namespace {

constexpr absl::string_view kStoreOpNames[kStoreOpCount] = {
    "load_all", "create_widget", "compare_and_set", "get_widget", "list_widgets",
    "current_version", "load_widget"};

}  // namespace

StoreMetrics::StoreMetrics() {
  for (auto& histogram : latency_) histogram = std::make_unique<Histogram>(kLatencyBucketsSeconds);
}

void StoreMetrics::RecordOperation(StoreOp op, absl::Duration latency, bool failed) {
  const auto i = static_cast<std::size_t>(op);
  latency_[i]->Observe(absl::ToDoubleSeconds(latency));
  if (failed) failures_[i].Increment();
}

void StoreMetrics::SetWatchedRevision(std::int64_t revision) {
  watched_revision_.Set(static_cast<double>(revision));
  watching_.store(true, std::memory_order_relaxed);
}

void StoreMetrics::SetRevisionLag(std::int64_t revisions) {
  revision_lag_.Set(static_cast<double>(revisions));
  watching_.store(true, std::memory_order_relaxed);
}

void StoreMetrics::RecordReload(bool ok) {
  (ok ? reloads_ok_ : reloads_failed_).Increment();
  watching_.store(true, std::memory_order_relaxed);
}

void StoreMetrics::Collect(TextFormatWriter& out) const {
  out.Family("identityd_store_operation_duration_seconds",
             "Time a secret store operation took, by operation.", MetricType::kHistogram);
  for (std::size_t i = 0; i < kStoreOpCount; ++i) {
    out.HistogramSamples("identityd_store_operation_duration_seconds", {{"op", kStoreOpNames[i]}},
                         *latency_[i]);
  }
  out.Family("identityd_store_operation_failures_total",
             "Secret store operations the back end could not serve (unavailable, internal "
             "error), by operation.",
             MetricType::kCounter);
  for (std::size_t i = 0; i < kStoreOpCount; ++i) {
    out.Sample("identityd_store_operation_failures_total", {{"op", kStoreOpNames[i]}},
               static_cast<double>(failures_[i].value()));
  }
  if (!watching_.load(std::memory_order_relaxed)) return;
  out.Family("identityd_store_watched_revision",
             "The store revision this replica's state reflects.", MetricType::kGauge);
  out.Sample("identityd_store_watched_revision", {}, watched_revision_.value());
  out.Family("identityd_store_revision_lag",
             "Revisions this replica is behind the newest store revision it has heard of.",
             MetricType::kGauge);
  out.Sample("identityd_store_revision_lag", {}, revision_lag_.value());
  out.Family("identityd_store_reloads_total",
             "Full reloads of the store's state (after a lost watch), by outcome.",
             MetricType::kCounter);
  out.Sample("identityd_store_reloads_total", {{"outcome", "success"}},
             static_cast<double>(reloads_ok_.value()));
  out.Sample("identityd_store_reloads_total", {{"outcome", "failure"}},
             static_cast<double>(reloads_failed_.value()));
}

}  // namespace identity::metrics
