#include "server/authz/principal_pattern.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace identity::authz {
namespace {

using ::testing::HasSubstr;

constexpr char kAlice[] = "spiffe://identityd.test/ops/alice";

PrincipalPattern P(absl::string_view text) {
  absl::StatusOr<PrincipalPattern> p = PrincipalPattern::Parse(text);
  EXPECT_TRUE(p.ok()) << text << ": " << p.status();
  return p.ok() ? *std::move(p) : *PrincipalPattern::Parse("*");
}

CallerIdentity Uri(absl::string_view name) { return CallerIdentity(PrincipalSource::kUriSan, name); }
CallerIdentity Dns(absl::string_view name) { return CallerIdentity(PrincipalSource::kDnsSan, name); }
CallerIdentity Cn(absl::string_view name) {
  return CallerIdentity(PrincipalSource::kCommonName, name);
}

// The attack of issue 11: the operators' rule, and certificates that carry an
// operator's SPIFFE ID in a field a requester may be able to choose.
TEST(PrincipalPatternTest, UriPatternsNeverMatchACommonNameOrADnsSan) {
  for (absl::string_view text : {"spiffe://identityd.test/ops/*", "uri:spiffe://identityd.test/ops/*",
                                 "spiffe://identityd.test/ops/alice", "uri:*"}) {
    SCOPED_TRACE(text);
    const PrincipalPattern p = P(text);
    EXPECT_EQ(p.source(), PrincipalSource::kUriSan);
    EXPECT_TRUE(p.Matches(Uri(kAlice)));
    EXPECT_FALSE(p.Matches(Cn(kAlice)));
    EXPECT_FALSE(p.Matches(Dns(kAlice)));
    EXPECT_FALSE(p.Matches(CallerIdentity()));
  }
  EXPECT_FALSE(P("spiffe://identityd.test/ops/*").Matches(Uri("spiffe://identityd.test/opsx/a")));
}

TEST(PrincipalPatternTest, DnsPatternsMatchOnlyDnsSansInLowercase) {
  const PrincipalPattern p = P("dns:Billing.Corp.Example");  // lowered at load
  EXPECT_EQ(p.source(), PrincipalSource::kDnsSan);
  EXPECT_EQ(p.name().text(), "billing.corp.example");
  EXPECT_TRUE(p.Matches(Dns("billing.corp.example")));
  EXPECT_FALSE(p.Matches(Cn("billing.corp.example")));
  EXPECT_FALSE(p.Matches(Uri("billing.corp.example")));
  EXPECT_TRUE(P("DNS:billing.*").Matches(Dns("billing.corp.example")));
  EXPECT_TRUE(P("dns:*").Matches(Dns("x.example")));
  EXPECT_FALSE(P("dns:*").Matches(Cn("x.example")));
}

TEST(PrincipalPatternTest, CommonNamePatternsMatchOnlyTheCnByteForByte) {
  const PrincipalPattern p = P("cn:billing-api");
  EXPECT_EQ(p.source(), PrincipalSource::kCommonName);
  EXPECT_TRUE(p.Matches(Cn("billing-api")));
  EXPECT_FALSE(p.Matches(Cn("Billing-API")));
  EXPECT_FALSE(p.Matches(Dns("billing-api")));
  EXPECT_TRUE(P("CN:Jane *").Matches(Cn("Jane Doe")));
  EXPECT_TRUE(P("cn:system:node:*").Matches(Cn("system:node:worker-1")));
  EXPECT_TRUE(P("cn:*").Matches(Cn(kAlice)));  // any CN, explicitly
}

TEST(PrincipalPatternTest, StarMatchesAnyAuthenticatedCaller) {
  const PrincipalPattern p = P("*");
  EXPECT_FALSE(p.source().has_value());
  EXPECT_TRUE(p.Matches(Uri(kAlice)));
  EXPECT_TRUE(p.Matches(Dns("a.example")));
  EXPECT_TRUE(p.Matches(Cn("x")));
  EXPECT_FALSE(p.Matches(CallerIdentity()));
}

TEST(PrincipalPatternTest, UriWithoutAuthorityNeedsTheUriPrefix) {
  const PrincipalPattern p = P("uri:urn:corp:billing");
  EXPECT_TRUE(p.Matches(Uri("urn:corp:billing")));
  EXPECT_FALSE(p.Matches(Cn("urn:corp:billing")));
  EXPECT_THAT(PrincipalPattern::Parse("urn:corp:billing").status().message(),
              HasSubstr("does not say which certificate field"));
}

// What a policy writes for a caller is what CallerIdentity calls its
// qualified name, and it parses back to a pattern matching that caller only.
// (Not for a CN that looks like a URI: no "cn:" pattern may name one.)
TEST(PrincipalPatternTest, QualifiedNamesParseBackToTheirCaller) {
  const CallerIdentity callers[] = {
      Uri(kAlice),         Uri("urn:corp:x"),   Uri("dns://x.example"), Uri("CN://x"),
      Uri("uri://x"),      Dns("billing.corp"), Cn("billing-api"),      Cn("//x"),
      Cn("system:node:a"), Dns("x.y"),          Cn("dns:x.y"),          Uri("dns:x.y"),
  };
  for (const CallerIdentity& caller : callers) {
    SCOPED_TRACE(caller.qualified_name());
    const PrincipalPattern p = P(caller.qualified_name());
    EXPECT_EQ(p.source(), caller.source());
    for (const CallerIdentity& other : callers) {
      EXPECT_EQ(p.Matches(other), &other == &caller) << other.qualified_name();
    }
  }
  EXPECT_FALSE(PrincipalPattern::Parse(Cn(kAlice).qualified_name()).ok());
}

TEST(PrincipalPatternTest, QualifiedNames) {
  EXPECT_EQ(Uri(kAlice).qualified_name(), kAlice);
  EXPECT_EQ(Uri(kAlice).principal(), kAlice);
  EXPECT_EQ(Uri("urn:a:b").qualified_name(), "uri:urn:a:b");
  EXPECT_EQ(Uri("urn:a:b").principal(), "urn:a:b");
  EXPECT_EQ(Uri("cn://x").qualified_name(), "uri:cn://x");
  EXPECT_EQ(Dns("a.example").qualified_name(), "dns:a.example");
  EXPECT_EQ(Dns("a.example").principal(), "a.example");
  EXPECT_EQ(Cn(kAlice).qualified_name(), std::string("cn:") + kAlice);
  EXPECT_EQ(Cn(kAlice).principal(), kAlice);
  EXPECT_EQ(CallerIdentity().qualified_name(), "");
  EXPECT_EQ(CallerIdentity().principal(), "");
}

TEST(PrincipalPatternTest, RefusesPatternsThatDoNotSayTheirSourceOrCannotMatch) {
  const struct {
    const char* text;
    const char* error;
  } cases[] = {
      // Written before sources existed: a DNS SAN or a CN?
      {"billing.corp.example",
       "\"billing.corp.example\" does not say which certificate field names the caller: write "
       "\"dns:billing.corp.example\" for a DNS SAN or \"cn:billing.corp.example\" for the "
       "subject CN"},
      {"cn-only-client", "does not say which certificate field"},
      {"spiffe*", "does not say which certificate field"},
      {"", "does not say which certificate field"},
      // A URI is trusted only from a URI SAN.
      {"cn:spiffe://identityd.test/ops/*", "identityd trusts a URI only from a URI SAN"},
      {"cn:https://x", "identityd trusts a URI only from a URI SAN"},
      // Names no certificate would be accepted with.
      {"dns:spiffe://identityd.test/ops/*", "not a DNS name"},
      {"dns:*.corp.example", "'*' is allowed only as the last character"},
      {"dns:billing.corp.", "not a DNS name"},
      {"dns:a b", "not a DNS name"},
      {"spiffe://identityd.test/ops/../admin", "\"..\" segments"},
      {"spiffe://Identityd.test/ops/alice", "trust domain may only use"},
      {"uri:billing", "must start with a scheme"},
      {"uri:spif*", "a URI prefix must start with a scheme"},
      {"uri:spiffe://x/a b*", "printable ASCII"},
      // The NamePattern rules still apply after the prefix.
      {"dns:", "must not be empty"},
      {"cn:", "must not be empty"},
      {"uri:", "must not be empty"},
      {"spiffe://a*b", "'*' is allowed only as the last character"},
      {"cn:a\nb", "control characters"},
  };
  for (const auto& c : cases) {
    const absl::StatusOr<PrincipalPattern> p = PrincipalPattern::Parse(c.text);
    EXPECT_EQ(p.status().code(), absl::StatusCode::kInvalidArgument) << c.text;
    EXPECT_THAT(p.status().message(), HasSubstr(c.error)) << c.text;
  }
}

}  // namespace
}  // namespace identity::authz
