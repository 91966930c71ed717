#include "server/crypto/jwt_signer.h"

#include <array>
#include <charconv>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "server/crypto/secret_format.h"
#include "server/crypto/utf8.h"

namespace identity::crypto {
namespace {

// base64url({"alg":"HS256","typ":"JWT"}) and the dot after it: the same for
// every token.
constexpr absl::string_view kHeaderB64Dot = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.";

// The claims JSON is written by hand into one string reserved at its
// largest possible size (every claim byte escaped to six), so nothing
// reallocates while it is written, plain bytes are skipped eight at a time,
// and each key is one literal: the object's shape is fixed, so RapidJSON's
// general writer (36 % of Sign() with all claims) bought nothing here
// (Sign() with all claims: 758 -> 575 ns, docs/benchmarks.md, part 1).
// The JSON is only an intermediate (it is base64-encoded into the token).
//
// Invalid UTF-8 must be refused, never passed into the token: each value
// with a byte above 0x7F is checked with the bounded IsValidUtf8. Escaping follows RFC 8259 (as
// RapidJSON's writer did): '"', '\\' and the control characters below 0x20
// (\b \f \n \r \t by name, the rest as \u00XX); every other byte, multi-byte
// UTF-8 included, is copied as it is.
constexpr std::size_t kMaxEscapedBytesPerByte = 6;  // \u00XX

// The length of the unpadded base64url form of `n` bytes.
constexpr std::size_t Base64UrlLength(std::size_t n) { return (n * 4 + 2) / 3; }

// Eight bytes of a string as one word (byte order does not matter below).
std::uint64_t LoadWord(const char* p) {
  std::uint64_t w;
  std::memcpy(&w, p, sizeof(w));
  return w;
}

// Whether any byte of `w` is below 0x20, '"', '\\' or above 0x7F: the bytes
// AppendJsonString must look at (the classic "has a zero byte" test, exact
// for bytes below 0x80, with the high bits tested separately).
bool HasSpecialByte(std::uint64_t w) {
  constexpr std::uint64_t kOnes = 0x0101010101010101;
  constexpr std::uint64_t kHigh = 0x8080808080808080;
  const auto has_zero = [](std::uint64_t x) { return (x - kOnes) & ~x & kHigh; };
  const auto has_less_than = [](std::uint64_t x, std::uint8_t n) {
    return (x - kOnes * n) & ~x & kHigh;
  };
  return ((w & kHigh) | has_less_than(w, 0x20) | has_zero(w ^ (kOnes * '"')) |
          has_zero(w ^ (kOnes * '\\'))) != 0;
}

// Appends `value` as a JSON string, quotes included; false if it is not
// valid UTF-8.
bool AppendJsonString(std::string& out, absl::string_view value) {
  static constexpr char kHex[] = "0123456789abcdef";
  out.push_back('"');
  std::size_t copied = 0;
  bool utf8_checked = false;
  for (std::size_t i = 0; i < value.size(); ++i) {
    // Eight plain bytes at a time (printable ASCII, no '"' or '\\'), the
    // common case; any other byte is looked at alone below.
    while (i + 8 <= value.size() && !HasSpecialByte(LoadWord(value.data() + i))) i += 8;
    if (i == value.size()) break;
    const unsigned char c = static_cast<unsigned char>(value[i]);
    if (c >= 0x80) {
      // The bytes before the first non-ASCII one are ASCII, whole code
      // points: checking from here on checks the whole value. Claims are
      // mostly ASCII, and then never go through the UTF-8 decoder.
      if (!utf8_checked && !IsValidUtf8(value.substr(i))) return false;
      utf8_checked = true;
      continue;
    }
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out.append(value.data() + copied, i - copied);
    copied = i + 1;
    switch (c) {
      case '"': out.append("\\\""); break;
      case '\\': out.append("\\\\"); break;
      case '\b': out.append("\\b"); break;
      case '\f': out.append("\\f"); break;
      case '\n': out.append("\\n"); break;
      case '\r': out.append("\\r"); break;
      case '\t': out.append("\\t"); break;
      default: {
        const char escaped[] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 0xf]};
        out.append(escaped, sizeof(escaped));
      }
    }
  }
  out.append(value.data() + copied, value.size() - copied);
  out.push_back('"');
  return true;
}

// Each member is appended with its key's whole prefix as one literal: the
// comma (the object's '{' for the first), the quoted key and the colon.
bool AppendStringMember(std::string& out, absl::string_view prefix, absl::string_view value) {
  out.append(prefix.data(), prefix.size());
  return AppendJsonString(out, value);
}

bool AppendOptionalMember(std::string& out, absl::string_view prefix,
                          const std::optional<absl::string_view>& value) {
  return !value.has_value() || AppendStringMember(out, prefix, *value);
}

void AppendIntMember(std::string& out, absl::string_view prefix, std::int64_t value) {
  out.append(prefix.data(), prefix.size());
  char digits[24];  // 20 digits and a sign at most
  const std::to_chars_result r = std::to_chars(digits, digits + sizeof(digits), value);
  out.append(digits, r.ptr);
}

// The most bytes the claims JSON of `claims` can take.
std::size_t MaxClaimsJsonSize(const WidgetClaims& claims) {
  std::size_t values = claims.email.size() + claims.audience.size();
  for (const std::optional<absl::string_view>* v :
       {&claims.name, &claims.account_id, &claims.account_external_id, &claims.contact_id,
        &claims.contact_external_id}) {
    if (v->has_value()) values += (*v)->size();
  }
  // Keys, quotes, separators and two 20-digit integers: under 256 bytes.
  return 256 + kMaxEscapedBytesPerByte * values;
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
  json.reserve(MaxClaimsJsonSize(claims));
  bool ok = AppendStringMember(json, "{\"email\":", claims.email) &&
            AppendStringMember(json, ",\"aud\":", claims.audience);
  AppendIntMember(json, ",\"iat\":", claims.issued_at);
  AppendIntMember(json, ",\"exp\":", claims.expires_at);
  ok = ok && AppendOptionalMember(json, ",\"name\":", claims.name) &&
       AppendOptionalMember(json, ",\"account_id\":", claims.account_id) &&
       AppendOptionalMember(json, ",\"account_external_id\":", claims.account_external_id) &&
       AppendOptionalMember(json, ",\"contact_id\":", claims.contact_id) &&
       AppendOptionalMember(json, ",\"contact_external_id\":", claims.contact_external_id);
  if (!ok) return absl::InvalidArgumentError("a JWT claim is not valid UTF-8");
  json.push_back('}');
  const absl::string_view json_text(json);

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
