#include "server/service/secret_rotator.h"

#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "server/crypto/secret_format.h"

namespace identity::service {
namespace {

struct NewSecret {
  crypto::SecretBytes key;
  std::optional<crypto::SecretBytes> displayed;  // generated secrets only
};

absl::StatusOr<NewSecret> Prepare(keyring::SecretKind kind, SecretSource source) {
  if (std::holds_alternative<GenerateSecret>(source)) {
    absl::StatusOr<crypto::GeneratedSecret> generated =
        kind == keyring::SecretKind::kEmailHash ? crypto::GenerateEmailHashSecret()
                                                : crypto::GenerateJwtSecret();
    if (!generated.ok()) return generated.status();
    return NewSecret{std::move(generated->key), std::move(generated->displayed)};
  }
  const crypto::SecretBytes& imported = std::get<crypto::SecretBytes>(source);
  absl::StatusOr<crypto::SecretBytes> key = kind == keyring::SecretKind::kEmailHash
                                                ? crypto::ParseEmailHashSecret(imported.view())
                                                : crypto::ParseJwtSecret(imported.view());
  if (!key.ok()) {
    return absl::Status(key.status().code(), absl::StrCat("secret: ", key.status().message()));
  }
  return NewSecret{*std::move(key), std::nullopt};
}

}  // namespace

SecretRotator::SecretRotator(keyring::Keyring& keyring, Clock clock)
    : keyring_(keyring), clock_(std::move(clock)) {}

absl::StatusOr<RotationResult> SecretRotator::Rotate(
    absl::string_view app_id, keyring::SecretKind kind, SecretSource source,
    std::optional<std::uint64_t> expected_version) {
  // Parse (or generate) before taking the lock: a bad secret is refused
  // without waiting for other rotations.
  absl::StatusOr<NewSecret> secret = Prepare(kind, std::move(source));
  if (!secret.ok()) return secret.status();

  std::lock_guard<std::mutex> lock(mu_);
  const std::uint64_t current = keyring_.CurrentVersion(app_id, kind);
  if (expected_version.has_value() && *expected_version != current) {
    return absl::AbortedError(absl::StrCat("expected_version: the current ",
                                           keyring::SecretKindName(kind), " secret is version ",
                                           current, ", not ", *expected_version));
  }
  absl::StatusOr<std::shared_ptr<const keyring::SecretVersion>> next =
      keyring::SecretVersion::Create(kind, current + 1, secret->key, clock_());
  if (!next.ok()) return next.status();

  RotationResult result;
  result.version = (*next)->version();
  result.fingerprint = std::string((*next)->fingerprint());
  if (absl::Status s = keyring_.Install(app_id, *std::move(next), current); !s.ok()) return s;
  result.generated_secret = std::move(secret->displayed);
  return result;
}

}  // namespace identity::service
