#include "server/crypto/jwt_signer.h"

#include <array>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "rapidjson/encodings.h"
#include "rapidjson/writer.h"
#include "server/crypto/secret_format.h"
#include "server/crypto/utf8.h"

namespace identity::crypto {
namespace {

// base64url({"alg":"HS256","typ":"JWT"}), the same for every token.
constexpr absl::string_view kHeaderB64 = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9";

// A RapidJSON output stream appending to a std::string. RapidJSON's own
// StringBuffer would need a second copy into the string we return.
class StringSink {
 public:
  using Ch = char;
  explicit StringSink(std::string& out) : out_(out) {}
  void Put(char c) { out_.push_back(c); }
  void Flush() {}

 private:
  std::string& out_;
};

// kWriteValidateEncodingFlag makes the writer refuse invalid UTF-8 instead of
// passing it into the token. It is not enough on its own: the writer's
// validation reads a multi-byte sequence's continuation bytes without checking
// the string's length, so a claim that ends inside a character would take
// bytes from past its end. WriteString() checks each value first.
using ClaimsWriter = rapidjson::Writer<StringSink, rapidjson::UTF8<>, rapidjson::UTF8<>,
                                       rapidjson::CrtAllocator,
                                       rapidjson::kWriteValidateEncodingFlag>;

bool WriteString(ClaimsWriter& w, absl::string_view key, absl::string_view value) {
  if (!IsValidUtf8(value)) return false;
  return w.Key(key.data(), static_cast<rapidjson::SizeType>(key.size())) &&
         w.String(value.empty() ? "" : value.data(),
                  static_cast<rapidjson::SizeType>(value.size()));
}

bool WriteOptional(ClaimsWriter& w, absl::string_view key,
                   const std::optional<absl::string_view>& value) {
  return !value.has_value() || WriteString(w, key, *value);
}

}  // namespace

absl::StatusOr<JwtSigner> JwtSigner::FromSecret(absl::string_view secret) {
  absl::StatusOr<SecretBytes> key = ParseJwtSecret(secret);
  if (!key.ok()) return key.status();
  return FromKey(*key);
}

absl::StatusOr<JwtSigner> JwtSigner::FromKey(const SecretBytes& key) {
  if (absl::Status s = ParseJwtSecret(key.view()).status(); !s.ok()) return s;
  absl::StatusOr<HmacSha256Key> hmac_key = HmacSha256Key::New(key.span());
  if (!hmac_key.ok()) return hmac_key.status();
  return JwtSigner(*std::move(hmac_key));
}

absl::StatusOr<std::string> JwtSigner::Sign(const WidgetClaims& claims) const {
  std::string json;
  json.reserve(256);
  StringSink sink(json);
  ClaimsWriter w(sink);
  const bool ok = w.StartObject() && WriteString(w, "email", claims.email) &&
                  WriteString(w, "aud", claims.audience) && w.Key("iat") &&
                  w.Int64(claims.issued_at) && w.Key("exp") && w.Int64(claims.expires_at) &&
                  WriteOptional(w, "name", claims.name) &&
                  WriteOptional(w, "account_id", claims.account_id) &&
                  WriteOptional(w, "account_external_id", claims.account_external_id) &&
                  WriteOptional(w, "contact_id", claims.contact_id) &&
                  WriteOptional(w, "contact_external_id", claims.contact_external_id) &&
                  w.EndObject();
  if (!ok) return absl::InvalidArgumentError("a JWT claim is not valid UTF-8");

  std::string claims_b64;
  absl::WebSafeBase64Escape(json, &claims_b64);

  std::string token;
  token.reserve(kHeaderB64.size() + claims_b64.size() + 2 + 43);
  token.append(kHeaderB64.data(), kHeaderB64.size());
  token.push_back('.');
  token.append(claims_b64);

  std::array<std::uint8_t, kHmacSha256Size> tag;
  key_.Sign(token, tag);
  std::string sig_b64;
  absl::WebSafeBase64Escape(
      absl::string_view(reinterpret_cast<const char*>(tag.data()), tag.size()), &sig_b64);
  token.push_back('.');
  token.append(sig_b64);
  return token;
}

}  // namespace identity::crypto
