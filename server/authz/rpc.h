#ifndef IDENTITY_SERVER_AUTHZ_RPC_H_
#define IDENTITY_SERVER_AUTHZ_RPC_H_

#include <array>
#include <optional>

#include "absl/strings/string_view.h"

namespace identity::authz {

// The RPCs of identity.v1.IdentityService that a policy grants.
enum class Rpc {
  kIssueEmailHash,    // IssueEmailHash: an HMAC email hash
  kIssueWidgetToken,  // IssueWidgetToken: a widget JWT
  kRotateSecret,      // RotateSecret: replace or register a widget secret
};

// Every Rpc, in declaration order.
inline constexpr std::array<Rpc, 3> kAllRpcs = {Rpc::kIssueEmailHash, Rpc::kIssueWidgetToken,
                                                Rpc::kRotateSecret};

// The RPC's method name as in the proto, e.g. "RotateSecret".
absl::string_view RpcName(Rpc rpc);

// The Rpc named `name` (a method name as RpcName returns), if any.
std::optional<Rpc> RpcFromName(absl::string_view name);

}  // namespace identity::authz

#endif  // IDENTITY_SERVER_AUTHZ_RPC_H_
