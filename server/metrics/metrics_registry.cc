#include "server/metrics/metrics_registry.h"

namespace identity::metrics {

void MetricsRegistry::Add(Collector collector) {
  std::lock_guard<std::mutex> lock(mu_);
  collectors_.push_back(std::move(collector));
}

std::string MetricsRegistry::Render() const {
  std::lock_guard<std::mutex> lock(mu_);
  TextFormatWriter out;
  for (const Collector& collector : collectors_) collector(out);
  return out.Take();
}

}  // namespace identity::metrics
