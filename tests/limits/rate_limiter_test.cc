#include "server/limits/rate_limiter.h"

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace identity::limits {
namespace {

class FakeClock {
 public:
  absl::Time Now() const { return now_; }
  void Advance(absl::Duration d) { now_ += d; }

 private:
  absl::Time now_ = absl::FromUnixSeconds(1'800'000'000);
};

std::unique_ptr<PrincipalRateLimiter> Limiter(RateLimit limit, FakeClock& clock) {
  auto limiter = PrincipalRateLimiter::Create(limit, [&clock] { return clock.Now(); });
  EXPECT_TRUE(limiter.ok()) << limiter.status();
  return *std::move(limiter);
}

TEST(RateLimiterTest, AllowsTheBurstThenRefusesWithTheWait) {
  FakeClock clock;
  auto limiter = Limiter({/*per_second=*/2, /*burst=*/3}, clock);
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(limiter->TryAcquire("a").allowed) << i;
  RateDecision refused = limiter->TryAcquire("a");
  EXPECT_FALSE(refused.allowed);
  EXPECT_EQ(refused.retry_after, absl::Milliseconds(500));  // one token at 2/s
  clock.Advance(absl::Milliseconds(499));
  EXPECT_FALSE(limiter->TryAcquire("a").allowed);
  clock.Advance(absl::Milliseconds(1));
  EXPECT_TRUE(limiter->TryAcquire("a").allowed);
  EXPECT_FALSE(limiter->TryAcquire("a").allowed);
}

TEST(RateLimiterTest, SustainsTheConfiguredRate) {
  FakeClock clock;
  auto limiter = Limiter({/*per_second=*/10, /*burst=*/1}, clock);
  int allowed = 0;
  // 10 s in 10 ms steps: exactly 10 per second get through (plus the first).
  for (int i = 0; i < 1000; ++i) {
    if (limiter->TryAcquire("a").allowed) ++allowed;
    clock.Advance(absl::Milliseconds(10));
  }
  EXPECT_EQ(allowed, 100);
}

TEST(RateLimiterTest, PrincipalsHaveTheirOwnBuckets) {
  FakeClock clock;
  auto limiter = Limiter({1, 1}, clock);
  EXPECT_TRUE(limiter->TryAcquire("a").allowed);
  EXPECT_FALSE(limiter->TryAcquire("a").allowed);
  EXPECT_TRUE(limiter->TryAcquire("b").allowed);
}

TEST(RateLimiterTest, RefillIsCappedAtTheBurstAndIgnoresClockSteppingBack) {
  FakeClock clock;
  auto limiter = Limiter({1, 2}, clock);
  clock.Advance(absl::Hours(1));
  EXPECT_TRUE(limiter->TryAcquire("a").allowed);
  EXPECT_TRUE(limiter->TryAcquire("a").allowed);
  EXPECT_FALSE(limiter->TryAcquire("a").allowed);
  clock.Advance(-absl::Hours(1));
  EXPECT_FALSE(limiter->TryAcquire("a").allowed);
}

TEST(RateLimiterTest, ManyPrincipalsStayBounded) {
  FakeClock clock;
  auto limiter = Limiter({1000, 1}, clock);
  // Far more principals than a shard holds: full buckets are forgotten and
  // nobody is refused wrongly.
  for (int i = 0; i < 200'000; ++i) {
    ASSERT_TRUE(limiter->TryAcquire(absl::StrCat("p", i)).allowed) << i;
    if (i % 1000 == 0) clock.Advance(absl::Seconds(1));
  }
}

TEST(RateLimiterTest, RejectsNonsenseLimits) {
  for (RateLimit bad : {RateLimit{0, 1}, RateLimit{-1, 1}, RateLimit{1, 0.5},
                        RateLimit{1.0 / 0.0, 1}}) {
    EXPECT_EQ(PrincipalRateLimiter::Create(bad).status().code(),
              absl::StatusCode::kInvalidArgument);
  }
}

}  // namespace
}  // namespace identity::limits
