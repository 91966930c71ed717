#include "server/limits/rate_limiter.h"

#include <algorithm>
#include <cmath>

#include "absl/hash/hash.h"
#include "absl/status/status.h"

namespace identity::limits {
namespace {

constexpr double kTokenTolerance = 1e-9;

}  // namespace

absl::StatusOr<std::unique_ptr<PrincipalRateLimiter>> PrincipalRateLimiter::Create(
    RateLimit limit, Clock clock) {
  if (!std::isfinite(limit.per_second) || limit.per_second <= 0) {
    return absl::InvalidArgumentError("rate limit: calls per second must be > 0");
  }
  if (!std::isfinite(limit.burst) || limit.burst < 1) {
    return absl::InvalidArgumentError("rate limit: burst must be >= 1");
  }
  return std::unique_ptr<PrincipalRateLimiter>(new PrincipalRateLimiter(limit, std::move(clock)));
}

void PrincipalRateLimiter::RefillLocked(Bucket& bucket, absl::Time now) const {
  // A clock stepping backwards adds nothing rather than removing tokens.
  const double elapsed = std::max(0.0, absl::ToDoubleSeconds(now - bucket.updated));
  bucket.tokens = std::min(limit_.burst, bucket.tokens + elapsed * limit_.per_second);
  bucket.updated = now;
}

RateDecision PrincipalRateLimiter::TryAcquire(absl::string_view principal) {
  const absl::Time now = clock_();
  Shard& shard = shards_[absl::Hash<absl::string_view>{}(principal) % kShards];
  std::lock_guard<std::mutex> lock(shard.mu);
  auto it = shard.buckets.find(principal);
  if (it == shard.buckets.end()) {
    if (shard.buckets.size() >= kMaxBucketsPerShard) {
      absl::erase_if(shard.buckets, [&](auto& entry) {
        RefillLocked(entry.second, now);
        return entry.second.tokens >= limit_.burst;
      });
    }
    it = shard.buckets.emplace(std::string(principal), Bucket{limit_.burst, now}).first;
  }
  Bucket& bucket = it->second;
  RefillLocked(bucket, now);
  // Refills add fractions (0.1 token per 10 ms at 10/s) whose floating-point
  // sum falls just short of 1: without the tolerance a caller pacing itself
  // exactly at the limit would be refused one call in eleven.
  if (bucket.tokens >= 1 - kTokenTolerance) {
    bucket.tokens -= 1;
    return RateDecision{true, absl::ZeroDuration()};
  }
  refused_.fetch_add(1, std::memory_order_relaxed);
  const double wait_ms = std::ceil((1 - bucket.tokens) / limit_.per_second * 1000);
  return RateDecision{false, absl::Milliseconds(std::max(1.0, wait_ms))};
}

}  // namespace identity::limits
