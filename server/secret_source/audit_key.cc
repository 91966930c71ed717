#include "server/secret_source/audit_key.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "server/secret_source/secret_source_reader.h"

namespace identity::secret_source {

absl::StatusOr<crypto::EmailHasher> ReadAuditKey(const std::string& file, const std::string& env) {
  const std::string source =
      file.empty() ? absl::StrCat("audit key in $", env) : absl::StrCat("audit key file ", file);
  absl::StatusOr<crypto::SecretBytes> text = file.empty() ? ReadSecretEnv(env) : ReadSecretFile(file);
  if (!text.ok()) {
    // kNotFound for an unset variable: no key given. (For a file, the
    // reader's message names it already.)
    return text.status();
  }
  absl::StatusOr<crypto::EmailHasher> hasher = crypto::EmailHasher::FromHexSecret(text->view());
  if (!hasher.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(source, ": ", hasher.status().message()));
  }
  return hasher;
}

}  // namespace identity::secret_source
