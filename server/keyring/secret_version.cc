#include "server/keyring/secret_version.h"

#include <cstring>

namespace identity::keyring {

using widget::SecretKind;

SecretVersion::SecretVersion(SecretKind kind, std::uint64_t version,
                             absl::string_view fingerprint, absl::Time created_at,
                             Signer signer)
    : kind_(kind), version_(version), created_at_(created_at), signer_(std::move(signer)) {
  std::memcpy(fingerprint_, fingerprint.data(), crypto::kFingerprintLength);
}

absl::StatusOr<std::shared_ptr<const SecretVersion>> SecretVersion::Create(
    SecretKind kind, std::uint64_t version, const crypto::SecretBytes& key,
    absl::Time created_at) {
  const std::string fingerprint = crypto::Fingerprint(key.span());
  if (kind == SecretKind::kEmailHash) {
    absl::StatusOr<crypto::EmailHasher> hasher = crypto::EmailHasher::FromKey(key);
    if (!hasher.ok()) return hasher.status();
    return std::shared_ptr<const SecretVersion>(
        new SecretVersion(kind, version, fingerprint, created_at, *std::move(hasher)));
  }
  absl::StatusOr<crypto::JwtSigner> signer = crypto::JwtSigner::FromKey(key);
  if (!signer.ok()) return signer.status();
  return std::shared_ptr<const SecretVersion>(
      new SecretVersion(kind, version, fingerprint, created_at, *std::move(signer)));
}

}  // namespace identity::keyring
