#ifndef IDENTITY_SERVER_AUTHZ_RPC_H_
#define IDENTITY_SERVER_AUTHZ_RPC_H_

#include <array>
#include <optional>
#include <string>

#include "absl/strings/string_view.h"

namespace identity::authz {

// The RPCs of identity.v1.IdentityService that a policy grants.
enum class Rpc {
  kIssueEmailHash,    // IssueEmailHash: an HMAC email hash
  kIssueEmailHashes,  // IssueEmailHashes: up to 1,000 HMAC email hashes in one call
  kIssueWidgetToken,  // IssueWidgetToken: a widget JWT
  kRotateSecret,      // RotateSecret: replace or register a widget secret
  kGetWidget,         // GetWidget: one widget's versions and fingerprints (no secrets)
  kListWidgets,       // ListWidgets: every widget (granted only with "app_ids": ["*"])
  kVerifyEmailHash,   // VerifyEmailHash: which kept version made an email hash
  kVerifyWidgetToken, // VerifyWidgetToken: why a widget JWT is refused
};

// Every Rpc, in declaration order.
inline constexpr std::array<Rpc, 8> kAllRpcs = {
    Rpc::kIssueEmailHash, Rpc::kIssueEmailHashes, Rpc::kIssueWidgetToken,
    Rpc::kRotateSecret,   Rpc::kGetWidget,        Rpc::kListWidgets,
    Rpc::kVerifyEmailHash, Rpc::kVerifyWidgetToken};

// The app_id that ListWidgets is authorized for: it stands for every widget,
// so only an app_id pattern of "*" matches it.
inline constexpr char kEveryAppId[] = "*";

// The RPC's method name as in the proto, e.g. "RotateSecret".
absl::string_view RpcName(Rpc rpc);

// Every RPC's name, comma-separated in declaration order, for messages that
// list what is accepted: "IssueEmailHash, IssueWidgetToken, ...".
std::string AllRpcNames();

// The Rpc named `name` (a method name as RpcName returns), if any.
std::optional<Rpc> RpcFromName(absl::string_view name);

}  // namespace identity::authz

#endif  // IDENTITY_SERVER_AUTHZ_RPC_H_
