#ifndef IDENTITY_SERVER_CRYPTO_JWT_SIGNER_H_
#define IDENTITY_SERVER_CRYPTO_JWT_SIGNER_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "server/crypto/hmac_sha256_key.h"
#include "server/crypto/secret_bytes.h"

namespace identity::crypto {

// WidgetClaims are the claims of a chat-widget JWT, in the order they are
// written. Optional claims are written only when set. The views must outlive
// the Sign() call.
struct WidgetClaims {
  absl::string_view email;     // "email"
  absl::string_view audience;  // "aud": the widget's App ID
  std::int64_t issued_at = 0;  // "iat": seconds since the Unix epoch
  std::int64_t expires_at = 0; // "exp": seconds since the Unix epoch
  std::optional<absl::string_view> name;                 // "name"
  std::optional<absl::string_view> account_id;           // "account_id"
  std::optional<absl::string_view> account_external_id;  // "account_external_id"
  std::optional<absl::string_view> contact_id;           // "contact_id"
  std::optional<absl::string_view> contact_external_id;  // "contact_external_id"
};

// JwtSigner makes compact HS256 JWTs (RFC 7519) for a chat widget: header
// {"alg":"HS256","typ":"JWT"}, the claims as compact JSON (strings escaped as
// RFC 8259 requires), each part base64url-encoded
// without padding. Thread-safe and immutable; build one per secret version.
//
//   absl::StatusOr<JwtSigner> signer = JwtSigner::FromSecret(secret);
//   absl::StatusOr<std::string> jwt = signer->Sign(claims);
class JwtSigner {
 public:
  // Builds a signer from the secret exactly as displayed (its bytes are the
  // key; it is NOT hex-decoded): 16..256 printable ASCII characters, else
  // kInvalidArgument (the message never quotes the secret).
  static absl::StatusOr<JwtSigner> FromSecret(absl::string_view secret);

  // Builds a signer from key bytes obeying the same rules.
  static absl::StatusOr<JwtSigner> FromKey(const SecretBytes& key);

  // Signs `claims`. kInvalidArgument if a claim string is not valid UTF-8
  // (JSON cannot carry it); callers validate earlier to name the field.
  absl::StatusOr<std::string> Sign(const WidgetClaims& claims) const;

 private:
  explicit JwtSigner(HmacSha256Key key) : key_(std::move(key)) {}
  HmacSha256Key key_;
};

}  // namespace identity::crypto

#endif  // IDENTITY_SERVER_CRYPTO_JWT_SIGNER_H_
