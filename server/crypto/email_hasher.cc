#include "server/crypto/email_hasher.h"

#include <array>

#include "absl/status/status.h"
#include "server/crypto/hex.h"
#include "server/crypto/secret_format.h"

namespace identity::crypto {

absl::StatusOr<EmailHasher> EmailHasher::FromHexSecret(absl::string_view hex_secret) {
  absl::StatusOr<SecretBytes> key = ParseEmailHashSecret(hex_secret);
  if (!key.ok()) return key.status();
  return FromKey(*key);
}

absl::StatusOr<EmailHasher> EmailHasher::FromKey(const SecretBytes& key) {
  if (absl::Status s = CheckEmailHashKeySize(key.size()); !s.ok()) return s;
  absl::StatusOr<HmacSha256Key> hmac_key = HmacSha256Key::New(key.span());
  if (!hmac_key.ok()) return hmac_key.status();
  return EmailHasher(*std::move(hmac_key));
}

void EmailHasher::HashTo(absl::string_view email, char* out_hex) const {
  std::array<std::uint8_t, kHmacSha256Size> tag;
  key_.Sign(email, tag);
  HexEncodeTo(tag, out_hex);
}

std::string EmailHasher::Hash(absl::string_view email) const {
  std::string out(kEmailHashHexLength, '\0');
  HashTo(email, out.data());
  return out;
}

}  // namespace identity::crypto
