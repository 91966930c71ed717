#ifndef IDENTITY_SERVER_LIMITS_RATE_LIMITER_H_
#define IDENTITY_SERVER_LIMITS_RATE_LIMITER_H_

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace identity::limits {

// The rate each caller may sustain, as a token bucket: `per_second` tokens
// are added per second up to `burst`; each call takes one.
struct RateLimit {
  double per_second = 0;
  double burst = 0;
};

// The outcome of one PrincipalRateLimiter::TryAcquire.
struct RateDecision {
  bool allowed = false;
  // When refused: how long until the caller's bucket holds a token again
  // (rounded up to a whole millisecond). Zero when allowed.
  absl::Duration retry_after;
};

// PrincipalRateLimiter keeps one token bucket per principal, so that one
// caller (a runaway service, a stolen certificate) cannot starve the others.
// Buckets start full. Thread-safe; buckets are spread over shards, each with
// its own short lock, so concurrent callers rarely contend. Buckets that have
// refilled completely are forgotten when a shard grows large (a full bucket
// and a new one are the same), which bounds memory by the number of callers
// active within one refill period.
class PrincipalRateLimiter {
 public:
  using Clock = std::function<absl::Time()>;

  // kInvalidArgument unless per_second > 0 and burst >= 1 (both finite).
  static absl::StatusOr<std::unique_ptr<PrincipalRateLimiter>> Create(RateLimit limit,
                                                                      Clock clock = absl::Now);

  // Takes a token from `principal`'s bucket if it has one.
  RateDecision TryAcquire(absl::string_view principal);

  const RateLimit& limit() const { return limit_; }

  // Calls refused since start (for the metrics).
  std::uint64_t refused() const { return refused_.load(std::memory_order_relaxed); }

 private:
  struct Bucket {
    double tokens;
    absl::Time updated;
  };
  struct Shard {
    std::mutex mu;
    absl::flat_hash_map<std::string, Bucket> buckets;  // guarded by mu
  };
  static constexpr std::size_t kShards = 16;
  static constexpr std::size_t kMaxBucketsPerShard = 4096;

  PrincipalRateLimiter(RateLimit limit, Clock clock)
      : limit_(limit), clock_(std::move(clock)) {}
  void RefillLocked(Bucket& bucket, absl::Time now) const;

  const RateLimit limit_;
  const Clock clock_;
  std::array<Shard, kShards> shards_;
  std::atomic<std::uint64_t> refused_{0};
};

}  // namespace identity::limits

#endif  // IDENTITY_SERVER_LIMITS_RATE_LIMITER_H_
