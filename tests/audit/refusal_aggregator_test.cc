// RefusalAggregator: the first refused call of a caller per interval is
// written, the rest counted exactly, memory bounded by a cap on callers.

#include "server/audit/refusal_aggregator.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"

namespace identity::audit {
namespace {

using ::testing::ElementsAre;
using ::testing::Pair;

const absl::Time kStart = absl::FromUnixSeconds(1795784965);

AuditEvent Refused(absl::string_view principal, absl::string_view rpc = "IssueEmailHash",
                   absl::string_view outcome = "RESOURCE_EXHAUSTED",
                   absl::string_view source = "uri_san") {
  AuditEvent e;
  e.principal = std::string(principal);
  e.principal_source = source;
  e.rpc = rpc;
  e.outcome = std::string(outcome);
  return e;
}

// Summaries by "principal/source/outcome" (overflow: "*/*/outcome").
std::map<std::string, RefusalSummary> ByCaller(std::vector<RefusalSummary> summaries) {
  std::map<std::string, RefusalSummary> out;
  for (RefusalSummary& s : summaries) {
    const std::string key = s.overflow ? "*/*/" + s.outcome
                                       : s.principal + "/" + std::string(s.principal_source) +
                                             "/" + s.outcome;
    EXPECT_EQ(out.count(key), 0u) << key;
    out[key] = std::move(s);
  }
  return out;
}

TEST(RefusalAggregatorTest, FirstRefusalIsWrittenTheRestCountedPerRpc) {
  RefusalAggregator refusals(10, kStart);
  EXPECT_TRUE(refusals.Admit(Refused("spiffe://corp/a")));
  for (int i = 0; i < 6; ++i) EXPECT_FALSE(refusals.Admit(Refused("spiffe://corp/a")));
  for (int i = 0; i < 3; ++i) EXPECT_FALSE(refusals.Admit(Refused("spiffe://corp/a", "RotateSecret")));
  const std::vector<RefusalSummary> summaries = refusals.TakeSummaries(kStart + absl::Minutes(1));
  ASSERT_EQ(summaries.size(), 1u);
  const RefusalSummary& s = summaries[0];
  EXPECT_EQ(s.principal, "spiffe://corp/a");
  EXPECT_EQ(s.principal_source, "uri_san");
  EXPECT_EQ(s.outcome, "RESOURCE_EXHAUSTED");
  EXPECT_EQ(s.count, 9u);  // 10 refused, 1 written
  EXPECT_THAT(s.rpcs, ElementsAre(Pair("IssueEmailHash", 6u), Pair("RotateSecret", 3u)));
  EXPECT_EQ(s.interval_start, kStart);
  EXPECT_EQ(s.interval_end, kStart + absl::Minutes(1));
  EXPECT_FALSE(s.overflow);
}

TEST(RefusalAggregatorTest, ACallerRefusedOnceNeedsNoSummary) {
  RefusalAggregator refusals(10, kStart);
  EXPECT_TRUE(refusals.Admit(Refused("spiffe://corp/a")));
  EXPECT_TRUE(refusals.TakeSummaries(kStart + absl::Seconds(1)).empty());
}

TEST(RefusalAggregatorTest, EachIntervalStartsAfresh) {
  RefusalAggregator refusals(10, kStart);
  EXPECT_TRUE(refusals.Admit(Refused("spiffe://corp/a")));
  EXPECT_FALSE(refusals.Admit(Refused("spiffe://corp/a")));
  ASSERT_EQ(refusals.TakeSummaries(kStart + absl::Minutes(1)).size(), 1u);
  // The next interval writes the caller's first refusal again.
  EXPECT_TRUE(refusals.Admit(Refused("spiffe://corp/a")));
  EXPECT_FALSE(refusals.Admit(Refused("spiffe://corp/a")));
  const std::vector<RefusalSummary> next = refusals.TakeSummaries(kStart + absl::Minutes(2));
  ASSERT_EQ(next.size(), 1u);
  EXPECT_EQ(next[0].count, 1u);
  EXPECT_EQ(next[0].interval_start, kStart + absl::Minutes(1));
  EXPECT_EQ(next[0].interval_end, kStart + absl::Minutes(2));
  EXPECT_TRUE(refusals.TakeSummaries(kStart + absl::Minutes(3)).empty());
}

// A caller is a principal from one certificate field: a CN reading like an
// operator's SPIFFE ID is not aggregated with (hidden behind) the operator.
TEST(RefusalAggregatorTest, CallersAreKeptApartByPrincipalSourceAndOutcome) {
  RefusalAggregator refusals(10, kStart);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(refusals.Admit(Refused("spiffe://corp/ops/alice")), i == 0);
    EXPECT_EQ(refusals.Admit(Refused("spiffe://corp/ops/alice", "RotateSecret",
                                     "RESOURCE_EXHAUSTED", "common_name")),
              i == 0);
    EXPECT_EQ(refusals.Admit(Refused("anonymous", "IssueEmailHash", "UNAUTHENTICATED", "none")),
              i == 0);
    EXPECT_EQ(refusals.Admit(Refused("spiffe://corp/b")), i == 0);
  }
  std::map<std::string, RefusalSummary> s = ByCaller(refusals.TakeSummaries(kStart));
  ASSERT_EQ(s.size(), 4u);
  EXPECT_EQ(s["spiffe://corp/ops/alice/uri_san/RESOURCE_EXHAUSTED"].count, 2u);
  EXPECT_EQ(s["spiffe://corp/ops/alice/common_name/RESOURCE_EXHAUSTED"].count, 2u);
  EXPECT_EQ(s["anonymous/none/UNAUTHENTICATED"].count, 2u);
  EXPECT_EQ(s["spiffe://corp/b/uri_san/RESOURCE_EXHAUSTED"].count, 2u);
}

// Memory is bounded: beyond the cap, callers are not tracked, get no line,
// and are counted together per outcome.
TEST(RefusalAggregatorTest, CallersBeyondTheCapAreCountedTogether) {
  RefusalAggregator refusals(2, kStart);
  EXPECT_TRUE(refusals.Admit(Refused("p1")));
  EXPECT_TRUE(refusals.Admit(Refused("p2")));
  EXPECT_FALSE(refusals.Admit(Refused("p1")));
  for (int i = 3; i < 103; ++i) {
    EXPECT_FALSE(refusals.Admit(Refused(absl::StrCat("p", i))));
    EXPECT_FALSE(refusals.Admit(Refused(absl::StrCat("p", i), "RotateSecret")));
  }
  EXPECT_FALSE(refusals.Admit(Refused("p200", "GetWidget", "UNAUTHENTICATED", "none")));
  // A tracked caller keeps its own tallies.
  EXPECT_TRUE(refusals.Admit(Refused("p2", "IssueEmailHash", "UNAUTHENTICATED")));
  std::map<std::string, RefusalSummary> s =
      ByCaller(refusals.TakeSummaries(kStart + absl::Seconds(1)));
  ASSERT_EQ(s.size(), 3u);
  EXPECT_EQ(s["p1/uri_san/RESOURCE_EXHAUSTED"].count, 1u);
  const RefusalSummary& over = s["*/*/RESOURCE_EXHAUSTED"];
  EXPECT_TRUE(over.overflow);
  EXPECT_EQ(over.principal, "");
  EXPECT_EQ(over.count, 200u);
  EXPECT_THAT(over.rpcs, ElementsAre(Pair("IssueEmailHash", 100u), Pair("RotateSecret", 100u)));
  EXPECT_EQ(s["*/*/UNAUTHENTICATED"].count, 1u);
  // The next interval tracks new callers again.
  EXPECT_TRUE(refusals.Admit(Refused("p50")));
}

// Many threads refusing at once: every refusal is either written or counted,
// exactly once.
TEST(RefusalAggregatorTest, ConcurrentRefusalsAddUpExactly) {
  RefusalAggregator refusals(4, kStart);
  constexpr int kThreads = 8;
  constexpr int kPerThread = 5000;
  std::atomic<int> written{0};
  std::atomic<std::uint64_t> summarized{0};
  std::atomic<bool> done{false};
  // Intervals end while refusals arrive.
  std::thread taker([&] {
    while (!done.load()) {
      for (const RefusalSummary& s : refusals.TakeSummaries(kStart)) summarized += s.count;
      std::this_thread::yield();
    }
  });
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        if (refusals.Admit(Refused(absl::StrCat("p", (t + i) % 6)))) ++written;
      }
    });
  }
  for (std::thread& t : threads) t.join();
  done = true;
  taker.join();
  for (const RefusalSummary& s : refusals.TakeSummaries(kStart)) summarized += s.count;
  EXPECT_EQ(written + summarized, static_cast<std::uint64_t>(kThreads * kPerThread));
}

}  // namespace
}  // namespace identity::audit
