// Fuzzes what a caller sends: the bytes of a request message as gRPC hands
// them to protobuf, parsed as each of the five request types in turn (their
// field numbers overlap, so one input exercises all), then checked by the
// rules the handlers apply before authorization, in the handlers' order
// (server/service/identity_service_impl.cc).
//
// Properties, beyond "no crash, no sanitizer report":
//  * a field the rules accept has its documented shape, checked here with
//    independent code (app_id characters and length, one '@' in an email,
//    UTF-8 by a second decoder, no whitespace or control characters, ttl
//    range, page size range, the secret formats);
//  * a field the rules refuse gets INVALID_ARGUMENT whose message starts with
//    the field's name and is printable ASCII (it cannot carry the raw bytes of
//    the value into a log), and never contains a refused secret;
//  * ValidateWidgetTokenRequest, the handler's check of a whole
//    IssueWidgetToken request, agrees with the field rules one by one, names
//    the first broken one, returns the request's values, and what it accepts
//    is always signable;
//  * a page token that decodes names a valid app_id, and the token made for
//    that app_id decodes to it again.

#include <google/protobuf/stubs/logging.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "identity/v1/identity.pb.h"
#include "server/crypto/jwt_signer.h"
#include "server/crypto/secret_format.h"
#include "server/service/page_token.h"
#include "server/service/request_validation.h"
#include "server/widget/app_id.h"
#include "tests/fuzz/fuzz_support.h"

namespace identity::fuzz {
namespace {

using service::kMaxClaimBytes;
using service::kMaxEmailBytes;
using service::kMinEmailBytes;

// A refused field: INVALID_ARGUMENT, "FIELD: ...", printable ASCII.
void CheckRefusal(const absl::Status& status, absl::string_view field) {
  FUZZ_CHECK(status.code() == absl::StatusCode::kInvalidArgument, status.ToString());
  FUZZ_CHECK(absl::StartsWith(status.message(), absl::StrCat(field, ": ")), status.ToString());
  FUZZ_CHECK(IsPrintableAscii(status.message()), absl::CEscape(status.message()));
}

// Each Check* below applies one field's rule and returns whether it accepted
// the value, after checking what the acceptance or the refusal promises.
bool CheckAppId(absl::string_view app_id) {
  const absl::Status status = widget::ValidateAppId(app_id);
  if (!status.ok()) {
    CheckRefusal(status, "app_id");
    return false;
  }
  FUZZ_CHECK(!app_id.empty() && app_id.size() <= widget::kMaxAppIdLength, "app_id length");
  for (char c : app_id) {
    FUZZ_CHECK(absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' ||
                   c == '-',
               absl::CEscape(app_id));
  }
  return true;
}

bool IsControl(char32_t cp) { return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f); }

bool CheckEmail(absl::string_view email) {
  const absl::Status status = service::ValidateEmail(email);
  if (!status.ok()) {
    CheckRefusal(status, "email");
    return false;
  }
  FUZZ_CHECK(email.size() >= kMinEmailBytes && email.size() <= kMaxEmailBytes, "email length");
  const std::size_t at = email.find('@');
  FUZZ_CHECK(at != absl::string_view::npos && at > 0 && at + 1 < email.size() &&
                 email.find('@', at + 1) == absl::string_view::npos,
             absl::CEscape(email));
  const std::optional<std::vector<char32_t>> code_points = DecodeUtf8(email);
  FUZZ_CHECK(code_points.has_value(),
             absl::StrCat("accepted invalid UTF-8: ", absl::CEscape(email)));
  for (char32_t cp : *code_points) {
    const bool space = cp == 0x20 || cp == 0x85 || cp == 0xa0 || cp == 0x1680 ||
                       (cp >= 0x2000 && cp <= 0x200a) || cp == 0x2028 || cp == 0x2029 ||
                       cp == 0x202f || cp == 0x205f || cp == 0x3000;
    FUZZ_CHECK(!space && !IsControl(cp), absl::CEscape(email));
  }
  return true;
}

bool CheckClaim(absl::string_view field, bool has, const std::string& value, bool allow_empty) {
  if (!has) return true;
  const absl::Status status = service::ValidateIdentityClaim(field, value, allow_empty);
  if (!status.ok()) {
    CheckRefusal(status, field);
    return false;
  }
  FUZZ_CHECK(value.size() <= kMaxClaimBytes && (allow_empty || !value.empty()), field);
  const std::optional<std::vector<char32_t>> code_points = DecodeUtf8(value);
  FUZZ_CHECK(code_points.has_value(), absl::StrCat(field, " accepted invalid UTF-8"));
  for (char32_t cp : *code_points) FUZZ_CHECK(!IsControl(cp), field);
  return true;
}

std::optional<absl::Duration> CheckTtl(const identity::v1::IssueWidgetTokenRequest& request) {
  absl::StatusOr<absl::Duration> ttl = service::ValidateTtl(
      request.has_ttl(), request.ttl().seconds(), request.ttl().nanos());
  if (!ttl.ok()) {
    CheckRefusal(ttl.status(), "ttl");
    return std::nullopt;
  }
  if (!request.has_ttl()) {
    FUZZ_CHECK(*ttl == service::kDefaultTokenTtl, "default ttl");
  } else {
    FUZZ_CHECK(request.ttl().nanos() == 0 && *ttl == absl::Seconds(request.ttl().seconds()) &&
                   *ttl >= absl::Seconds(1) && *ttl <= service::kMaxTokenTtl,
               "ttl range");
  }
  return *ttl;
}

void IssueEmailHash(absl::string_view bytes) {
  identity::v1::IssueEmailHashRequest request;
  if (!request.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) return;
  if (!CheckAppId(request.app_id())) return;
  CheckEmail(request.email());
}

// ValidateWidgetTokenRequest (the handler's checks) against each field's
// rule on its own: it accepts exactly when every rule does, names the first
// broken one in the documented order, and returns the request's own values.
void IssueWidgetToken(absl::string_view bytes) {
  identity::v1::IssueWidgetTokenRequest request;
  if (!request.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) return;
  const absl::StatusOr<service::WidgetTokenRequest> valid =
      service::ValidateWidgetTokenRequest(request);

  struct Claim {
    absl::string_view name;
    bool has;
    const std::string& value;
    bool allow_empty;
  };
  const Claim optional_claims[] = {
      {"name", request.has_name(), request.name(), true},
      {"account_id", request.has_account_id(), request.account_id(), false},
      {"account_external_id", request.has_account_external_id(), request.account_external_id(),
       false},
      {"contact_id", request.has_contact_id(), request.contact_id(), false},
      {"contact_external_id", request.has_contact_external_id(), request.contact_external_id(),
       false},
  };
  std::vector<std::pair<absl::string_view, bool>> rules = {
      {"app_id", CheckAppId(request.app_id())}, {"email", CheckEmail(request.email())}};
  for (const Claim& c : optional_claims) {
    rules.emplace_back(c.name, CheckClaim(c.name, c.has, c.value, c.allow_empty));
  }
  const std::optional<absl::Duration> ttl = CheckTtl(request);
  rules.emplace_back("ttl", ttl.has_value());

  for (const auto& [field, ok] : rules) {
    if (ok) continue;
    FUZZ_CHECK(!valid.ok(), absl::StrCat("accepted a request with a bad ", field));
    CheckRefusal(valid.status(), field);  // the first broken rule is the one named
    return;
  }
  FUZZ_CHECK(valid.ok(), valid.status().ToString());
  const crypto::WidgetClaims& claims = valid->claims;
  FUZZ_CHECK(claims.email == request.email() && claims.audience == request.app_id(),
             "email or audience differ from the request");
  const std::optional<absl::string_view>* const returned[] = {
      &claims.name, &claims.account_id, &claims.account_external_id, &claims.contact_id,
      &claims.contact_external_id};
  for (std::size_t i = 0; i < std::size(optional_claims); ++i) {
    FUZZ_CHECK(returned[i]->has_value() == optional_claims[i].has &&
                   (!optional_claims[i].has || **returned[i] == optional_claims[i].value),
               absl::StrCat(optional_claims[i].name, " differs from the request"));
  }
  FUZZ_CHECK(valid->ttl == *ttl, "ttl differs from the request");

  crypto::WidgetClaims signed_claims = claims;
  signed_claims.issued_at = 1700000000;
  signed_claims.expires_at = signed_claims.issued_at + absl::ToInt64Seconds(valid->ttl);
  const absl::StatusOr<std::string> jwt = FuzzJwtSigner().Sign(signed_claims);
  FUZZ_CHECK(jwt.ok(), absl::StrCat("a request the rules accept was not signable: ",
                                    jwt.status().ToString()));
}

// The secret of a RotateSecret call, parsed as the rotator does
// (server/service/secret_rotator.cc) for both kinds.
// `secret` with every letter's case swapped and every digit rotated (0 -> 1,
// ..., 9 -> 0): the same length, and the same class for each byte (hex digit,
// printable, other), so each format rule refuses it at the same offset.
std::string Perturbed(absl::string_view secret) {
  std::string out(secret);
  for (char& c : out) {
    const unsigned char u = static_cast<unsigned char>(c);
    if (absl::ascii_isdigit(u)) {
      c = c == '9' ? '0' : static_cast<char>(c + 1);
    } else if (absl::ascii_isupper(u)) {
      c = absl::ascii_tolower(u);
    } else if (absl::ascii_islower(u)) {
      c = absl::ascii_toupper(u);
    }
  }
  return out;
}

void CheckSecret(absl::string_view secret) {
  const absl::StatusOr<crypto::SecretBytes> hex = crypto::ParseEmailHashSecret(secret);
  const absl::StatusOr<crypto::SecretBytes> jwt = crypto::ParseJwtSecret(secret);
  const std::string perturbed = Perturbed(secret);
  const absl::Status perturbed_statuses[] = {crypto::ParseEmailHashSecret(perturbed).status(),
                                             crypto::ParseJwtSecret(perturbed).status()};
  int i = 0;
  for (const absl::Status& status : {hex.status(), jwt.status()}) {
    const absl::Status& other = perturbed_statuses[i++];
    if (status.ok()) continue;
    FUZZ_CHECK(status.code() == absl::StatusCode::kInvalidArgument, status.ToString());
    FUZZ_CHECK(IsPrintableAscii(status.message()), absl::CEscape(status.message()));
    // The message depends on no letter or digit of the secret (only on where
    // and how it breaks the format), so it cannot repeat any of it. (Checking
    // that the message does not contain the secret was not enough: libFuzzer
    // learns the message's words from that very comparison and makes a
    // secret of them.)
    FUZZ_CHECK(status.message() == other.message(),
               absl::StrCat("an error message depends on the secret's bytes: \"",
                            absl::CEscape(status.message()), "\" vs \"",
                            absl::CEscape(other.message()), "\""));
  }
  if (hex.ok()) {
    FUZZ_CHECK(secret.size() % 2 == 0, "odd hex length accepted");
    for (char c : secret) FUZZ_CHECK(absl::ascii_isxdigit(static_cast<unsigned char>(c)), "hex");
    const std::string expected = absl::HexStringToBytes(secret);
    FUZZ_CHECK(hex->view() == expected, "hex secret decoded wrongly");
    FUZZ_CHECK(expected.size() >= crypto::kMinEmailHashKeyBytes &&
                   expected.size() <= crypto::kMaxEmailHashKeyBytes,
               "email-hash key size");
  }
  if (jwt.ok()) {
    FUZZ_CHECK(jwt->view() == secret, "a JWT secret is keyed as displayed");
    FUZZ_CHECK(secret.size() >= crypto::kMinJwtSecretChars &&
                   secret.size() <= crypto::kMaxJwtSecretChars && IsPrintableAscii(secret),
               "JWT secret format");
  }
}

void RotateSecret(absl::string_view bytes) {
  identity::v1::RotateSecretRequest request;
  if (!request.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) return;
  if (!CheckAppId(request.app_id())) return;
  if (request.source_case() == identity::v1::RotateSecretRequest::kSecret) {
    CheckSecret(request.secret());
  }
}

void GetWidget(absl::string_view bytes) {
  identity::v1::GetWidgetRequest request;
  if (!request.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) return;
  CheckAppId(request.app_id());
}

void ListWidgets(absl::string_view bytes) {
  identity::v1::ListWidgetsRequest request;
  if (!request.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) return;
  const absl::StatusOr<std::size_t> page_size = service::ResolvePageSize(request.page_size());
  if (!page_size.ok()) {
    CheckRefusal(page_size.status(), "page_size");
    FUZZ_CHECK(request.page_size() < 0, "refused a page size >= 0");
  } else {
    FUZZ_CHECK(*page_size >= 1 && *page_size <= service::kMaxWidgetPageSize, "page size range");
  }
  const absl::StatusOr<std::string> start_after = service::DecodePageToken(request.page_token());
  if (!start_after.ok()) {
    CheckRefusal(start_after.status(), "page_token");
    return;
  }
  if (request.page_token().empty()) {
    FUZZ_CHECK(start_after->empty(), "an empty token starts at the beginning");
    return;
  }
  FUZZ_CHECK(widget::ValidateAppId(*start_after).ok(), absl::CEscape(*start_after));
  const absl::StatusOr<std::string> again =
      service::DecodePageToken(service::EncodePageToken(*start_after));
  FUZZ_CHECK(again.ok() && *again == *start_after, "page token round trip");
}

}  // namespace
}  // namespace identity::fuzz

extern "C" int LLVMFuzzerInitialize(int* /*argc*/, char*** /*argv*/) {
  // protobuf logs each string field that is not UTF-8; the parse failing is
  // what matters here, not a line per input on stderr.
  google::protobuf::SetLogHandler(nullptr);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace identity::fuzz;
  const absl::string_view bytes = AsView(data, size);
  IssueEmailHash(bytes);
  IssueWidgetToken(bytes);
  RotateSecret(bytes);
  GetWidget(bytes);
  ListWidgets(bytes);
  return 0;
}
