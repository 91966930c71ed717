#include "server/authz/policy_authorizer.h"

#include <cstdio>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/subprocess.h"
#include "tests/support/temp_dir.h"

namespace identity::authz {
namespace {

using ::identity::testing::TempDir;
using ::identity::testing::WriteFileOrDie;
using ::testing::HasSubstr;

const CallerIdentity kOps(PrincipalSource::kUriSan, "spiffe://corp/ops/alice");
const CallerIdentity kService(PrincipalSource::kUriSan, "spiffe://corp/ns/billing/sa/api");

constexpr char kPolicy[] = R"({"rules": [
  {"principals": ["spiffe://corp/ops/*"], "rpcs": ["*"], "app_ids": ["*"]},
  {"principals": ["spiffe://corp/ns/billing/sa/api"], "rpcs": ["IssueEmailHash"],
   "app_ids": ["billing-*"]}]})";

TEST(PolicyAuthorizerTest, AuthorizesByPolicyAndDeniesByDefault) {
  TempDir dir;
  WriteFileOrDie(dir.File("policy.json"), kPolicy);
  auto authorizer = PolicyAuthorizer::Create(dir.File("policy.json"), absl::ZeroDuration());
  ASSERT_TRUE(authorizer.ok()) << authorizer.status();
  EXPECT_TRUE((*authorizer)->Authorize(kOps, Rpc::kRotateSecret, "anything").ok());
  EXPECT_TRUE((*authorizer)->Authorize(kService, Rpc::kIssueEmailHash, "billing-web").ok());
  absl::Status denied = (*authorizer)->Authorize(kService, Rpc::kRotateSecret, "billing-web");
  EXPECT_EQ(denied.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(denied.message(),
            "permission denied: principal \"spiffe://corp/ns/billing/sa/api\" may not call "
            "RotateSecret for app_id \"billing-web\"");
  // The operator's SPIFFE ID as a CN or a DNS SAN is not the operator; the
  // denial shows where the name came from.
  const CallerIdentity cn_look_alike(PrincipalSource::kCommonName, "spiffe://corp/ops/alice");
  denied = (*authorizer)->Authorize(cn_look_alike, Rpc::kRotateSecret, "billing-web");
  EXPECT_EQ(denied.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(denied.message(),
            "permission denied: principal \"cn:spiffe://corp/ops/alice\" may not call "
            "RotateSecret for app_id \"billing-web\"");
  const CallerIdentity dns_look_alike(PrincipalSource::kDnsSan, "spiffe://corp/ops/alice");
  EXPECT_EQ((*authorizer)->Authorize(dns_look_alike, Rpc::kIssueEmailHash, "x").code(),
            absl::StatusCode::kPermissionDenied);
  // No identity: unauthenticated, not merely denied.
  EXPECT_EQ((*authorizer)->CheckAuthenticated(CallerIdentity{}).code(),
            absl::StatusCode::kUnauthenticated);
  EXPECT_EQ((*authorizer)->Authorize(CallerIdentity{}, Rpc::kIssueEmailHash, "billing-web").code(),
            absl::StatusCode::kUnauthenticated);
}

TEST(PolicyAuthorizerTest, BadInitialPolicyIsAnError) {
  TempDir dir;
  WriteFileOrDie(dir.File("policy.json"), "{");
  auto authorizer = PolicyAuthorizer::Create(dir.File("policy.json"), absl::ZeroDuration());
  EXPECT_EQ(authorizer.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(authorizer.status().message(), HasSubstr(dir.File("policy.json") + ": invalid JSON"));
}

TEST(PolicyAuthorizerTest, FailedReloadKeepsTheLastGoodPolicy) {
  TempDir dir;
  const std::string path = dir.File("policy.json");
  WriteFileOrDie(path, kPolicy);
  auto authorizer = PolicyAuthorizer::Create(path, absl::ZeroDuration());
  ASSERT_TRUE(authorizer.ok()) << authorizer.status();

  WriteFileOrDie(path, R"({"rules": [{"principals": ["*"], "rpcs": ["*"], "app_ids": ["*"],
                                      "oops": 1}]})");
  absl::Status reload = (*authorizer)->Reload();
  EXPECT_THAT(reload.message(), HasSubstr(path + ": rules[0].oops: unknown key"));
  EXPECT_EQ((*authorizer)->policy()->rules().size(), 2u);
  EXPECT_FALSE((*authorizer)->Authorize(kService, Rpc::kRotateSecret, "billing-web").ok());

  std::remove(path.c_str());
  EXPECT_EQ((*authorizer)->Reload().code(), absl::StatusCode::kNotFound);
  EXPECT_TRUE((*authorizer)->Authorize(kService, Rpc::kIssueEmailHash, "billing-web").ok());

  WriteFileOrDie(path, R"({"rules": []})");
  EXPECT_TRUE((*authorizer)->Reload().ok());
  EXPECT_EQ((*authorizer)->Authorize(kOps, Rpc::kIssueEmailHash, "x").code(),
            absl::StatusCode::kPermissionDenied);
}

// A number too large for a double made nlohmann/json throw out_of_range,
// which the parser did not catch: the reload thread ended the process
// (found by tests/fuzz/authz_policy_fuzzer).
TEST(PolicyAuthorizerTest, AReloadOfANumberTooLargeForADoubleKeepsTheLastGoodPolicy) {
  TempDir dir;
  const std::string path = dir.File("policy.json");
  WriteFileOrDie(path, kPolicy);
  auto authorizer = PolicyAuthorizer::Create(path, absl::ZeroDuration());
  ASSERT_TRUE(authorizer.ok()) << authorizer.status();

  WriteFileOrDie(path, R"({"rules": [], "max": 1e999})");
  const absl::Status reload = (*authorizer)->Reload();
  EXPECT_EQ(reload.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(reload.message(), HasSubstr(path + ": invalid JSON"));
  EXPECT_EQ((*authorizer)->policy()->rules().size(), 2u);
  EXPECT_TRUE((*authorizer)->Authorize(kService, Rpc::kIssueEmailHash, "billing-web").ok());
}

}  // namespace
}  // namespace identity::authz
