#include "server/authz/rpc.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace identity::authz {

absl::string_view RpcName(Rpc rpc) {
  switch (rpc) {
    case Rpc::kIssueEmailHash:
      return "IssueEmailHash";
    case Rpc::kIssueEmailHashes:
      return "IssueEmailHashes";
    case Rpc::kIssueWidgetToken:
      return "IssueWidgetToken";
    case Rpc::kRotateSecret:
      return "RotateSecret";
    case Rpc::kGetWidget:
      return "GetWidget";
    case Rpc::kListWidgets:
      return "ListWidgets";
    case Rpc::kVerifyEmailHash:
      return "VerifyEmailHash";
    case Rpc::kVerifyWidgetToken:
      return "VerifyWidgetToken";
  }
  return "unknown";
}

std::string AllRpcNames() {
  return absl::StrJoin(kAllRpcs, ", ",
                       [](std::string* out, Rpc rpc) { absl::StrAppend(out, RpcName(rpc)); });
}

std::optional<Rpc> RpcFromName(absl::string_view name) {
  for (Rpc rpc : kAllRpcs) {
    if (RpcName(rpc) == name) return rpc;
  }
  return std::nullopt;
}

}  // namespace identity::authz
