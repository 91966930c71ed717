#include "server/authz/authz_policy.h"

namespace identity::authz {
namespace {

bool AnyMatches(const std::vector<NamePattern>& patterns, absl::string_view name) {
  for (const NamePattern& p : patterns) {
    if (p.Matches(name)) return true;
  }
  return false;
}

}  // namespace

bool AuthzRule::Grants(absl::string_view principal, Rpc rpc, absl::string_view app_id) const {
  return rpcs[static_cast<std::size_t>(rpc)] && AnyMatches(principals, principal) &&
         AnyMatches(app_ids, app_id);
}

const AuthzRule* AuthzPolicy::FindGrant(absl::string_view principal, Rpc rpc,
                                        absl::string_view app_id) const {
  if (principal.empty()) return nullptr;
  for (const AuthzRule& rule : rules_) {
    if (rule.Grants(principal, rpc, app_id)) return &rule;
  }
  return nullptr;
}

}  // namespace identity::authz
