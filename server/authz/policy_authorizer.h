#ifndef IDENTITY_SERVER_AUTHZ_POLICY_AUTHORIZER_H_
#define IDENTITY_SERVER_AUTHZ_POLICY_AUTHORIZER_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "server/authz/authorizer.h"
#include "server/authz/authz_policy.h"
#include "server/common/file_poller.h"

namespace identity::authz {

// PolicyAuthorizer authorizes calls with the policy in a file (see
// ParseAuthzPolicy for the format) and reloads it when the file changes:
// callers without a verified identity are kUnauthenticated, known callers
// that no rule grants are kPermissionDenied (default deny).
//
// A reload that fails (unreadable file, bad JSON, a rule breaking the
// format) keeps the last good policy and logs the error, prefixed with the
// file's path: a typo in production must not open or close the service.
// Calls read the current policy with one atomic load; a reload swaps it in
// whole, so a call sees either the old policy or the new one.
class PolicyAuthorizer final : public Authorizer {
 public:
  // Loads the policy at `path` (any error is returned: a server must not
  // start without a valid policy) and polls the file every
  // `reload_interval` (no polling if zero).
  static absl::StatusOr<std::unique_ptr<PolicyAuthorizer>> Create(std::string path,
                                                                  absl::Duration reload_interval);

  absl::Status CheckAuthenticated(const CallerIdentity& caller) const override;
  absl::Status Authorize(const CallerIdentity& caller, Rpc rpc,
                         absl::string_view app_id) const override;

  // Reads the file again now. On success the new policy is in force; on
  // failure the error (prefixed with the path) is logged and returned, and
  // the current policy stays.
  absl::Status Reload();

  // Reloads (by the poller or Reload()) that applied a new policy, and that
  // failed and kept the previous one, since start (for the metrics).
  std::uint64_t reloads() const { return reloads_.load(std::memory_order_relaxed); }
  std::uint64_t reload_failures() const {
    return reload_failures_.load(std::memory_order_relaxed);
  }

  // The policy in force.
  std::shared_ptr<const AuthzPolicy> policy() const {
    return policy_.load(std::memory_order_acquire);
  }

 private:
  explicit PolicyAuthorizer(std::string path) : path_(std::move(path)) {}

  const std::string path_;
  std::mutex reload_mu_;  // serialises Reload() (the poller thread and callers)
  std::atomic<std::shared_ptr<const AuthzPolicy>> policy_;
  // Declared last: destroyed first, so no reload runs during destruction.
  std::atomic<std::uint64_t> reloads_{0};
  std::atomic<std::uint64_t> reload_failures_{0};
  std::unique_ptr<FilePoller> poller_;
};

}  // namespace identity::authz

#endif  // IDENTITY_SERVER_AUTHZ_POLICY_AUTHORIZER_H_
