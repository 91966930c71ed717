#include "server/config/keyring_seeder.h"

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "server/config/secret_source_reader.h"
#include "server/crypto/secret_format.h"

namespace identity::config {
namespace {

absl::StatusOr<crypto::SecretBytes> ReadSource(const SecretSourceConfig& source) {
  return source.type == SecretSourceConfig::Type::kFile ? ReadSecretFile(source.location)
                                                        : ReadSecretEnv(source.location);
}

absl::StatusOr<crypto::SecretBytes> ReadKey(const SecretSourceConfig& source,
                                             keyring::SecretKind kind) {
  absl::StatusOr<crypto::SecretBytes> displayed = ReadSource(source);
  if (!displayed.ok()) return displayed.status();
  return kind == keyring::SecretKind::kEmailHash ? crypto::ParseEmailHashSecret(displayed->view())
                                                 : crypto::ParseJwtSecret(displayed->view());
}

absl::StatusOr<std::shared_ptr<const keyring::SecretVersion>> LoadSecret(
    const SecretSourceConfig& source, keyring::SecretKind kind, absl::Time now) {
  absl::StatusOr<crypto::SecretBytes> key = ReadKey(source, kind);
  if (!key.ok()) return key.status();
  return keyring::SecretVersion::Create(kind, 1, *key, now);
}

}  // namespace

absl::StatusOr<crypto::SecretBytes> ReadInitialSecretKey(const SecretSourceConfig& source,
                                                         keyring::SecretKind kind) {
  absl::StatusOr<crypto::SecretBytes> key = ReadKey(source, kind);
  if (!key.ok()) {
    return absl::Status(key.status().code(),
                        absl::StrCat(source.json_path, ": ", key.status().message()));
  }
  return key;
}

absl::Status SeedKeyring(const ServerConfig& config, keyring::Keyring& keyring, absl::Time now) {
  struct Pending {
    const std::string* app_id;
    std::shared_ptr<const keyring::SecretVersion> version;
  };
  std::vector<Pending> pending;
  for (const WidgetConfig& widget : config.widgets) {
    const std::pair<const std::optional<SecretSourceConfig>*, keyring::SecretKind> slots[] = {
        {&widget.email_hash_secret, keyring::SecretKind::kEmailHash},
        {&widget.jwt_secret, keyring::SecretKind::kJwt}};
    for (const auto& [source, kind] : slots) {
      if (!source->has_value()) continue;
      absl::StatusOr<std::shared_ptr<const keyring::SecretVersion>> version =
          LoadSecret(**source, kind, now);
      if (!version.ok()) {
        return absl::Status(version.status().code(), absl::StrCat((*source)->json_path, ": ",
                                                                  version.status().message()));
      }
      pending.push_back({&widget.app_id, *std::move(version)});
    }
  }
  for (const WidgetConfig& widget : config.widgets) keyring.Register(widget.app_id);
  for (Pending& p : pending) {
    if (absl::Status s = keyring.Install(*p.app_id, std::move(p.version), 0); !s.ok()) return s;
  }
  return absl::OkStatus();
}

}  // namespace identity::config
