#ifndef IDENTITY_SERVER_CRYPTO_SECRET_FORMAT_H_
#define IDENTITY_SERVER_CRYPTO_SECRET_FORMAT_H_

#include <cstddef>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "server/crypto/secret_bytes.h"

namespace identity::crypto {

// The rules for the two kinds of widget secret, and the displayed form of
// generated ones. Error messages state the rule broken and never the secret.

// Email-hash keys (hex-decoded) are 16..64 bytes.
inline constexpr std::size_t kMinEmailHashKeyBytes = 16;
inline constexpr std::size_t kMaxEmailHashKeyBytes = 64;
// JWT secrets are 16..256 printable ASCII characters (0x20..0x7E).
inline constexpr std::size_t kMinJwtSecretChars = 16;
inline constexpr std::size_t kMaxJwtSecretChars = 256;
// Generated secrets carry 32 bytes from the CSPRNG.
inline constexpr std::size_t kGeneratedSecretBytes = 32;

// Checks that an email-hash key of `key_len` decoded bytes is allowed.
absl::Status CheckEmailHashKeySize(std::size_t key_len);

// Decodes an email-hash secret as displayed (hex, either case, even length)
// into its 16..64 key bytes. kInvalidArgument otherwise.
absl::StatusOr<SecretBytes> ParseEmailHashSecret(absl::string_view hex_secret);

// Checks a JWT secret as displayed: 16..256 characters, each printable ASCII
// (0x20..0x7E). Returns its bytes, which are the HS256 key exactly as they
// are (not hex-decoded). kInvalidArgument otherwise.
absl::StatusOr<SecretBytes> ParseJwtSecret(absl::string_view secret);

// A freshly generated secret: the key bytes and the form shown to the operator
// once (and entered into the widget vendor's settings).
struct GeneratedSecret {
  // The bytes the service keys with (the decoded hex for an email-hash secret,
  // the displayed characters for a JWT secret).
  SecretBytes key;
  // The form to display: 64 lowercase hex characters for an email-hash secret,
  // 43 base64url characters without padding for a JWT secret.
  SecretBytes displayed;
};

// Generates an email-hash secret from 32 CSPRNG bytes.
absl::StatusOr<GeneratedSecret> GenerateEmailHashSecret();

// Generates a JWT secret: 32 CSPRNG bytes, displayed (and keyed) as base64url.
absl::StatusOr<GeneratedSecret> GenerateJwtSecret();

}  // namespace identity::crypto

#endif  // IDENTITY_SERVER_CRYPTO_SECRET_FORMAT_H_
