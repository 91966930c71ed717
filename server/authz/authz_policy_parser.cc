#include "server/authz/authz_policy_parser.h"

#include <fstream>
#include <functional>
#include <sstream>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "nlohmann/json.hpp"
#include "server/common/json_keys.h"
#include "server/widget/app_id.h"

namespace identity::authz {
namespace {

using Json = nlohmann::json;

absl::Status Error(absl::string_view path, absl::string_view message) {
  return absl::InvalidArgumentError(absl::StrCat(path, ": ", message));
}

// Checks that `j` is a non-empty array of strings and returns them.
absl::StatusOr<std::vector<std::string>> StringList(const Json& j, const std::string& path) {
  if (!j.is_array() || j.empty()) return Error(path, "must be a non-empty list of strings");
  std::vector<std::string> out;
  for (std::size_t i = 0; i < j.size(); ++i) {
    if (!j[i].is_string()) return Error(absl::StrCat(path, "[", i, "]"), "must be a string");
    out.push_back(j[i].get<std::string>());
  }
  return out;
}

// The app_id rule applied to a pattern: exact names must be valid app_ids and
// a prefix may use only app_id characters, so that a typo such as
// "billing_*" vs "billing-*" is not the only difference that stands out.
absl::Status CheckAppIdPattern(const NamePattern& pattern) {
  if (!pattern.is_prefix()) return widget::ValidateAppId(pattern.fixed_part());
  if (pattern.fixed_part().size() >= widget::kMaxAppIdLength) {
    return absl::InvalidArgumentError("prefix is longer than any app_id can be");
  }
  if (!widget::HasOnlyAppIdCharacters(pattern.fixed_part())) {
    return absl::InvalidArgumentError(
        absl::StrCat("prefix may only use ", widget::kAppIdCharacters));
  }
  return absl::OkStatus();
}

// The list under `key` of the rule at `rule_path`, each item parsed by
// `parse` (an error is prefixed with the item's path).
template <typename Pattern>
absl::StatusOr<std::vector<Pattern>> Patterns(
    const Json& rule, const std::string& rule_path, const char* key,
    const std::function<absl::StatusOr<Pattern>(absl::string_view)>& parse) {
  const std::string path = absl::StrCat(rule_path, ".", key);
  if (!rule.contains(key)) return Error(path, "is required");
  absl::StatusOr<std::vector<std::string>> texts = StringList(rule.at(key), path);
  if (!texts.ok()) return texts.status();
  std::vector<Pattern> out;
  for (std::size_t i = 0; i < texts->size(); ++i) {
    absl::StatusOr<Pattern> p = parse((*texts)[i]);
    if (!p.ok()) return Error(absl::StrCat(path, "[", i, "]"), p.status().message());
    out.push_back(*std::move(p));
  }
  return out;
}

absl::StatusOr<NamePattern> ParseAppIdPattern(absl::string_view text) {
  absl::StatusOr<NamePattern> p = NamePattern::Parse(text);
  if (!p.ok()) return p.status();
  if (absl::Status s = CheckAppIdPattern(*p); !s.ok()) return s;
  return p;
}

absl::StatusOr<AuthzRule> ParseRule(const Json& j, const std::string& path) {
  if (!j.is_object()) return Error(path, "must be an object");
  if (absl::Status s = CheckJsonKeys(j, path, {"name", "principals", "rpcs", "app_ids"});
      !s.ok()) {
    return s;
  }
  AuthzRule rule;
  if (j.contains("name")) {
    if (!j.at("name").is_string()) return Error(absl::StrCat(path, ".name"), "must be a string");
    rule.name = j.at("name").get<std::string>();
  }
  absl::StatusOr<std::vector<PrincipalPattern>> principals =
      Patterns<PrincipalPattern>(j, path, "principals", PrincipalPattern::Parse);
  if (!principals.ok()) {
    // Most likely a policy written before principals named their source:
    // say which rule, by name too, so that it is quick to find.
    if (rule.name.empty()) return principals.status();
    return absl::InvalidArgumentError(
        absl::StrCat(principals.status().message(), " (rule \"", rule.name, "\")"));
  }
  rule.principals = *std::move(principals);

  const std::string rpcs_path = absl::StrCat(path, ".rpcs");
  if (!j.contains("rpcs")) return Error(rpcs_path, "is required");
  absl::StatusOr<std::vector<std::string>> rpcs = StringList(j.at("rpcs"), rpcs_path);
  if (!rpcs.ok()) return rpcs.status();
  for (std::size_t i = 0; i < rpcs->size(); ++i) {
    const std::string& name = (*rpcs)[i];
    if (name == "*") {
      rule.rpcs.fill(true);
      continue;
    }
    const std::optional<Rpc> rpc = RpcFromName(name);
    if (!rpc.has_value()) {
      return Error(absl::StrCat(rpcs_path, "[", i, "]"),
                   absl::StrCat("unknown RPC \"", name, "\" (one of ", AllRpcNames(), ", or *)"));
    }
    rule.rpcs[static_cast<std::size_t>(*rpc)] = true;
  }

  absl::StatusOr<std::vector<NamePattern>> app_ids =
      Patterns<NamePattern>(j, path, "app_ids", ParseAppIdPattern);
  if (!app_ids.ok()) return app_ids.status();
  rule.app_ids = *std::move(app_ids);
  return rule;
}

}  // namespace

absl::StatusOr<AuthzPolicy> ParseAuthzPolicy(absl::string_view json_text) {
  // nlohmann/json reports parse errors by throwing; they stay in here. Not
  // only parse_error: a number too large for a double (1e999) throws
  // out_of_range, which escaping a reload would end the process.
  Json root;
  try {
    root = Json::parse(json_text.begin(), json_text.end());
  } catch (const Json::exception& e) {
    return absl::InvalidArgumentError(absl::StrCat("invalid JSON: ", e.what()));
  }
  if (!root.is_object()) return Error("(root)", "must be a JSON object");
  if (absl::Status s = CheckJsonKeys(root, "(root)", {"rules"}); !s.ok()) return s;
  if (!root.contains("rules")) return Error("rules", "is required (an empty list denies all)");
  const Json& rules = root.at("rules");
  if (!rules.is_array()) return Error("rules", "must be a list");
  std::vector<AuthzRule> parsed;
  for (std::size_t i = 0; i < rules.size(); ++i) {
    absl::StatusOr<AuthzRule> rule = ParseRule(rules[i], absl::StrCat("rules[", i, "]"));
    if (!rule.ok()) return rule.status();
    parsed.push_back(*std::move(rule));
  }
  return AuthzPolicy(std::move(parsed));
}

absl::StatusOr<AuthzPolicy> LoadAuthzPolicyFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat(path, ": cannot open the policy file"));
  std::stringstream text;
  text << in.rdbuf();
  absl::StatusOr<AuthzPolicy> policy = ParseAuthzPolicy(text.str());
  if (!policy.ok()) {
    return absl::Status(policy.status().code(),
                        absl::StrCat(path, ": ", policy.status().message()));
  }
  return policy;
}

}  // namespace identity::authz
