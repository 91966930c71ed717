#include "server/crypto/jwt_signer.h"

#include <array>
#include <cstddef>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "rapidjson/allocators.h"
#include "rapidjson/encodings.h"
#include "rapidjson/stringbuffer.h"
#include "rapidjson/writer.h"
#include "server/crypto/secret_format.h"
#include "server/crypto/utf8.h"

namespace identity::crypto {
namespace {

// base64url({"alg":"HS256","typ":"JWT"}) and the dot after it: the same for
// every token.
constexpr absl::string_view kHeaderB64Dot = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.";

// The claims JSON is written by RapidJSON into a buffer on Sign()'s stack
// frame, through a memory pool that also holds the writer's nesting stack:
// no heap allocation for any realistic set of claims. Claims that outgrow the
// buffer (long names full of escapes) make the pool take chunks from the
// heap, so any size still works. The JSON is only an intermediate (it is
// base64-encoded into the token), so it never needs copying into a string.
constexpr std::size_t kJsonPoolBytes = 1024;
constexpr std::size_t kJsonInitialCapacity = 512;
using JsonPool = rapidjson::MemoryPoolAllocator<rapidjson::CrtAllocator>;
using JsonBuffer = rapidjson::GenericStringBuffer<rapidjson::UTF8<>, JsonPool>;

// Invalid UTF-8 must be refused, never passed into the token. RapidJSON's
// kWriteValidateEncodingFlag is not enough for that: the writer's validation
// reads a multi-byte sequence's continuation bytes without checking the
// string's length, so a claim that ends inside a character would take bytes
// from past its end. WriteString() therefore checks each value with the
// bounded IsValidUtf8 first, and the writer is not asked to validate again
// (it would run the same RapidJSON UTF-8 rules a second time over every byte
// of every claim, on the per-byte path that perf shows dominating Sign()).
using ClaimsWriter = rapidjson::Writer<JsonBuffer, rapidjson::UTF8<>, rapidjson::UTF8<>, JsonPool>;

// The length of the unpadded base64url form of `n` bytes.
constexpr std::size_t Base64UrlLength(std::size_t n) { return (n * 4 + 2) / 3; }

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
  alignas(std::max_align_t) char pool_buffer[kJsonPoolBytes];
  JsonPool pool(pool_buffer, sizeof(pool_buffer));
  JsonBuffer json(&pool, kJsonInitialCapacity);
  ClaimsWriter w(json, &pool, /*levelDepth=*/1);
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
  const absl::string_view json_text(json.GetString(), json.GetSize());

  // The token is built in one string reserved at its final size: the claims
  // are encoded straight into it, then the header goes in front (a short
  // move within the reserved capacity), so the token is the one allocation
  // that holds all three parts.
  std::string token;
  token.reserve(kHeaderB64Dot.size() + Base64UrlLength(json_text.size()) + 1 +
                Base64UrlLength(kHmacSha256Size));
  absl::WebSafeBase64Escape(json_text, &token);
  token.insert(0, kHeaderB64Dot.data(), kHeaderB64Dot.size());

  std::array<std::uint8_t, kHmacSha256Size> tag;
  key_.Sign(token, tag);
  token.push_back('.');
  token.append(absl::WebSafeBase64Escape(
      absl::string_view(reinterpret_cast<const char*>(tag.data()), tag.size())));
  return token;
}

}  // namespace identity::crypto
