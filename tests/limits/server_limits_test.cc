#include "server/limits/server_limits.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace identity::limits {
namespace {

using ::testing::HasSubstr;

TEST(ServerLimitsTest, DefaultsAreValid) { EXPECT_TRUE(ValidateServerLimits({}).ok()); }

TEST(ServerLimitsTest, DefaultMemoryQuotaIs64MiB) {
  EXPECT_EQ(ServerLimits{}.memory_quota_bytes, 64 << 20);
}

// Under 1 MiB gRPC cannot hold the few connections a server needs; a quota
// of 0 would have meant "unbounded" to a reader, so it is refused too.
TEST(ServerLimitsTest, MemoryQuotaUnderOneMiBIsRefusedNamingTheFlag) {
  for (const std::int64_t bytes : {std::int64_t{0}, std::int64_t{-1}, std::int64_t{(1 << 20) - 1}}) {
    ServerLimits l;
    l.memory_quota_bytes = bytes;
    const absl::Status s = ValidateServerLimits(l);
    EXPECT_TRUE(absl::IsInvalidArgument(s)) << bytes;
    EXPECT_THAT(s.message(), HasSubstr("--grpc_memory_quota_bytes: must be at least 1048576"));
  }
  ServerLimits l;
  l.memory_quota_bytes = 1 << 20;
  EXPECT_TRUE(ValidateServerLimits(l).ok());
}

TEST(ServerLimitsTest, NonPositiveSizesAreRefusedNamingTheFlag) {
  ServerLimits l;
  l.max_metadata_bytes = 0;
  EXPECT_THAT(ValidateServerLimits(l).message(), HasSubstr("--max_metadata_bytes"));
}

}  // namespace
}  // namespace identity::limits
