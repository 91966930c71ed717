#ifndef IDENTITY_SERVER_METRICS_COUNTER_H_
#define IDENTITY_SERVER_METRICS_COUNTER_H_

#include <atomic>
#include <cstdint>

namespace identity::metrics {

// Counter is a monotonically increasing count, updated with one relaxed
// atomic add: no lock, no allocation, safe from any thread. A scrape reads it
// with a relaxed load; the exposition needs no ordering with other metrics.
//
//   Counter calls;
//   calls.Increment();
class Counter {
 public:
  void Increment(std::uint64_t n = 1) { value_.fetch_add(n, std::memory_order_relaxed); }
  std::uint64_t value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::uint64_t> value_{0};
};

// Gauge is a value that goes up and down (a time, a depth), set with one
// relaxed atomic store.
class Gauge {
 public:
  void Set(double value) { value_.store(value, std::memory_order_relaxed); }
  double value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

}  // namespace identity::metrics

#endif  // IDENTITY_SERVER_METRICS_COUNTER_H_
