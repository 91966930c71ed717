#ifndef IDENTITY_SERVER_METRICS_METRICS_REGISTRY_H_
#define IDENTITY_SERVER_METRICS_METRICS_REGISTRY_H_

#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "server/metrics/text_format.h"

namespace identity::metrics {

// MetricsRegistry gathers what one exposition shows: collectors, each writing
// some families when scraped. The counters the request path updates live in
// their owners (CallMetrics, StoreMetrics, the audit log's own counts); a
// collector only reads them, so scraping never slows a call and a call never
// waits for a scrape.
//
//   MetricsRegistry registry;
//   registry.Add([&](TextFormatWriter& out) { call_metrics.Collect(out); });
//   std::string text = registry.Render();
//
// Thread-safe; Render() runs the collectors in the order they were added, one
// scrape at a time.
class MetricsRegistry {
 public:
  using Collector = std::function<void(TextFormatWriter&)>;

  void Add(Collector collector);

  // The whole exposition.
  std::string Render() const;

 private:
  mutable std::mutex mu_;
  std::vector<Collector> collectors_;  // guarded by mu_
};

}  // namespace identity::metrics

#endif  // IDENTITY_SERVER_METRICS_METRICS_REGISTRY_H_
