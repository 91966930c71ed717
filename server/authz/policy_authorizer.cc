#include "server/authz/policy_authorizer.h"

#include "absl/strings/str_cat.h"
#include "server/authz/authz_policy_parser.h"
#include "server/common/log.h"

namespace identity::authz {

absl::StatusOr<std::unique_ptr<PolicyAuthorizer>> PolicyAuthorizer::Create(
    std::string path, absl::Duration reload_interval) {
  std::unique_ptr<PolicyAuthorizer> authorizer(new PolicyAuthorizer(std::move(path)));
  absl::StatusOr<AuthzPolicy> policy = LoadAuthzPolicyFile(authorizer->path_);
  if (!policy.ok()) return policy.status();
  LogInfo(absl::StrCat("authorization policy loaded from ", authorizer->path_, ": ",
                       policy->rules().size(), " rule(s)"));
  authorizer->policy_.store(std::make_shared<const AuthzPolicy>(*std::move(policy)));
  if (reload_interval > absl::ZeroDuration()) {
    PolicyAuthorizer* self = authorizer.get();
    authorizer->poller_ = std::make_unique<FilePoller>(
        std::vector<std::string>{authorizer->path_}, reload_interval,
        [self] { (void)self->Reload(); });
  }
  return authorizer;
}

absl::Status PolicyAuthorizer::Reload() {
  std::lock_guard<std::mutex> lock(reload_mu_);
  absl::StatusOr<AuthzPolicy> policy = LoadAuthzPolicyFile(path_);
  if (!policy.ok()) {
    reload_failures_.fetch_add(1, std::memory_order_relaxed);
    LogError(absl::StrCat("authorization policy NOT reloaded, keeping the previous one (",
                          this->policy()->rules().size(), " rule(s)): ",
                          policy.status().message()));
    return policy.status();
  }
  LogInfo(absl::StrCat("authorization policy reloaded from ", path_, ": ",
                       policy->rules().size(), " rule(s)"));
  policy_.store(std::make_shared<const AuthzPolicy>(*std::move(policy)),
                std::memory_order_release);
  reloads_.fetch_add(1, std::memory_order_relaxed);
  return absl::OkStatus();
}

absl::Status PolicyAuthorizer::CheckAuthenticated(const CallerIdentity& caller) const {
  if (caller.authenticated()) return absl::OkStatus();
  return absl::UnauthenticatedError(
      "no client identity: call over mutual TLS with a client certificate");
}

absl::Status PolicyAuthorizer::Authorize(const CallerIdentity& caller, Rpc rpc,
                                         absl::string_view app_id) const {
  if (absl::Status s = CheckAuthenticated(caller); !s.ok()) return s;
  if (policy()->FindGrant(caller, rpc, app_id) != nullptr) return absl::OkStatus();
  // The qualified name: a CN reading "spiffe://…" shows as "cn:spiffe://…".
  return absl::PermissionDeniedError(absl::StrCat("permission denied: principal \"",
                                                  caller.qualified_name(), "\" may not call ",
                                                  RpcName(rpc), " for app_id \"", app_id, "\""));
}

}  // namespace identity::authz
