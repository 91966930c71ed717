// The low-level SHA-256 API, as in hmac_sha256_key.cc: OpenSSL 3's one-shot
// SHA256() fetches the algorithm from the provider on every call (a lock and
// reference counts: ~440 ns for a 250-byte token against ~200 ns here), and
// IssueWidgetToken fingerprints every token it issues (the audit event's).
#define OPENSSL_SUPPRESS_DEPRECATED 1

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
  // SHA256_Init/Update/Final cannot fail (both libraries return 1
  // unconditionally).
  SHA256_CTX ctx;
  SHA256_Init(&ctx);
  SHA256_Update(&ctx, key.empty() ? &kEmpty : key.data(), key.size());
  SHA256_Final(digest.data(), &ctx);
  std::string out = HexEncode(absl::MakeConstSpan(digest.data(), kFingerprintLength / 2));
  OPENSSL_cleanse(&ctx, sizeof(ctx));
  OPENSSL_cleanse(digest.data(), digest.size());
  return out;
}

}  // namespace identity::crypto
