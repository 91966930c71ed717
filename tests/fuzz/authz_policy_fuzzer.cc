// Fuzzes the authorization policy parser (authz::ParseAuthzPolicy).
//
// Properties, beyond "no crash, no sanitizer report":
//  * a refusal is INVALID_ARGUMENT with a message;
//  * a parsed rule has what the format requires: non-empty principals, rpcs
//    and app_ids; exact app_id patterns are valid app_ids;
//  * a principal pattern written back with its source spelled out ("uri:",
//    "dns:", "cn:") parses to the same source and name;
//  * writing the parsed policy back as JSON and parsing that gives the same
//    rules (no grant is lost or widened between file and memory);
//  * the policy grants what its rules say: each rule's exact principals get
//    its RPCs on its exact app_ids (as a caller from the pattern's
//    certificate field), and a name matching a prefix pattern gets them too;
//    an unauthenticated caller gets nothing;
//  * ListWidgets (authorized for the app_id "*") is granted only by a rule
//    whose app_ids hold the pattern "*".

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/types/span.h"
#include "nlohmann/json.hpp"
#include "server/authz/authz_policy.h"
#include "server/authz/authz_policy_parser.h"
#include "server/authz/rpc.h"
#include "server/widget/app_id.h"
#include "tests/fuzz/fuzz_support.h"

namespace identity::fuzz {
namespace {

using authz::AuthzPolicy;
using authz::AuthzRule;
using authz::CallerIdentity;
using authz::NamePattern;
using authz::PrincipalPattern;
using authz::PrincipalSource;
using authz::Rpc;

nlohmann::json PatternsToJson(const std::vector<NamePattern>& patterns) {
  nlohmann::json out = nlohmann::json::array();
  for (const NamePattern& p : patterns) out.push_back(p.text());
  return out;
}

// A principal pattern as a policy writes it, with its source spelled out
// ("uri:", "dns:", "cn:"), so that the round trip also checks that an
// explicit prefix means what the short form meant.
std::string PrincipalText(const PrincipalPattern& p) {
  if (!p.source().has_value()) return p.name().text();  // "*"
  switch (*p.source()) {
    case PrincipalSource::kUriSan:
      return absl::StrCat("uri:", p.name().text());
    case PrincipalSource::kDnsSan:
      return absl::StrCat("dns:", p.name().text());
    case PrincipalSource::kCommonName:
      return absl::StrCat("cn:", p.name().text());
    case PrincipalSource::kNone:
      break;
  }
  return p.name().text();
}

nlohmann::json PrincipalsToJson(const std::vector<PrincipalPattern>& patterns) {
  nlohmann::json out = nlohmann::json::array();
  for (const PrincipalPattern& p : patterns) out.push_back(PrincipalText(p));
  return out;
}

nlohmann::json ToJson(const AuthzPolicy& policy) {
  nlohmann::json rules = nlohmann::json::array();
  for (const AuthzRule& rule : policy.rules()) {
    nlohmann::json rpcs = nlohmann::json::array();
    for (Rpc rpc : authz::kAllRpcs) {
      if (rule.rpcs[static_cast<std::size_t>(rpc)]) rpcs.push_back(std::string(RpcName(rpc)));
    }
    rules.push_back({{"name", rule.name},
                     {"principals", PrincipalsToJson(rule.principals)},
                     {"rpcs", std::move(rpcs)},
                     {"app_ids", PatternsToJson(rule.app_ids)}});
  }
  return {{"rules", std::move(rules)}};
}

bool SamePatterns(const std::vector<NamePattern>& a, const std::vector<NamePattern>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (a[i].text() != b[i].text() || a[i].is_prefix() != b[i].is_prefix()) return false;
  }
  return true;
}

bool SamePrincipals(const std::vector<PrincipalPattern>& a,
                    const std::vector<PrincipalPattern>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (a[i].source() != b[i].source() || !SamePatterns({a[i].name()}, {b[i].name()})) {
      return false;
    }
  }
  return true;
}

// A name the pattern matches: the name itself, or the prefix and one more
// character.
std::string MatchingName(const NamePattern& p) {
  return p.is_prefix() ? absl::StrCat(p.fixed_part(), "x") : p.text();
}

// A caller the principal pattern matches: from the pattern's source (any
// certificate field for "*").
CallerIdentity MatchingCaller(const PrincipalPattern& p) {
  if (!p.source().has_value()) return CallerIdentity(PrincipalSource::kUriSan, "spiffe://x/y");
  return CallerIdentity(*p.source(), MatchingName(p.name()));
}

// Grants are checked for the first few patterns of each list only: a rule of
// hundreds of principals and app_ids would cost a million lookups an input.
template <typename T>
absl::Span<const T> FirstFew(const std::vector<T>& all) {
  return absl::MakeConstSpan(all).subspan(0, 8);
}

void CheckGrants(const AuthzPolicy& policy) {
  for (const AuthzRule& rule : FirstFew(policy.rules())) {
    FUZZ_CHECK(!rule.principals.empty() && !rule.app_ids.empty(), rule.name);
    bool any_rpc = false;
    for (bool granted : rule.rpcs) any_rpc = any_rpc || granted;
    FUZZ_CHECK(any_rpc, "a rule with no RPC");
    for (const NamePattern& a : rule.app_ids) {
      FUZZ_CHECK(a.is_prefix() || widget::ValidateAppId(a.text()).ok(), absl::CEscape(a.text()));
    }
    for (Rpc rpc : authz::kAllRpcs) {
      if (!rule.rpcs[static_cast<std::size_t>(rpc)]) continue;
      for (const PrincipalPattern& p : FirstFew(rule.principals)) {
        for (const NamePattern& a : FirstFew(rule.app_ids)) {
          FUZZ_CHECK(policy.FindGrant(MatchingCaller(p), rpc, MatchingName(a)) != nullptr,
                     absl::StrCat("rule \"", absl::CEscape(rule.name), "\" does not grant ",
                                  RpcName(rpc), " to ", absl::CEscape(PrincipalText(p))));
          FUZZ_CHECK(policy.FindGrant(CallerIdentity(), rpc, MatchingName(a)) == nullptr,
                     "an unauthenticated caller was granted");
        }
      }
    }
    for (const PrincipalPattern& p : FirstFew(rule.principals)) {
      const AuthzRule* grant = policy.FindGrant(MatchingCaller(p), Rpc::kListWidgets,
                                                authz::kEveryAppId);
      if (grant == nullptr) continue;
      bool star = false;
      for (const NamePattern& a : grant->app_ids) star = star || a.text() == "*";
      FUZZ_CHECK(star, "ListWidgets granted without \"app_ids\": [\"*\"]");
    }
  }
}

void Check(absl::string_view text) {
  const absl::StatusOr<AuthzPolicy> policy = authz::ParseAuthzPolicy(text);
  if (!policy.ok()) {
    FUZZ_CHECK(policy.status().code() == absl::StatusCode::kInvalidArgument,
               policy.status().ToString());
    FUZZ_CHECK(!policy.status().message().empty(), "an error without a message");
    return;
  }
  CheckGrants(*policy);

  const std::string written = ToJson(*policy).dump();
  const absl::StatusOr<AuthzPolicy> again = authz::ParseAuthzPolicy(written);
  FUZZ_CHECK(again.ok(), absl::StrCat(again.status().ToString(), " for ", written));
  FUZZ_CHECK(again->rules().size() == policy->rules().size(), written);
  for (std::size_t i = 0; i < policy->rules().size(); ++i) {
    const AuthzRule& a = policy->rules()[i];
    const AuthzRule& b = again->rules()[i];
    FUZZ_CHECK(a.name == b.name && a.rpcs == b.rpcs && SamePrincipals(a.principals, b.principals) &&
                   SamePatterns(a.app_ids, b.app_ids),
               absl::StrCat("round trip changed rules[", i, "]: ", written));
  }
}

}  // namespace
}  // namespace identity::fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  identity::fuzz::Check(identity::fuzz::AsView(data, size));
  return 0;
}
