#include "server/crypto/fingerprint.h"

#include <openssl/crypto.h>
#include <openssl/sha.h>

#include <array>
#include <cstdint>

#include "server/crypto/hex.h"

namespace identity::crypto {

std::string Fingerprint(absl::Span<const std::uint8_t> key) {
  std::array<std::uint8_t, SHA256_DIGEST_LENGTH> digest;
  static const std::uint8_t kEmpty = 0;  // non-null even for an empty key
  SHA256(key.empty() ? &kEmpty : key.data(), key.size(), digest.data());
  std::string out = HexEncode(absl::MakeConstSpan(digest.data(), kFingerprintLength / 2));
  OPENSSL_cleanse(digest.data(), digest.size());
  return out;
}

}  // namespace identity::crypto
