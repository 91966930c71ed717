#ifndef IDENTITY_SERVER_AUTHZ_AUTHZ_POLICY_PARSER_H_
#define IDENTITY_SERVER_AUTHZ_AUTHZ_POLICY_PARSER_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "server/authz/authz_policy.h"

namespace identity::authz {

// Parses an authorization policy document (JSON):
//
//   {
//     "rules": [
//       {
//         "name": "ops may do anything",
//         "principals": ["spiffe://corp/ns/ops/*"],
//         "rpcs": ["*"],
//         "app_ids": ["*"]
//       },
//       {
//         "name": "billing issues proofs for its own widgets",
//         "principals": ["spiffe://corp/ns/billing/sa/api", "dns:billing.corp.example"],
//         "rpcs": ["IssueEmailHash", "IssueWidgetToken"],
//         "app_ids": ["billing-*", "shop-main"]
//       }
//     ]
//   }
//
// "rules" is required (an empty list denies everything). In a rule,
// "principals", "rpcs" and "app_ids" are required non-empty lists and "name"
// is optional. Principals are PrincipalPatterns: a certificate field and a
// name ("spiffe://…", "uri:…", "dns:…", "cn:…" or "*"; a name that does not
// say its field is an error, naming the rule). App_ids are NamePatterns ("*",
// "prefix*" or an exact name); an exact app_id must satisfy the app_id rule,
// and a prefix may only use app_id characters. "rpcs" holds method names of
// identity.v1.IdentityService (IssueEmailHash, IssueWidgetToken, RotateSecret)
// or "*" for all three. Unknown keys and unknown RPC names are errors.
//
// Errors are kInvalidArgument and start with the JSON path of the offending
// element, e.g. "rules[1].rpcs[0]: unknown RPC \"IssueToken\"".
absl::StatusOr<AuthzPolicy> ParseAuthzPolicy(absl::string_view json_text);

// Reads and parses the policy file at `path`; error messages start with it.
absl::StatusOr<AuthzPolicy> LoadAuthzPolicyFile(const std::string& path);

}  // namespace identity::authz

#endif  // IDENTITY_SERVER_AUTHZ_AUTHZ_POLICY_PARSER_H_
