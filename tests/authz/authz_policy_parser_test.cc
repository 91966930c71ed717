#include "server/authz/authz_policy_parser.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace identity::authz {
namespace {

using ::testing::HasSubstr;

constexpr char kPolicy[] = R"({
  "rules": [
    {"name": "ops", "principals": ["spiffe://corp/ops/*"], "rpcs": ["*"], "app_ids": ["*"]},
    {"principals": ["spiffe://corp/ns/billing/sa/api", "dns:billing.corp.example"],
     "rpcs": ["IssueEmailHash", "IssueWidgetToken"], "app_ids": ["billing-*", "shop-main"]}
  ]
})";

CallerIdentity Uri(absl::string_view name) { return CallerIdentity(PrincipalSource::kUriSan, name); }

TEST(AuthzPolicyParserTest, GrantsWhatTheRulesSayAndDeniesTheRest) {
  absl::StatusOr<AuthzPolicy> policy = ParseAuthzPolicy(kPolicy);
  ASSERT_TRUE(policy.ok()) << policy.status();
  ASSERT_EQ(policy->rules().size(), 2u);
  const CallerIdentity ops = Uri("spiffe://corp/ops/alice");
  const CallerIdentity billing = Uri("spiffe://corp/ns/billing/sa/api");
  const CallerIdentity billing_dns(PrincipalSource::kDnsSan, "billing.corp.example");
  EXPECT_NE(policy->FindGrant(ops, Rpc::kRotateSecret, "any"), nullptr);
  EXPECT_EQ(policy->FindGrant(ops, Rpc::kRotateSecret, "any")->name, "ops");
  EXPECT_NE(policy->FindGrant(billing, Rpc::kIssueEmailHash, "billing-web"), nullptr);
  EXPECT_NE(policy->FindGrant(billing, Rpc::kIssueWidgetToken, "shop-main"), nullptr);
  EXPECT_NE(policy->FindGrant(billing_dns, Rpc::kIssueEmailHash, "billing-x"), nullptr);
  // Default deny.
  EXPECT_EQ(policy->FindGrant(billing, Rpc::kRotateSecret, "billing-web"), nullptr);
  EXPECT_EQ(policy->FindGrant(billing, Rpc::kIssueEmailHash, "shop-main2"), nullptr);
  EXPECT_EQ(policy->FindGrant(billing, Rpc::kIssueEmailHash, "other"), nullptr);
  EXPECT_EQ(policy->FindGrant(Uri("spiffe://corp/ns/billing/sa/api2"), Rpc::kIssueEmailHash,
                              "billing-web"),
            nullptr);
  EXPECT_EQ(policy->FindGrant(CallerIdentity(), Rpc::kIssueEmailHash, "billing-web"), nullptr);
  // The same names from other certificate fields are other callers.
  for (PrincipalSource source : {PrincipalSource::kCommonName, PrincipalSource::kDnsSan}) {
    EXPECT_EQ(policy->FindGrant(CallerIdentity(source, "spiffe://corp/ops/alice"),
                                Rpc::kRotateSecret, "any"),
              nullptr);
  }
  EXPECT_EQ(policy->FindGrant(CallerIdentity(PrincipalSource::kCommonName, "billing.corp.example"),
                              Rpc::kIssueEmailHash, "billing-x"),
            nullptr);
}

TEST(AuthzPolicyParserTest, EmptyRuleListDeniesEverything) {
  absl::StatusOr<AuthzPolicy> policy = ParseAuthzPolicy(R"({"rules": []})");
  ASSERT_TRUE(policy.ok()) << policy.status();
  EXPECT_EQ(policy->FindGrant(Uri("spiffe://anyone"), Rpc::kIssueEmailHash, "any"), nullptr);
}

// A policy of the old format, whose bare names matched any certificate field,
// is refused whole, naming the rule and saying how to fix it.
TEST(AuthzPolicyParserTest, BareNamesFromBeforeSourcesAreRefusedNamingTheRule) {
  absl::StatusOr<AuthzPolicy> policy = ParseAuthzPolicy(R"({"rules": [
    {"name": "ops", "principals": ["spiffe://corp/ops/*"], "rpcs": ["*"], "app_ids": ["*"]},
    {"name": "billing service", "principals": ["spiffe://corp/ns/billing/sa/api",
                                               "billing.corp.example"],
     "rpcs": ["IssueEmailHash"], "app_ids": ["billing-*"]}]})");
  EXPECT_EQ(policy.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(policy.status().message(),
            "rules[1].principals[1]: \"billing.corp.example\" does not say which certificate "
            "field names the caller: write \"dns:billing.corp.example\" for a DNS SAN or "
            "\"cn:billing.corp.example\" for the subject CN (a URI SAN is \"SCHEME://…\" or "
            "\"uri:…\") (rule \"billing service\")");
}

struct BadPolicy {
  const char* json;
  const char* error;
};

class AuthzPolicyParserErrorTest : public ::testing::TestWithParam<BadPolicy> {};

TEST_P(AuthzPolicyParserErrorTest, NamesThePathAndTheRule) {
  absl::StatusOr<AuthzPolicy> policy = ParseAuthzPolicy(GetParam().json);
  ASSERT_EQ(policy.status().code(), absl::StatusCode::kInvalidArgument) << GetParam().json;
  EXPECT_THAT(policy.status().message(), HasSubstr(GetParam().error));
}


INSTANTIATE_TEST_SUITE_P(
    Errors, AuthzPolicyParserErrorTest,
    ::testing::Values(
        BadPolicy{"{", "invalid JSON"}, BadPolicy{"[]", "(root): must be a JSON object"},
        // nlohmann/json throws out_of_range, not parse_error, for a number
        // too large for a double (found by tests/fuzz/authz_policy_fuzzer).
        BadPolicy{R"({"rules": [], "n": 1e999})", "invalid JSON"},
        BadPolicy{R"({"rules": [{"principals": [3e0900]}]})", "invalid JSON"},
        BadPolicy{"{}", "rules: is required"},
        BadPolicy{R"({"rules": [], "extra": 1})", "(root).extra: unknown key"},
        BadPolicy{R"({"rules": {}})", "rules: must be a list"},
        BadPolicy{R"({"rules": [1]})", "rules[0]: must be an object"},
        BadPolicy{R"({"rules": [{"rpcs": ["*"], "app_ids": ["*"]}]})",
                  "rules[0].principals: is required"},
        BadPolicy{R"({"rules": [{"principals": [], "rpcs": ["*"], "app_ids": ["*"]}]})",
                  "rules[0].principals: must be a non-empty list of strings"},
        BadPolicy{R"({"rules": [{"principals": [1], "rpcs": ["*"], "app_ids": ["*"]}]})",
                  "rules[0].principals[0]: must be a string"},
        BadPolicy{R"({"rules": [{"principals": ["spiffe://a*b"], "rpcs": ["*"],
                                 "app_ids": ["*"]}]})",
                  "rules[0].principals[0]: \"spiffe://a*b\": '*' is allowed only as the last "
                  "character"},
        BadPolicy{R"({"rules": [{"principals": ["cn-only-client"], "rpcs": ["*"],
                                 "app_ids": ["*"]}]})",
                  "rules[0].principals[0]: \"cn-only-client\" does not say which certificate "
                  "field names the caller"},
        BadPolicy{R"({"rules": [{"name": "ops by CN", "principals": ["cn:spiffe://corp/ops/*"],
                                 "rpcs": ["*"], "app_ids": ["*"]}]})",
                  "rules[0].principals[0]: \"cn:spiffe://corp/ops/*\": a CN that looks like a "
                  "URI: identityd trusts a URI only from a URI SAN (write the pattern without "
                  "\"cn:\") (rule \"ops by CN\")"},
        BadPolicy{R"({"rules": [{"principals": ["dns:*.corp"], "rpcs": ["*"], "app_ids": ["*"]}]})",
                  "rules[0].principals[0]: \"dns:*.corp\": '*' is allowed only as the last"},
        BadPolicy{R"({"rules": [{"principals": ["*"], "app_ids": ["*"]}]})",
                  "rules[0].rpcs: is required"},
        BadPolicy{R"({"rules": [{"principals": ["*"], "rpcs": ["IssueToken"], "app_ids": ["*"]}]})",
                  "rules[0].rpcs[0]: unknown RPC \"IssueToken\""},
        BadPolicy{R"({"rules": [{"principals": ["*"], "rpcs": ["*"]}]})",
                  "rules[0].app_ids: is required"},
        BadPolicy{R"({"rules": [{"principals": ["*"], "rpcs": ["*"], "app_ids": ["bad id"]}]})",
                  "rules[0].app_ids[0]"},
        BadPolicy{R"({"rules": [{"principals": ["*"], "rpcs": ["*"], "app_ids": ["bad/*"]}]})",
                  "rules[0].app_ids[0]: prefix may only use [A-Za-z0-9._-]"},
        BadPolicy{R"({"rules": [{"principals": ["*"], "rpcs": ["*"], "app_ids": ["*"],
                                 "name": 3}]})",
                  "rules[0].name: must be a string"},
        BadPolicy{R"({"rules": [{"principals": ["*"], "rpcs": ["*"], "app_ids": ["*"],
                                 "effect": "deny"}]})",
                  "rules[0].effect: unknown key"}));

TEST(AuthzPolicyParserTest, LoadErrorsStartWithThePath) {
  absl::StatusOr<AuthzPolicy> policy = LoadAuthzPolicyFile("/nonexistent/policy.json");
  EXPECT_EQ(policy.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(policy.status().message(), HasSubstr("/nonexistent/policy.json: "));
}

}  // namespace
}  // namespace identity::authz
