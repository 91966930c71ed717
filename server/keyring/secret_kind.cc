#include "server/keyring/secret_kind.h"

namespace identity::keyring {

absl::string_view SecretKindName(SecretKind kind) {
  switch (kind) {
    case SecretKind::kEmailHash:
      return "email_hash";
    case SecretKind::kJwt:
      return "jwt";
  }
  return "unknown";
}

std::optional<SecretKind> ParseSecretKind(absl::string_view name) {
  for (SecretKind kind : kAllSecretKinds) {
    if (name == SecretKindName(kind)) return kind;
  }
  return std::nullopt;
}

}  // namespace identity::keyring
