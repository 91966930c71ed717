#include "server/widget/secret_kind.h"

namespace identity::widget {

absl::string_view SecretKindName(SecretKind kind) {
  switch (kind) {
    case SecretKind::kEmailHash:
      return "email_hash";
    case SecretKind::kJwt:
      return "jwt";
  }
  return "unknown";
}

}  // namespace identity::widget
