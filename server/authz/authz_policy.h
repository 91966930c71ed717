#ifndef IDENTITY_SERVER_AUTHZ_AUTHZ_POLICY_H_
#define IDENTITY_SERVER_AUTHZ_AUTHZ_POLICY_H_

#include <array>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "server/authz/caller_identity.h"
#include "server/authz/name_pattern.h"
#include "server/authz/principal_pattern.h"
#include "server/authz/rpc.h"

namespace identity::authz {

// One grant of a policy: callers matching any of `principals` (source and
// name) may call any of `rpcs` for any app_id matching any of `app_ids`.
struct AuthzRule {
  // A label for logs and error messages; may be empty.
  std::string name;
  std::vector<PrincipalPattern> principals;
  // Indexed by static_cast<size_t>(Rpc): whether the rule grants that RPC.
  std::array<bool, kAllRpcs.size()> rpcs = {};
  std::vector<NamePattern> app_ids;

  // Whether this rule grants `caller` the call `rpc` on `app_id`.
  bool Grants(const CallerIdentity& caller, Rpc rpc, absl::string_view app_id) const;
};

// AuthzPolicy decides which caller may call what for which widget. Default
// deny: a call is allowed only if some rule grants it; rules only ever add
// permissions, so their order does not matter. Immutable once built, so one
// instance can be shared by every call while a reload swaps in the next.
//
// Evaluation is a scan of the rules (policies hold a few dozen rules at
// most); it allocates nothing.
class AuthzPolicy {
 public:
  explicit AuthzPolicy(std::vector<AuthzRule> rules) : rules_(std::move(rules)) {}

  // The first rule that grants `caller` the call `rpc` on `app_id`, or null
  // if none does (deny). An unauthenticated caller is never granted anything.
  const AuthzRule* FindGrant(const CallerIdentity& caller, Rpc rpc,
                             absl::string_view app_id) const;

  const std::vector<AuthzRule>& rules() const { return rules_; }

 private:
  std::vector<AuthzRule> rules_;
};

}  // namespace identity::authz

#endif  // IDENTITY_SERVER_AUTHZ_AUTHZ_POLICY_H_
