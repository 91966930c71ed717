#include "server/config/initial_secret_reader.h"

#include "absl/strings/str_cat.h"
#include "server/crypto/secret_format.h"
#include "server/secret_source/secret_source_reader.h"

namespace identity::config {
namespace {

absl::StatusOr<crypto::SecretBytes> ReadSource(const SecretSourceConfig& source) {
  return source.type == SecretSourceConfig::Type::kFile
             ? secret_source::ReadSecretFile(source.location)
             : secret_source::ReadSecretEnv(source.location);
}

absl::StatusOr<crypto::SecretBytes> ReadKey(const SecretSourceConfig& source,
                                             widget::SecretKind kind) {
  absl::StatusOr<crypto::SecretBytes> displayed = ReadSource(source);
  if (!displayed.ok()) return displayed.status();
  return kind == widget::SecretKind::kEmailHash ? crypto::ParseEmailHashSecret(displayed->view())
                                                : crypto::ParseJwtSecret(displayed->view());
}

}  // namespace

absl::StatusOr<crypto::SecretBytes> ReadInitialSecretKey(const SecretSourceConfig& source,
                                                         widget::SecretKind kind) {
  absl::StatusOr<crypto::SecretBytes> key = ReadKey(source, kind);
  if (!key.ok()) {
    return absl::Status(key.status().code(),
                        absl::StrCat(source.json_path, ": ", key.status().message()));
  }
  return key;
}

}  // namespace identity::config
