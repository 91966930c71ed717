#include "server/authz/rpc.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gmock/gmock.h"
#include "google/protobuf/descriptor.h"
#include "gtest/gtest.h"
#include "identity/v1/identity.pb.h"
#include "server/authz/authz_policy_parser.h"

namespace identity::authz {
namespace {

using ::testing::HasSubstr;

// The contract's methods, read from the compiled proto: a policy must be able
// to name every one of them, and nothing else.
std::vector<std::string> ContractMethods() {
  const google::protobuf::ServiceDescriptor* service =
      identity::v1::IssueEmailHashRequest::descriptor()->file()->FindServiceByName(
          "IdentityService");
  std::vector<std::string> names;
  if (service == nullptr) return names;
  for (int i = 0; i < service->method_count(); ++i) names.push_back(service->method(i)->name());
  return names;
}

TEST(RpcTest, EveryMethodOfTheContractIsAnRpcAndNoOther) {
  const std::vector<std::string> methods = ContractMethods();
  ASSERT_FALSE(methods.empty());
  std::vector<std::string> rpcs;
  for (Rpc rpc : kAllRpcs) rpcs.emplace_back(RpcName(rpc));
  EXPECT_EQ(rpcs, methods) << "server/authz/rpc.h must list the proto's methods in its order";
  for (const std::string& method : methods) {
    ASSERT_TRUE(RpcFromName(method).has_value()) << method;
    EXPECT_EQ(RpcName(*RpcFromName(method)), method);
  }
}

TEST(RpcTest, AnUnknownRpcInThePolicyListsEveryRpc) {
  const absl::StatusOr<AuthzPolicy> policy = ParseAuthzPolicy(
      R"({"rules": [{"principals": ["*"], "rpcs": ["IssueToken"], "app_ids": ["*"]}]})");
  ASSERT_FALSE(policy.ok());
  EXPECT_THAT(std::string(policy.status().message()),
              HasSubstr(absl::StrCat("unknown RPC \"IssueToken\" (one of ",
                                     absl::StrJoin(ContractMethods(), ", "), ", or *)")));
}

}  // namespace
}  // namespace identity::authz
