// Fuzzes the widget JWT inspector (crypto::ParsedJwt::Parse and
// crypto::InspectWidgetJwt), which takes a token from the caller of
// VerifyWidgetToken: any bytes as the token.
//
// Properties, beyond "no crash, no sanitizer report":
//  * a refusal is INVALID_ARGUMENT with a message starting "jwt: ", in
//    printable ASCII (it never quotes the token);
//  * an inspected token has exactly one finding per check, in check order,
//    each message printable ASCII (the token's text is quoted only when
//    short and printable), and the verdict is VALID exactly when no finding
//    failed;
//  * a signature is attributed to a key only for alg HS256, and only when
//    OpenSSL's one-shot HMAC-SHA256 of header.payload under that key equals
//    it (the inspector uses its own keyed context).

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "server/crypto/hmac_sha256_key.h"
#include "server/crypto/jwt_inspector.h"
#include "tests/fuzz/fuzz_support.h"

namespace identity::fuzz {
namespace {

constexpr absl::string_view kPreviousSecret = "fuzz-previous-jwt-secret-9876";

const crypto::HmacSha256Key& KeyOf(absl::string_view secret) {
  absl::StatusOr<crypto::HmacSha256Key> key = crypto::HmacSha256Key::New(absl::MakeConstSpan(
      reinterpret_cast<const std::uint8_t*>(secret.data()), secret.size()));
  FUZZ_CHECK(key.ok(), key.status().ToString());
  return *new crypto::HmacSha256Key(*std::move(key));  // for the process's life
}

// OpenSSL's one-shot HMAC-SHA256 of the token's header.payload under `secret`.
std::string OneShotTag(absl::string_view jwt, absl::string_view secret) {
  const std::size_t second_dot = jwt.find('.', jwt.find('.') + 1);
  const absl::string_view input = jwt.substr(0, second_dot);
  unsigned char tag[EVP_MAX_MD_SIZE];
  unsigned int tag_len = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(input.data()), input.size(), tag, &tag_len);
  return std::string(reinterpret_cast<const char*>(tag), tag_len);
}

void Inspect(absl::string_view jwt) {
  static const crypto::HmacSha256Key& current = KeyOf(kFuzzJwtSecret);
  static const crypto::HmacSha256Key& previous = KeyOf(kPreviousSecret);
  const crypto::JwtKeyVersion keys[] = {{2, &current}, {1, &previous}};
  const absl::StatusOr<crypto::JwtInspection> r = crypto::InspectWidgetJwt(
      jwt, keys,
      crypto::JwtInspectionRules{"fuzz-widget", absl::FromUnixSeconds(1800000000),
                                 absl::Seconds(900), absl::Seconds(60)});
  if (!r.ok()) {
    FUZZ_CHECK(r.status().code() == absl::StatusCode::kInvalidArgument, r.status().ToString());
    FUZZ_CHECK(absl::StartsWith(r.status().message(), "jwt: "), r.status().ToString());
    FUZZ_CHECK(IsPrintableAscii(r.status().message()), absl::CEscape(r.status().message()));
    return;
  }
  FUZZ_CHECK(r->findings.size() == crypto::kJwtCheckCount, "one finding per check");
  bool failed = false;
  for (std::size_t i = 0; i < r->findings.size(); ++i) {
    const crypto::JwtFinding& f = r->findings[i];
    FUZZ_CHECK(static_cast<std::size_t>(f.check) == i, "findings in check order");
    FUZZ_CHECK(IsPrintableAscii(f.message) && !f.message.empty(), absl::CEscape(f.message));
    failed = failed || f.result == crypto::FindingResult::kFail;
  }
  FUZZ_CHECK(failed == (r->verdict != crypto::JwtVerdict::kValid), "verdict agrees");
  if (r->signed_by_version.has_value()) {
    FUZZ_CHECK(r->alg == "HS256", "a signature is attributed only for HS256");
    const std::vector<absl::string_view> parts = absl::StrSplit(jwt, '.');
    std::string signature;
    FUZZ_CHECK(parts.size() == 3 && absl::WebSafeBase64Unescape(parts[2], &signature),
               "a parsed token has three parts");
    const absl::string_view secret = *r->signed_by_version == 2 ? kFuzzJwtSecret : kPreviousSecret;
    FUZZ_CHECK(OneShotTag(jwt, secret) == signature, "the signature is the key's HMAC");
  }
}

}  // namespace
}  // namespace identity::fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  identity::fuzz::Inspect(identity::fuzz::AsView(data, size));
  return 0;
}
