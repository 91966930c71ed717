#ifndef IDENTITY_SERVER_KEYRING_SECRET_VERSION_H_
#define IDENTITY_SERVER_KEYRING_SECRET_VERSION_H_

#include <cstdint>
#include <memory>
#include <variant>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "server/crypto/email_hasher.h"
#include "server/crypto/fingerprint.h"
#include "server/crypto/jwt_signer.h"
#include "server/crypto/secret_bytes.h"
#include "server/widget/secret_kind.h"

namespace identity::keyring {

// SecretVersion is one version of one widget secret, ready to sign: the kind,
// the version number, the fingerprint, when it was made, and the keyed signer
// (whose derived key state lives in secret memory). Immutable, so any number
// of issue calls may use it at once; shared through std::shared_ptr, so a
// replaced version is destroyed, and its key state cleansed, when the last
// call still using it finishes.
class SecretVersion {
 public:
  // Builds version `version` of a `kind` secret from its key bytes (the
  // hex-decoded bytes for kEmailHash, the displayed characters for kJwt).
  // kInvalidArgument if the key breaks the kind's rules.
  static absl::StatusOr<std::shared_ptr<const SecretVersion>> Create(
      widget::SecretKind kind, std::uint64_t version, const crypto::SecretBytes& key,
      absl::Time created_at);

  widget::SecretKind kind() const { return kind_; }
  std::uint64_t version() const { return version_; }
  // First 16 hex characters of SHA-256 over the key bytes.
  absl::string_view fingerprint() const {
    return absl::string_view(fingerprint_, crypto::kFingerprintLength);
  }
  absl::Time created_at() const { return created_at_; }

  // The signer for kEmailHash versions; null for other kinds.
  const crypto::EmailHasher* email_hasher() const {
    return std::get_if<crypto::EmailHasher>(&signer_);
  }
  // The signer for kJwt versions; null for other kinds.
  const crypto::JwtSigner* jwt_signer() const { return std::get_if<crypto::JwtSigner>(&signer_); }

 private:
  using Signer = std::variant<crypto::EmailHasher, crypto::JwtSigner>;
  SecretVersion(widget::SecretKind kind, std::uint64_t version, absl::string_view fingerprint,
                absl::Time created_at, Signer signer);

  const widget::SecretKind kind_;
  const std::uint64_t version_;
  // Inline rather than std::string: 16 characters would not fit the small-
  // string buffer, and the keyring keeps one per widget and kind.
  char fingerprint_[crypto::kFingerprintLength];
  const absl::Time created_at_;
  const Signer signer_;
};

}  // namespace identity::keyring

#endif  // IDENTITY_SERVER_KEYRING_SECRET_VERSION_H_
