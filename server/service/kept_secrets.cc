#include "server/service/kept_secrets.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace identity::service {

absl::StatusOr<std::vector<const store::StoredSecret*>> KeptSecrets(
    const store::StoredWidget& widget, widget::SecretKind kind) {
  std::vector<const store::StoredSecret*> out;
  // Stores keep each kind newest first (store/version_history.h).
  for (const store::StoredSecret& secret : widget.secrets) {
    if (secret.kind == kind) out.push_back(&secret);
  }
  if (out.empty()) {
    return absl::FailedPreconditionError(absl::StrCat("app_id: the widget has no ",
                                                      widget::SecretKindName(kind),
                                                      " secret; register one with RotateSecret"));
  }
  return out;
}

}  // namespace identity::service
