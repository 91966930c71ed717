#include "server/authz/name_pattern.h"

#include "gtest/gtest.h"

namespace identity::authz {
namespace {

NamePattern P(absl::string_view text) {
  absl::StatusOr<NamePattern> p = NamePattern::Parse(text);
  EXPECT_TRUE(p.ok()) << text << ": " << p.status();
  return *p;
}

TEST(NamePatternTest, StarMatchesAnyNonEmptyName) {
  EXPECT_TRUE(P("*").Matches("anything"));
  EXPECT_TRUE(P("*").Matches("x"));
  EXPECT_FALSE(P("*").Matches(""));
}

TEST(NamePatternTest, PrefixMatchesNamesStartingWithIt) {
  const NamePattern p = P("spiffe://corp/ops/*");
  EXPECT_TRUE(p.is_prefix());
  EXPECT_EQ(p.fixed_part(), "spiffe://corp/ops/");
  EXPECT_TRUE(p.Matches("spiffe://corp/ops/alice"));
  EXPECT_TRUE(p.Matches("spiffe://corp/ops/"));
  EXPECT_FALSE(p.Matches("spiffe://corp/ops"));
  EXPECT_FALSE(p.Matches("spiffe://corp/opsx/alice"));
  EXPECT_FALSE(p.Matches("xspiffe://corp/ops/alice"));
}

TEST(NamePatternTest, ExactMatchesOnlyThatName) {
  const NamePattern p = P("billing-web");
  EXPECT_FALSE(p.is_prefix());
  EXPECT_TRUE(p.Matches("billing-web"));
  EXPECT_FALSE(p.Matches("billing-web2"));
  EXPECT_FALSE(p.Matches("billing-we"));
  EXPECT_FALSE(p.Matches("BILLING-WEB"));
}

TEST(NamePatternTest, RejectsAmbiguousOrUnsafePatterns) {
  for (absl::string_view bad : {"", "a*b", "**", "*a", "bill*ing*", "a\nb", "tab\there",
                                "del\x7f"}) {
    EXPECT_EQ(NamePattern::Parse(bad).status().code(), absl::StatusCode::kInvalidArgument)
        << bad;
  }
}

}  // namespace
}  // namespace identity::authz
