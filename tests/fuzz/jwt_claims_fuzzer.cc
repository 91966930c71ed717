// Fuzzes the JWT claim encoder (crypto::JwtSigner::Sign) with any bytes in
// any claim, valid UTF-8 or not: request validation refuses much of that
// earlier, but the encoder must not depend on it.
//
// Input: records "KEY=VALUE" separated by the byte 0xFF (which never occurs
// in UTF-8, so every other byte, NUL and newline included, can be in a
// value). KEY is one of email, aud, iat, exp, name, account_id,
// account_external_id, contact_id, contact_external_id; iat and exp are
// decimal (0 if not a number). A later record wins; unknown keys are ignored;
// optional claims are set when present, even if empty.
//
// Properties, beyond "no crash, no sanitizer report":
//  * Sign fails exactly when some claim is not valid UTF-8 (by a second,
//    independent decoder), with INVALID_ARGUMENT;
//  * the token is header.payload.signature, the header the fixed HS256 one,
//    each part unpadded base64url;
//  * the payload parses back as JSON (nlohmann/json: strict, and
//    independent of the signer's own JSON writer) into an object with exactly the
//    claims given, in the documented order, with the same values;
//  * the signature is HMAC-SHA256 of header.payload under the key (OpenSSL's
//    one-shot HMAC, not the signer's own keyed context).

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "nlohmann/json.hpp"
#include "server/crypto/jwt_signer.h"
#include "tests/fuzz/fuzz_support.h"

namespace identity::fuzz {
namespace {

constexpr absl::string_view kHeader = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9";
constexpr absl::string_view kOptionalKeys[] = {"name", "account_id", "account_external_id",
                                               "contact_id", "contact_external_id"};

struct Input {
  std::string email, aud;
  std::int64_t iat = 0, exp = 0;
  std::optional<std::string> optional[std::size(kOptionalKeys)];
};

Input ParseInput(absl::string_view bytes) {
  Input in;
  for (absl::string_view record : absl::StrSplit(bytes, '\xff')) {
    const std::size_t eq = record.find('=');
    if (eq == absl::string_view::npos) continue;
    const absl::string_view key = record.substr(0, eq);
    const absl::string_view value = record.substr(eq + 1);
    if (key == "email") in.email = std::string(value);
    if (key == "aud") in.aud = std::string(value);
    if (key == "iat" && !absl::SimpleAtoi(value, &in.iat)) in.iat = 0;
    if (key == "exp" && !absl::SimpleAtoi(value, &in.exp)) in.exp = 0;
    for (std::size_t i = 0; i < std::size(kOptionalKeys); ++i) {
      if (key == kOptionalKeys[i]) in.optional[i] = std::string(value);
    }
  }
  return in;
}

bool IsBase64UrlUnpadded(absl::string_view part) {
  if (part.size() % 4 == 1) return false;  // no length of bytes encodes to that
  for (char c : part) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') return false;
  }
  return true;
}

void Check(const Input& in) {
  crypto::WidgetClaims claims;
  claims.email = in.email;
  claims.audience = in.aud;
  claims.issued_at = in.iat;
  claims.expires_at = in.exp;
  std::optional<absl::string_view>* const optional_claims[] = {
      &claims.name, &claims.account_id, &claims.account_external_id, &claims.contact_id,
      &claims.contact_external_id};
  // The claims the payload must hold, in order: a string, or else a number.
  struct Expected {
    std::string key;
    std::optional<std::string> text;
    std::int64_t number = 0;
  };
  std::vector<Expected> expected = {
      {"email", in.email}, {"aud", in.aud}, {"iat", std::nullopt, in.iat},
      {"exp", std::nullopt, in.exp}};
  bool all_utf8 = DecodeUtf8(in.email).has_value() && DecodeUtf8(in.aud).has_value();
  for (std::size_t i = 0; i < std::size(kOptionalKeys); ++i) {
    if (!in.optional[i].has_value()) continue;
    *optional_claims[i] = *in.optional[i];
    expected.push_back({std::string(kOptionalKeys[i]), *in.optional[i]});
    all_utf8 = all_utf8 && DecodeUtf8(*in.optional[i]).has_value();
  }

  const absl::StatusOr<std::string> token = FuzzJwtSigner().Sign(claims);
  if (!all_utf8) {
    FUZZ_CHECK(!token.ok() && token.status().code() == absl::StatusCode::kInvalidArgument,
               "a claim that is not UTF-8 was signed (or failed with the wrong code)");
    return;
  }
  FUZZ_CHECK(token.ok(), token.status().ToString());

  const std::vector<absl::string_view> parts = absl::StrSplit(*token, '.');
  FUZZ_CHECK(parts.size() == 3, *token);
  FUZZ_CHECK(parts[0] == kHeader, *token);
  FUZZ_CHECK(IsBase64UrlUnpadded(parts[1]) && IsBase64UrlUnpadded(parts[2]), *token);

  std::string payload;
  FUZZ_CHECK(absl::WebSafeBase64Unescape(parts[1], &payload), *token);
  nlohmann::ordered_json json;
  try {
    json = nlohmann::ordered_json::parse(payload);
  } catch (const nlohmann::json::exception& e) {
    FUZZ_CHECK(false, absl::StrCat("the payload is not JSON (", e.what(), "): ",
                                   absl::CEscape(payload)));
  }
  FUZZ_CHECK(json.is_object(), payload);
  FUZZ_CHECK(json.size() == expected.size(), absl::CEscape(payload));
  auto it = json.begin();
  for (const Expected& claim : expected) {
    const bool same =
        it.key() == claim.key &&
        (claim.text.has_value()
             ? it.value().is_string() && it.value().get_ref<const std::string&>() == *claim.text
             : it.value().is_number_integer() &&
                   it.value().get<std::int64_t>() == claim.number);
    FUZZ_CHECK(same, absl::StrCat(claim.key, " in ", absl::CEscape(payload)));
    ++it;
  }

  std::string signature;
  FUZZ_CHECK(absl::WebSafeBase64Unescape(parts[2], &signature), *token);
  const std::string signed_part = absl::StrCat(parts[0], ".", parts[1]);
  std::uint8_t mac[EVP_MAX_MD_SIZE];
  unsigned int mac_len = 0;
  FUZZ_CHECK(HMAC(EVP_sha256(), kFuzzJwtSecret.data(), static_cast<int>(kFuzzJwtSecret.size()),
                  reinterpret_cast<const std::uint8_t*>(signed_part.data()), signed_part.size(),
                  mac, &mac_len) != nullptr,
             "HMAC");
  FUZZ_CHECK(signature == absl::string_view(reinterpret_cast<const char*>(mac), mac_len),
             "the signature is not HMAC-SHA256 of header.payload");
}

}  // namespace
}  // namespace identity::fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace identity::fuzz;
  Check(ParseInput(AsView(data, size)));
  return 0;
}
