#ifndef IDENTITY_SERVER_CRYPTO_EMAIL_HASHER_H_
#define IDENTITY_SERVER_CRYPTO_EMAIL_HASHER_H_

#include <cstddef>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "server/crypto/hmac_sha256_key.h"
#include "server/crypto/secret_bytes.h"

namespace identity::crypto {

// The length of an email hash: lowercase hex of a 32-byte HMAC-SHA256 tag.
inline constexpr std::size_t kEmailHashHexLength = 2 * kHmacSha256Size;

// EmailHasher makes the widget vendor's "HMAC email hash":
// hex(HMAC-SHA256(key = hex_decode(secret), message = email)), lowercase.
// Thread-safe and immutable; build one per secret version.
//
//   absl::StatusOr<EmailHasher> hasher = EmailHasher::FromHexSecret(secret);
//   std::string hash = hasher->Hash("jane@example.com");
class EmailHasher {
 public:
  // Builds a hasher from the secret as the vendor displays it: hex (either
  // case, even length) decoding to 16..64 bytes. kInvalidArgument otherwise;
  // the message describes the rule broken and never quotes the secret.
  static absl::StatusOr<EmailHasher> FromHexSecret(absl::string_view hex_secret);

  // Builds a hasher from already-decoded key bytes (16..64 of them).
  static absl::StatusOr<EmailHasher> FromKey(const SecretBytes& key);

  // Returns the 64-character lowercase hex hash of `email`, taken exactly as
  // given (no normalisation: the widget compares bytes).
  std::string Hash(absl::string_view email) const;

  // Writes the hash to `out_hex`, which has room for kEmailHashHexLength chars.
  void HashTo(absl::string_view email, char* out_hex) const;

 private:
  explicit EmailHasher(HmacSha256Key key) : key_(std::move(key)) {}
  HmacSha256Key key_;
};

}  // namespace identity::crypto

#endif  // IDENTITY_SERVER_CRYPTO_EMAIL_HASHER_H_
