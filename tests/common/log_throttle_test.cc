#include "server/common/log_throttle.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"

namespace identity {
namespace {

const absl::Time kStart = absl::FromUnixSeconds(1'800'000'000);

TEST(LogThrottleTest, LetsThroughTheBudgetPerWindowThenCounts) {
  LogThrottle throttle(3, absl::Minutes(1));
  for (int i = 0; i < 3; ++i) {
    const LogThrottle::Decision d = throttle.Admit("ssl.cc:1", kStart + absl::Seconds(i));
    EXPECT_TRUE(d.emit);
    EXPECT_EQ(d.suppressed, 0);
  }
  for (int i = 0; i < 5; ++i) {
    EXPECT_FALSE(throttle.Admit("ssl.cc:1", kStart + absl::Seconds(10)).emit);
  }
  // The next window's first line carries the count of the suppressed ones.
  const LogThrottle::Decision next = throttle.Admit("ssl.cc:1", kStart + absl::Seconds(61));
  EXPECT_TRUE(next.emit);
  EXPECT_EQ(next.suppressed, 5);
  EXPECT_EQ(throttle.Admit("ssl.cc:1", kStart + absl::Seconds(62)).suppressed, 0);
}

TEST(LogThrottleTest, KeysHaveTheirOwnBudgets) {
  LogThrottle throttle(1, absl::Minutes(1));
  EXPECT_TRUE(throttle.Admit("a.cc:1", kStart).emit);
  EXPECT_FALSE(throttle.Admit("a.cc:1", kStart).emit);
  EXPECT_TRUE(throttle.Admit("b.cc:2", kStart).emit);
}

// A caller cannot grow the throttle without bound: past kMaxKeys, new keys
// share one budget.
TEST(LogThrottleTest, KeysBeyondTheCapShareOneBudget) {
  LogThrottle throttle(1, absl::Minutes(1));
  for (std::size_t i = 0; i < LogThrottle::kMaxKeys; ++i) {
    ASSERT_TRUE(throttle.Admit(absl::StrCat("k", i), kStart).emit);
  }
  EXPECT_TRUE(throttle.Admit("new-1", kStart).emit);
  EXPECT_FALSE(throttle.Admit("new-2", kStart).emit);
  EXPECT_FALSE(throttle.Admit("new-3", kStart).emit);
}

TEST(LogThrottleTest, SuppressedNote) {
  EXPECT_EQ(LogThrottle::SuppressedNote(0), "");
  EXPECT_EQ(LogThrottle::SuppressedNote(1), " (1 similar line suppressed)");
  EXPECT_EQ(LogThrottle::SuppressedNote(7), " (7 similar lines suppressed)");
}

}  // namespace
}  // namespace identity
