#ifndef IDENTITY_SERVER_CRYPTO_FINGERPRINT_H_
#define IDENTITY_SERVER_CRYPTO_FINGERPRINT_H_

#include <cstddef>
#include <string>

#include "absl/types/span.h"

namespace identity::crypto {

// The length of a fingerprint in hex characters (8 bytes of SHA-256).
inline constexpr std::size_t kFingerprintLength = 16;

// Fingerprint returns the first 16 lowercase hex characters of SHA-256 over
// `key` (the bytes used as the key). Two operators can compare fingerprints to
// check they hold the same secret without revealing it; 64 bits cannot be
// inverted to the secret.
//
//   Fingerprint(key.span())  // e.g. "9f86d081884c7d65"
std::string Fingerprint(absl::Span<const std::uint8_t> key);

}  // namespace identity::crypto

#endif  // IDENTITY_SERVER_CRYPTO_FINGERPRINT_H_
