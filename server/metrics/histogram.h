#ifndef IDENTITY_SERVER_METRICS_HISTOGRAM_H_
#define IDENTITY_SERVER_METRICS_HISTOGRAM_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "absl/types/span.h"

namespace identity::metrics {

// Upper bounds (seconds) for the latency of a call or a store operation: 50 µs
// (an issue call on an idle server takes ~20-60 µs in the handler) up to 10 s
// (a store write on a sick disk).
inline constexpr double kLatencyBucketsSeconds[] = {0.00005, 0.0001, 0.00025, 0.0005, 0.001,
                                                    0.0025,  0.005,  0.01,    0.025,  0.05,
                                                    0.1,     0.25,   0.5,     1,      2.5,
                                                    5,       10};

// Histogram counts observations into fixed buckets chosen at construction, in
// the manner of a Prometheus client histogram. Observe() costs a short search
// of the bounds and two relaxed atomic adds (bucket, sum): no lock and no
// allocation, safe from any thread.
//
//   Histogram latency(kLatencyBucketsSeconds);
//   latency.Observe(0.000042);
//
// A snapshot read during updates may mix a sum and counts a few observations
// apart; its count is the sum of its buckets, so the "+Inf" bucket always
// equals _count, as Prometheus requires.
class Histogram {
 public:
  // `upper_bounds` must be strictly increasing and finite (the "+Inf" bucket
  // is implied).
  explicit Histogram(absl::Span<const double> upper_bounds);
  Histogram(const Histogram&) = delete;
  Histogram& operator=(const Histogram&) = delete;

  void Observe(double value);

  struct Snapshot {
    // Cumulative counts: cumulative_counts[i] observations were <=
    // upper_bounds[i]; the last entry (one more than the bounds) is "+Inf".
    std::vector<std::uint64_t> cumulative_counts;
    double sum = 0;
    std::uint64_t count = 0;
  };
  Snapshot Read() const;

  absl::Span<const double> upper_bounds() const { return upper_bounds_; }

 private:
  const std::vector<double> upper_bounds_;
  // Non-cumulative: bucket i counts upper_bounds_[i-1] < value <= upper_bounds_[i].
  const std::unique_ptr<std::atomic<std::uint64_t>[]> counts_;
  std::atomic<double> sum_{0};
};

}  // namespace identity::metrics

#endif  // IDENTITY_SERVER_METRICS_HISTOGRAM_H_
