#include "server/crypto/secret_format.h"

#include <openssl/crypto.h>

#include "absl/strings/str_cat.h"
#include <string>

#include "absl/strings/escaping.h"
#include "server/crypto/hex.h"
#include "server/crypto/random.h"

namespace identity::crypto {

absl::Status CheckEmailHashKeySize(std::size_t key_len) {
  if (key_len < kMinEmailHashKeyBytes || key_len > kMaxEmailHashKeyBytes) {
    return absl::InvalidArgumentError(absl::StrCat(
        "email-hash secret must decode to ", kMinEmailHashKeyBytes, "..",
        kMaxEmailHashKeyBytes, " bytes (", 2 * kMinEmailHashKeyBytes, "..",
        2 * kMaxEmailHashKeyBytes, " hex digits); got ", key_len, " bytes"));
  }
  return absl::OkStatus();
}

absl::StatusOr<SecretBytes> ParseEmailHashSecret(absl::string_view hex_secret) {
  absl::StatusOr<SecretBytes> key = StrictHexDecode(hex_secret);
  if (!key.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("email-hash secret ", key.status().message()));
  }
  if (absl::Status s = CheckEmailHashKeySize(key->size()); !s.ok()) return s;
  return key;
}

absl::StatusOr<SecretBytes> ParseJwtSecret(absl::string_view secret) {
  if (secret.size() < kMinJwtSecretChars || secret.size() > kMaxJwtSecretChars) {
    return absl::InvalidArgumentError(absl::StrCat(
        "JWT secret must be ", kMinJwtSecretChars, "..", kMaxJwtSecretChars,
        " characters; got ", secret.size()));
  }
  for (std::size_t i = 0; i < secret.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(secret[i]);
    if (c < 0x20 || c > 0x7e) {
      return absl::InvalidArgumentError(absl::StrCat(
          "JWT secret must be printable ASCII (0x20..0x7E); offending character at offset ",
          i));
    }
  }
  return SecretBytes::Copy(secret);
}

absl::StatusOr<GeneratedSecret> GenerateEmailHashSecret() {
  absl::StatusOr<SecretBytes> key = RandomSecretBytes(kGeneratedSecretBytes);
  if (!key.ok()) return key.status();
  SecretBytes displayed(2 * key->size());
  HexEncodeTo(key->span(), reinterpret_cast<char*>(displayed.mutable_data()));
  return GeneratedSecret{*std::move(key), std::move(displayed)};
}

absl::StatusOr<GeneratedSecret> GenerateJwtSecret() {
  absl::StatusOr<SecretBytes> random = RandomSecretBytes(kGeneratedSecretBytes);
  if (!random.ok()) return random.status();
  // absl writes base64url without padding into a std::string; copy it into
  // secret memory and cleanse the temporary.
  std::string text;
  absl::WebSafeBase64Escape(random->view(), &text);
  SecretBytes displayed = SecretBytes::Copy(text);
  OPENSSL_cleanse(text.data(), text.size());
  // The JWT key is the displayed text itself, exactly as the vendor uses it.
  SecretBytes key = SecretBytes::Copy(displayed.view());
  return GeneratedSecret{std::move(key), std::move(displayed)};
}

}  // namespace identity::crypto
