#include "server/service/secret_rotator.h"

#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "server/common/log.h"
#include "server/crypto/secret_format.h"

namespace identity::service {
namespace {

struct NewSecret {
  crypto::SecretBytes key;
  std::optional<crypto::SecretBytes> displayed;  // generated secrets only
};

absl::StatusOr<NewSecret> Prepare(widget::SecretKind kind, SecretSource source) {
  if (std::holds_alternative<GenerateSecret>(source)) {
    absl::StatusOr<crypto::GeneratedSecret> generated =
        kind == widget::SecretKind::kEmailHash ? crypto::GenerateEmailHashSecret()
                                                : crypto::GenerateJwtSecret();
    if (!generated.ok()) return generated.status();
    return NewSecret{std::move(generated->key), std::move(generated->displayed)};
  }
  const crypto::SecretBytes& imported = std::get<crypto::SecretBytes>(source);
  absl::StatusOr<crypto::SecretBytes> key = kind == widget::SecretKind::kEmailHash
                                                ? crypto::ParseEmailHashSecret(imported.view())
                                                : crypto::ParseJwtSecret(imported.view());
  if (!key.ok()) {
    return absl::Status(key.status().code(), absl::StrCat("secret: ", key.status().message()));
  }
  return NewSecret{*std::move(key), std::nullopt};
}

// What the caller learns when the store refuses a write. kAborted means
// another writer got there first (possible with a replicated store) and is
// the caller's to see; any other failure is the store's, reported as
// UNAVAILABLE (retrying may help) with the details in the server log only:
// they name server paths, which are no business of a client.
absl::Status StoreFailure(absl::string_view app_id, const absl::Status& status) {
  if (absl::IsAborted(status)) return status;
  if (store::IsOutcomeUnknown(status)) {
    // The store's message says what to check and names no server path; the
    // caller must see it, since a retry could rotate twice.
    LogError(absl::StrCat("rotation of ", app_id, ": ", status.message()));
    return status;
  }
  LogError(absl::StrCat("rotation of ", app_id, " not made durable: ", status.message()));
  return absl::UnavailableError(
      "store: the rotation could not be made durable; nothing changed (retry later)");
}

}  // namespace

SecretRotator::SecretRotator(keyring::Keyring& keyring, store::SecretStore& store, Clock clock)
    : keyring_(keyring), store_(store), clock_(std::move(clock)) {}

absl::StatusOr<RotationResult> SecretRotator::Rotate(
    absl::string_view app_id, widget::SecretKind kind, SecretSource source,
    std::optional<std::uint64_t> expected_version, const BeforeApply& before_apply,
    absl::Time deadline) {
  // Parse (or generate) before taking the lock: a bad secret is refused
  // without waiting for other rotations.
  absl::StatusOr<NewSecret> secret = Prepare(kind, std::move(source));
  if (!secret.ok()) return secret.status();

  std::lock_guard<std::mutex> lock(mu_);
  // The store, not the keyring, says which version is current: with a
  // replicated store this replica's keyring may not have seen another
  // replica's rotation yet (the same number for the embedded store).
  absl::StatusOr<std::uint64_t> stored_current = store_.CurrentVersion(app_id, kind, deadline);
  if (!stored_current.ok()) return StoreFailure(app_id, stored_current.status());
  const std::uint64_t current = *stored_current;
  if (expected_version.has_value() && *expected_version != current) {
    return absl::AbortedError(absl::StrCat("expected_version: the current ",
                                           widget::SecretKindName(kind), " secret is version ",
                                           current, ", not ", *expected_version));
  }
  // The store keeps times to the microsecond; use the same time in memory so
  // that a restart changes nothing.
  const absl::Time created_at = store::ToStoredTime(clock_());
  absl::StatusOr<std::shared_ptr<const keyring::SecretVersion>> next =
      keyring::SecretVersion::Create(kind, current + 1, secret->key, created_at);
  if (!next.ok()) return next.status();

  RotationResult result;
  result.version = (*next)->version();
  result.fingerprint = std::string((*next)->fingerprint());
  if (before_apply) {
    const RotationPlan plan{current, result.version, result.fingerprint,
                            secret->displayed.has_value()};
    if (absl::Status s = before_apply(plan); !s.ok()) return s;
  }
  // Durable before visible: once the store holds the new version, a crash
  // loses nothing acknowledged; if it refuses, the keyring is untouched.
  store::StoredSecret stored{kind, result.version, created_at, std::move(secret->key)};
  if (absl::Status s = store_.CompareAndSetBefore(app_id, current, stored, deadline); !s.ok()) {
    return StoreFailure(app_id, s);
  }
  // False when the store's change feed (Subscribe) installed this version
  // first: the keyring then already serves it.
  keyring_.InstallIfNewer(app_id, *std::move(next));
  result.generated_secret = std::move(secret->displayed);
  return result;
}

}  // namespace identity::service
