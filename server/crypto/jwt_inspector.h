#ifndef IDENTITY_SERVER_CRYPTO_JWT_INSPECTOR_H_
#define IDENTITY_SERVER_CRYPTO_JWT_INSPECTOR_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "server/crypto/hmac_sha256_key.h"

namespace identity::crypto {

// The largest token InspectWidgetJwt takes. Tokens identityd issues are under
// 2 KiB even with every optional claim at its 256-byte limit; 8 KiB leaves
// room for other signers' extra claims while bounding the work per call.
inline constexpr std::size_t kMaxInspectedJwtBytes = 8192;

// What a finding is about. Findings are listed in this order, one per check.
enum class JwtCheck {
  kAlgorithm,          // header "alg": must be "HS256"
  kType,               // header "typ": "JWT" or absent
  kSignature,          // HS256 signature against every kept key
  kAudience,           // "aud": the widget's App ID
  kExpiry,             // "exp": a NumericDate in the future
  kIssuedAt,           // "iat": a NumericDate not in the future (beyond the clock skew)
  kLifetime,           // exp - iat: 1..max_lifetime
  kEmail,              // "email": a string (required)
  kName,               // "name": a string when present
  kAccountId,          // "account_id": a string when present
  kAccountExternalId,  // "account_external_id": a string when present
  kContactId,          // "contact_id": a string when present
  kContactExternalId,  // "contact_external_id": a string when present
};
inline constexpr std::size_t kJwtCheckCount = 13;

// Whether a check passed.
enum class FindingResult {
  kPass,  // passed (an optional claim that is absent passes)
  kWarn,  // not a reason to refuse, but worth knowing
  kFail,  // a reason the widget refuses the token
};

// The outcome of one check, with one human-readable sentence. The sentence
// quotes only the token's alg, typ and aud (when short and printable), never
// a key.
struct JwtFinding {
  JwtCheck check;
  FindingResult result;
  std::string message;
};

// The single most important reason a token is refused: the first failed
// finding's (in JwtCheck order), or kValid.
enum class JwtVerdict {
  kValid,                 // signed by the current key, every check passes
  kUnsupportedAlgorithm,  // alg is not HS256 (e.g. "none")
  kBadSignature,          // no kept key makes the signature
  kPreviousKey,           // a kept key other than the current one makes it
  kWrongAudience,         // aud missing or not the App ID
  kExpired,               // exp missing, not a number, or past
  kNotYetValid,           // iat missing, not a number, or too far in the future
  kBadLifetime,           // exp - iat over the limit, or not positive
  kBadClaims,             // email missing or not a string; an identity claim not a string
};

// One version of a widget's JWT key, for InspectWidgetJwt.
struct JwtKeyVersion {
  std::uint64_t version = 0;
  const HmacSha256Key* key = nullptr;  // non-null
};

// What InspectWidgetJwt checks the token against.
struct JwtInspectionRules {
  absl::string_view audience;  // the widget's App ID
  absl::Time now;
  absl::Duration max_lifetime;  // the vendor's limit on exp - iat (15 minutes)
  // How far in the future iat may be before the token counts as not yet
  // valid (clocks of the signer and the widget vendor differ a little).
  absl::Duration clock_skew;
};

// Checks a ParsedJwt (jwt_inspector.cc).
class WidgetJwtInspector;

// What InspectWidgetJwt found.
struct JwtInspection {
  JwtVerdict verdict = JwtVerdict::kValid;
  // The version whose key makes the signature (only checked for alg HS256).
  std::optional<std::uint64_t> signed_by_version;
  std::string alg;  // the header's alg, "" if absent or not a string
  std::optional<std::string> email;        // the email claim, when a string
  std::optional<std::int64_t> issued_at;   // iat, when a number (seconds, truncated)
  std::optional<std::int64_t> expires_at;  // exp, when a number (seconds, truncated)
  std::vector<JwtFinding> findings;        // kJwtCheckCount, in JwtCheck order
};

// A compact JWS taken apart: its three parts decoded, header and payload
// parsed as JSON objects. Made by Parse(); checked by InspectWidgetJwt().
class ParsedJwt {
 public:
  // Takes `jwt` apart. kInvalidArgument, with a message starting "jwt: ", if
  // it cannot be inspected at all: empty, over kMaxInspectedJwtBytes, not
  // three '.'-separated parts, a part that is not base64url without padding,
  // a header or payload that is not a JSON object (valid UTF-8), or an
  // object with a key repeated (JSON parsers disagree on which one counts).
  static absl::StatusOr<ParsedJwt> Parse(absl::string_view jwt);

  ParsedJwt(ParsedJwt&&) noexcept;
  ParsedJwt& operator=(ParsedJwt&&) noexcept;
  ~ParsedJwt();

 private:
  friend class WidgetJwtInspector;
  struct Parts;
  explicit ParsedJwt(std::unique_ptr<Parts> parts);
  std::unique_ptr<Parts> parts_;
};

// Checks a chat-widget JWT as the widget vendor would:
// the signature against each of `keys` (newest first: keys[0] is the key in
// use; compared in constant time), the header's alg and typ, and the claims
// against `rules`. Every problem is a finding.
//
//   absl::StatusOr<ParsedJwt> parsed = ParsedJwt::Parse(token);
//   if (!parsed.ok()) return parsed.status();  // INVALID_ARGUMENT naming jwt
//   JwtInspection r = InspectWidgetJwt(*parsed, keys, rules);
//   if (r.verdict == JwtVerdict::kExpired) ...
JwtInspection InspectWidgetJwt(const ParsedJwt& jwt, absl::Span<const JwtKeyVersion> keys,
                               const JwtInspectionRules& rules);

// ParsedJwt::Parse(), then InspectWidgetJwt() above.
absl::StatusOr<JwtInspection> InspectWidgetJwt(absl::string_view jwt,
                                               absl::Span<const JwtKeyVersion> keys,
                                               const JwtInspectionRules& rules);

}  // namespace identity::crypto

#endif  // IDENTITY_SERVER_CRYPTO_JWT_INSPECTOR_H_
