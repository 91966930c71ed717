#include "server/authz/authz_policy.h"

namespace identity::authz {
namespace {

template <typename Pattern, typename Name>
bool AnyMatches(const std::vector<Pattern>& patterns, const Name& name) {
  for (const Pattern& p : patterns) {
    if (p.Matches(name)) return true;
  }
  return false;
}

}  // namespace

bool AuthzRule::Grants(const CallerIdentity& caller, Rpc rpc, absl::string_view app_id) const {
  return rpcs[static_cast<std::size_t>(rpc)] && AnyMatches(principals, caller) &&
         AnyMatches(app_ids, app_id);
}

const AuthzRule* AuthzPolicy::FindGrant(const CallerIdentity& caller, Rpc rpc,
                                        absl::string_view app_id) const {
  if (!caller.authenticated()) return nullptr;
  for (const AuthzRule& rule : rules_) {
    if (rule.Grants(caller, rpc, app_id)) return &rule;
  }
  return nullptr;
}

}  // namespace identity::authz
