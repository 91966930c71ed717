#ifndef IDENTITY_SERVER_AUTHZ_AUTHORIZER_H_
#define IDENTITY_SERVER_AUTHZ_AUTHORIZER_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "server/authz/caller_identity.h"
#include "server/authz/rpc.h"

namespace identity::authz {

// Authorizer decides whether a caller may make a call. The service asks it
// twice per call: CheckAuthenticated() first (before any other work), then,
// once the request is valid, Authorize() with the RPC and app_id. Both must
// be thread-safe and must not block.
class Authorizer {
 public:
  virtual ~Authorizer() = default;

  // OK if `caller` may call at all; kUnauthenticated if this authorizer needs
  // an identity and the caller has none.
  virtual absl::Status CheckAuthenticated(const CallerIdentity& caller) const = 0;

  // OK if `caller` may call `rpc` for `app_id`, else kPermissionDenied (or
  // kUnauthenticated). The message names the caller (its qualified name,
  // which says where the principal came from), the RPC and the app_id it
  // asked for, and nothing else: it is the same whether or not
  // a widget with that app_id exists, and it never carries a secret.
  virtual absl::Status Authorize(const CallerIdentity& caller, Rpc rpc,
                                 absl::string_view app_id) const = 0;
};

// AllowAllAuthorizer allows every call, authenticated or not. Only for the
// plain-text development mode (--insecure_loopback), where there is no caller
// identity to decide on.
class AllowAllAuthorizer final : public Authorizer {
 public:
  absl::Status CheckAuthenticated(const CallerIdentity&) const override {
    return absl::OkStatus();
  }
  absl::Status Authorize(const CallerIdentity&, Rpc, absl::string_view) const override {
    return absl::OkStatus();
  }
};

}  // namespace identity::authz

#endif  // IDENTITY_SERVER_AUTHZ_AUTHORIZER_H_
