#include "server/crypto/jwt_inspector.h"

#include <array>
#include <cmath>
#include <set>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "rapidjson/document.h"
#include "rapidjson/error/en.h"
#include "server/crypto/constant_time.h"
#include "server/crypto/utf8.h"

namespace identity::crypto {
namespace {

using Json = rapidjson::Document;
using JsonValue = rapidjson::Value;

// NumericDates beyond this many seconds from the epoch (~317 million years)
// are not dates anyone signs; refusing them keeps the arithmetic in range.
constexpr double kMaxNumericDate = 1e16;

// The longest text from the token a message quotes.
constexpr std::size_t kMaxQuotedBytes = 64;

// `text` quoted for a message when it is short printable ASCII, else
// described by its length: findings must not carry control characters or
// arbitrary amounts of the caller's bytes.
std::string Quoted(absl::string_view text) {
  bool printable = text.size() <= kMaxQuotedBytes;
  for (char c : text) printable = printable && c >= 0x20 && c <= 0x7e;
  if (!printable) return absl::StrCat("(", text.size(), " bytes, not shown)");
  return absl::StrCat("\"", text, "\"");
}

// Decodes one part of a compact JWS: base64url without padding, strictly
// (no padding, no other alphabet, no impossible length).
bool DecodeBase64UrlPart(absl::string_view part, std::string& out) {
  if (part.size() % 4 == 1) return false;
  for (char c : part) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_';
    if (!ok) return false;
  }
  return absl::WebSafeBase64Unescape(part, &out);
}

// Parses `text` as a JSON object whose keys are unique. `what` names the
// part in the error.
absl::Status ParseObject(absl::string_view text, absl::string_view what, Json& out) {
  // Validated first with the bounded decoder (RapidJSON's own validation may
  // read past the end of a truncated character; see jwt_signer.cc).
  if (!IsValidUtf8(text)) {
    return absl::InvalidArgumentError(absl::StrCat("jwt: the ", what, " is not valid UTF-8"));
  }
  // Iterative: no recursion, whatever the nesting.
  out.Parse<rapidjson::kParseIterativeFlag>(text.data(), text.size());
  if (out.HasParseError() || !out.IsObject()) {
    return absl::InvalidArgumentError(absl::StrCat("jwt: the ", what, " is not a JSON object"));
  }
  // JSON parsers disagree on which of two equal keys counts (RapidJSON the
  // first, JavaScript's JSON.parse the last): such a token cannot be
  // explained, and a signer never means to make one.
  std::set<absl::string_view> keys;
  for (const auto& member : out.GetObject()) {
    if (!keys.insert(absl::string_view(member.name.GetString(), member.name.GetStringLength()))
             .second) {
      return absl::InvalidArgumentError(
          absl::StrCat("jwt: the ", what, " has a key more than once"));
    }
  }
  return absl::OkStatus();
}

const JsonValue* Member(const Json& object, absl::string_view name) {
  const auto it = object.FindMember(
      JsonValue(rapidjson::StringRef(name.data(), static_cast<rapidjson::SizeType>(name.size()))));
  return it == object.MemberEnd() ? nullptr : &it->value;
}

absl::string_view StringOf(const JsonValue& value) {
  return absl::string_view(value.GetString(), value.GetStringLength());
}

// The JSON type of `value`, for "is not a string (a number)".
absl::string_view TypeName(const JsonValue& value) {
  if (value.IsNull()) return "null";
  if (value.IsBool()) return "a boolean";
  if (value.IsNumber()) return "a number";
  if (value.IsString()) return "a string";
  if (value.IsArray()) return "an array";
  return "an object";
}

std::string FormatDate(std::int64_t seconds) {
  return absl::FormatTime("%Y-%m-%d%ET%H:%M:%SZ", absl::FromUnixSeconds(seconds),
                          absl::UTCTimeZone());
}

// A NumericDate claim: absent, not a usable number (with a reason), or its
// whole seconds.
struct NumericDate {
  const JsonValue* value = nullptr;
  std::optional<std::int64_t> seconds;
};

NumericDate ReadNumericDate(const Json& claims, absl::string_view name) {
  NumericDate out;
  out.value = Member(claims, name);
  if (out.value == nullptr || !out.value->IsNumber()) return out;
  if (out.value->IsInt64()) {
    out.seconds = out.value->GetInt64();
  } else {
    const double d = out.value->GetDouble();
    if (std::isfinite(d) && std::fabs(d) <= kMaxNumericDate) {
      out.seconds = static_cast<std::int64_t>(std::floor(d));
    }
  }
  if (out.seconds.has_value() &&
      (*out.seconds > kMaxNumericDate || *out.seconds < -kMaxNumericDate)) {
    out.seconds.reset();
  }
  return out;
}

// Why a NumericDate claim is unusable, or "" if it is usable.
std::string NumericDateProblem(const NumericDate& date, absl::string_view name) {
  if (date.value == nullptr) return absl::StrCat(name, " is missing");
  if (!date.value->IsNumber()) {
    return absl::StrCat(name, " is ", TypeName(*date.value),
                        ", not a number of seconds since the epoch (NumericDate)");
  }
  if (!date.seconds.has_value()) return absl::StrCat(name, " is not a plausible date");
  return "";
}

}  // namespace

struct ParsedJwt::Parts {
  Json header;
  Json claims;
  // The token's own text up to the second '.', exactly as sent (not
  // re-encoded): what the signature covers.
  std::string signing_input;
  std::string signature;
};

ParsedJwt::ParsedJwt(std::unique_ptr<Parts> parts) : parts_(std::move(parts)) {}
ParsedJwt::ParsedJwt(ParsedJwt&&) noexcept = default;
ParsedJwt& ParsedJwt::operator=(ParsedJwt&&) noexcept = default;
ParsedJwt::~ParsedJwt() = default;

absl::StatusOr<ParsedJwt> ParsedJwt::Parse(absl::string_view jwt) {
  if (jwt.empty()) return absl::InvalidArgumentError("jwt: is required");
  if (jwt.size() > kMaxInspectedJwtBytes) {
    return absl::InvalidArgumentError(absl::StrCat("jwt: must be at most ", kMaxInspectedJwtBytes,
                                                   " bytes; got ", jwt.size()));
  }
  const std::vector<absl::string_view> parts = absl::StrSplit(jwt, '.');
  if (parts.size() != 3) {
    return absl::InvalidArgumentError(
        absl::StrCat("jwt: must be three base64url parts joined by '.' "
                     "(header.payload.signature); got ",
                     parts.size(), " part(s)"));
  }
  auto out = std::make_unique<Parts>();
  std::string header_json, claims_json;
  if (!DecodeBase64UrlPart(parts[0], header_json)) {
    return absl::InvalidArgumentError("jwt: the header is not base64url (without padding)");
  }
  if (!DecodeBase64UrlPart(parts[1], claims_json)) {
    return absl::InvalidArgumentError("jwt: the payload is not base64url (without padding)");
  }
  if (!DecodeBase64UrlPart(parts[2], out->signature)) {
    return absl::InvalidArgumentError("jwt: the signature is not base64url (without padding)");
  }
  if (absl::Status s = ParseObject(header_json, "header", out->header); !s.ok()) return s;
  if (absl::Status s = ParseObject(claims_json, "payload", out->claims); !s.ok()) return s;
  out->signing_input = std::string(jwt.substr(0, parts[0].size() + 1 + parts[1].size()));
  return ParsedJwt(std::move(out));
}

class WidgetJwtInspector {
 public:
  WidgetJwtInspector(const ParsedJwt& jwt, absl::Span<const JwtKeyVersion> keys,
            const JwtInspectionRules& rules)
      : header_(jwt.parts_->header),
        claims_(jwt.parts_->claims),
        keys_(keys),
        rules_(rules),
        now_(absl::ToUnixSeconds(rules.now)) {
    out_.findings.reserve(kJwtCheckCount);
    CheckAlgorithm();
    CheckType();
    CheckSignature(jwt.parts_->signing_input, jwt.parts_->signature);
    CheckAudience();
    CheckTimes();
    CheckClaims();
    out_.verdict = Verdict();
  }

  JwtInspection Take() { return std::move(out_); }

 private:
  void Add(JwtCheck check, FindingResult result, std::string message) {
    out_.findings.push_back(JwtFinding{check, result, std::move(message)});
  }
  void CheckAlgorithm();
  void CheckType();
  void CheckSignature(absl::string_view signing_input, absl::string_view signature);
  void CheckAudience();
  void CheckTimes();
  void CheckClaims();
  JwtVerdict Verdict() const;

  const Json& header_;
  const Json& claims_;
  const absl::Span<const JwtKeyVersion> keys_;
  const JwtInspectionRules& rules_;
  const std::int64_t now_;
  JwtInspection out_;
};

void WidgetJwtInspector::CheckAlgorithm() {
  const JsonValue* alg = Member(header_, "alg");
  if (alg == nullptr) {
    Add(JwtCheck::kAlgorithm, FindingResult::kFail,
        "the header has no alg; the widget accepts only HS256");
    return;
  }
  if (!alg->IsString()) {
    Add(JwtCheck::kAlgorithm, FindingResult::kFail,
        absl::StrCat("alg is ", TypeName(*alg), ", not the string \"HS256\""));
    return;
  }
  out_.alg = std::string(StringOf(*alg));
  if (out_.alg == "HS256") {
    Add(JwtCheck::kAlgorithm, FindingResult::kPass, "alg is HS256");
  } else if (out_.alg == "none" || out_.alg == "None" || out_.alg == "NONE") {
    Add(JwtCheck::kAlgorithm, FindingResult::kFail,
        absl::StrCat("alg is ", Quoted(out_.alg),
                     ": an unsigned token; the widget accepts only HS256"));
  } else {
    Add(JwtCheck::kAlgorithm, FindingResult::kFail,
        absl::StrCat("alg is ", Quoted(out_.alg), "; the widget accepts only HS256"));
  }
}

void WidgetJwtInspector::CheckType() {
  const JsonValue* typ = Member(header_, "typ");
  if (typ == nullptr) {
    Add(JwtCheck::kType, FindingResult::kPass, "typ is absent (it is optional)");
  } else if (typ->IsString() && StringOf(*typ) == "JWT") {
    Add(JwtCheck::kType, FindingResult::kPass, "typ is JWT");
  } else if (typ->IsString()) {
    Add(JwtCheck::kType, FindingResult::kWarn,
        absl::StrCat("typ is ", Quoted(StringOf(*typ)), ", not \"JWT\""));
  } else {
    Add(JwtCheck::kType, FindingResult::kWarn,
        absl::StrCat("typ is ", TypeName(*typ), ", not the string \"JWT\""));
  }
}

void WidgetJwtInspector::CheckSignature(absl::string_view signing_input,
                                        absl::string_view signature) {
  if (out_.alg != "HS256") {
    Add(JwtCheck::kSignature, FindingResult::kFail,
        "not checked: identityd checks HS256 signatures only, and alg is not HS256");
    return;
  }
  if (signature.size() != kHmacSha256Size) {
    Add(JwtCheck::kSignature, FindingResult::kFail,
        absl::StrCat("the signature is ", signature.size(), " bytes, not the ", kHmacSha256Size,
                     " of HS256"));
    return;
  }
  // Every key is tried, even after a match, so that the time taken does not
  // depend on which one matched.
  std::optional<std::uint64_t> match;
  for (const JwtKeyVersion& key : keys_) {
    std::array<std::uint8_t, kHmacSha256Size> tag;
    key.key->Sign(signing_input, tag);
    const absl::string_view expected(reinterpret_cast<const char*>(tag.data()), tag.size());
    if (ConstantTimeEquals(expected, signature) && !match.has_value()) match = key.version;
  }
  out_.signed_by_version = match;
  const std::string kept = absl::StrJoin(
      keys_, ", ", [](std::string* s, const JwtKeyVersion& k) { absl::StrAppend(s, k.version); });
  if (!match.has_value()) {
    Add(JwtCheck::kSignature, FindingResult::kFail,
        absl::StrCat("the signature matches none of the kept versions of the JWT secret (",
                     kept,
                     "): the token was signed with another secret (a hex-decoded one, or "
                     "another widget's), or altered after signing"));
  } else if (!keys_.empty() && *match == keys_.front().version) {
    Add(JwtCheck::kSignature, FindingResult::kPass,
        absl::StrCat("signed by version ", *match, ", the current JWT secret"));
  } else {
    Add(JwtCheck::kSignature, FindingResult::kFail,
        absl::StrCat("signed by version ", *match, ", a previous JWT secret (the current one is "
                     "version ",
                     keys_.front().version,
                     "): the signer, or the widget's settings, still use a rotated secret"));
  }
}

void WidgetJwtInspector::CheckAudience() {
  const std::string wanted = Quoted(rules_.audience);
  const JsonValue* aud = Member(claims_, "aud");
  if (aud == nullptr) {
    Add(JwtCheck::kAudience, FindingResult::kFail,
        absl::StrCat("aud is missing; it must be the app_id ", wanted));
  } else if (aud->IsString()) {
    if (StringOf(*aud) == rules_.audience) {
      Add(JwtCheck::kAudience, FindingResult::kPass, absl::StrCat("aud is the app_id ", wanted));
    } else {
      Add(JwtCheck::kAudience, FindingResult::kFail,
          absl::StrCat("aud is ", Quoted(StringOf(*aud)), ", not the app_id ", wanted));
    }
  } else if (aud->IsArray()) {
    // RFC 7519 allows an array (golang-jwt writes one by default).
    bool found = false;
    for (const JsonValue& v : aud->GetArray()) {
      found = found || (v.IsString() && StringOf(v) == rules_.audience);
    }
    if (found) {
      Add(JwtCheck::kAudience, FindingResult::kPass,
          absl::StrCat("aud is an array that holds the app_id ", wanted));
    } else {
      Add(JwtCheck::kAudience, FindingResult::kFail,
          absl::StrCat("aud is an array without the app_id ", wanted));
    }
  } else {
    Add(JwtCheck::kAudience, FindingResult::kFail,
        absl::StrCat("aud is ", TypeName(*aud), "; it must be the app_id ", wanted));
  }
}

void WidgetJwtInspector::CheckTimes() {
  const NumericDate exp = ReadNumericDate(claims_, "exp");
  const NumericDate iat = ReadNumericDate(claims_, "iat");
  out_.expires_at = exp.seconds;
  out_.issued_at = iat.seconds;

  if (std::string problem = NumericDateProblem(exp, "exp"); !problem.empty()) {
    Add(JwtCheck::kExpiry, FindingResult::kFail, std::move(problem));
  } else if (*exp.seconds <= now_) {
    Add(JwtCheck::kExpiry, FindingResult::kFail,
        absl::StrCat("exp is ", now_ - *exp.seconds, " s in the past (",
                     FormatDate(*exp.seconds), "): the token has expired"));
  } else {
    Add(JwtCheck::kExpiry, FindingResult::kPass,
        absl::StrCat("exp is in ", *exp.seconds - now_, " s (", FormatDate(*exp.seconds), ")"));
  }

  const std::int64_t skew = absl::ToInt64Seconds(rules_.clock_skew);
  if (std::string problem = NumericDateProblem(iat, "iat"); !problem.empty()) {
    Add(JwtCheck::kIssuedAt, FindingResult::kFail, std::move(problem));
  } else if (*iat.seconds > now_ + skew) {
    Add(JwtCheck::kIssuedAt, FindingResult::kFail,
        absl::StrCat("iat is ", *iat.seconds - now_, " s in the future (",
                     FormatDate(*iat.seconds), "), more than the ", skew,
                     " s allowed for clock skew: the signer's clock is wrong"));
  } else if (*iat.seconds > now_) {
    Add(JwtCheck::kIssuedAt, FindingResult::kWarn,
        absl::StrCat("iat is ", *iat.seconds - now_, " s in the future (",
                     FormatDate(*iat.seconds), "), within the ", skew,
                     " s allowed for clock skew"));
  } else {
    Add(JwtCheck::kIssuedAt, FindingResult::kPass,
        absl::StrCat("iat is ", now_ - *iat.seconds, " s ago (", FormatDate(*iat.seconds), ")"));
  }

  const std::int64_t max = absl::ToInt64Seconds(rules_.max_lifetime);
  if (!exp.seconds.has_value() || !iat.seconds.has_value()) {
    Add(JwtCheck::kLifetime, FindingResult::kFail,
        "not checked: exp and iat must both be numbers");
    return;
  }
  const std::int64_t lifetime = *exp.seconds - *iat.seconds;
  if (lifetime <= 0) {
    Add(JwtCheck::kLifetime, FindingResult::kFail,
        absl::StrCat("exp is not after iat (exp - iat = ", lifetime, " s)"));
  } else if (lifetime > max) {
    Add(JwtCheck::kLifetime, FindingResult::kFail,
        absl::StrCat("the lifetime (exp - iat) is ", lifetime, " s, over the vendor's limit of ",
                     max, " s (", max / 60, " minutes)"));
  } else {
    Add(JwtCheck::kLifetime, FindingResult::kPass,
        absl::StrCat("the lifetime (exp - iat) is ", lifetime, " s, within the ", max,
                     " s limit"));
  }
}

void WidgetJwtInspector::CheckClaims() {
  const JsonValue* email = Member(claims_, "email");
  if (email == nullptr) {
    Add(JwtCheck::kEmail, FindingResult::kFail, "email is missing (it is required)");
  } else if (!email->IsString()) {
    Add(JwtCheck::kEmail, FindingResult::kFail,
        absl::StrCat("email is ", TypeName(*email), ", not a string"));
  } else {
    out_.email = std::string(StringOf(*email));
    Add(JwtCheck::kEmail, FindingResult::kPass, "email is a string");
  }
  struct Optional {
    JwtCheck check;
    absl::string_view name;
  };
  constexpr Optional kOptional[] = {
      {JwtCheck::kName, "name"},
      {JwtCheck::kAccountId, "account_id"},
      {JwtCheck::kAccountExternalId, "account_external_id"},
      {JwtCheck::kContactId, "contact_id"},
      {JwtCheck::kContactExternalId, "contact_external_id"},
  };
  for (const Optional& claim : kOptional) {
    const JsonValue* value = Member(claims_, claim.name);
    if (value == nullptr) {
      Add(claim.check, FindingResult::kPass, absl::StrCat(claim.name, " is absent (optional)"));
    } else if (value->IsString()) {
      Add(claim.check, FindingResult::kPass, absl::StrCat(claim.name, " is a string"));
    } else {
      Add(claim.check, FindingResult::kFail,
          absl::StrCat(claim.name, " is ", TypeName(*value), ", not a string"));
    }
  }
}

JwtVerdict WidgetJwtInspector::Verdict() const {
  for (const JwtFinding& finding : out_.findings) {
    if (finding.result != FindingResult::kFail) continue;
    switch (finding.check) {
      case JwtCheck::kAlgorithm:
        return JwtVerdict::kUnsupportedAlgorithm;
      case JwtCheck::kType:
        break;  // never a failure
      case JwtCheck::kSignature:
        return out_.signed_by_version.has_value() ? JwtVerdict::kPreviousKey
                                                  : JwtVerdict::kBadSignature;
      case JwtCheck::kAudience:
        return JwtVerdict::kWrongAudience;
      case JwtCheck::kExpiry:
        return JwtVerdict::kExpired;
      case JwtCheck::kIssuedAt:
        return JwtVerdict::kNotYetValid;
      case JwtCheck::kLifetime:
        return JwtVerdict::kBadLifetime;
      case JwtCheck::kEmail:
      case JwtCheck::kName:
      case JwtCheck::kAccountId:
      case JwtCheck::kAccountExternalId:
      case JwtCheck::kContactId:
      case JwtCheck::kContactExternalId:
        return JwtVerdict::kBadClaims;
    }
  }
  return JwtVerdict::kValid;
}

JwtInspection InspectWidgetJwt(const ParsedJwt& jwt, absl::Span<const JwtKeyVersion> keys,
                               const JwtInspectionRules& rules) {
  return WidgetJwtInspector(jwt, keys, rules).Take();
}

absl::StatusOr<JwtInspection> InspectWidgetJwt(absl::string_view jwt,
                                               absl::Span<const JwtKeyVersion> keys,
                                               const JwtInspectionRules& rules) {
  absl::StatusOr<ParsedJwt> parsed = ParsedJwt::Parse(jwt);
  if (!parsed.ok()) return parsed.status();
  return InspectWidgetJwt(*parsed, keys, rules);
}

}  // namespace identity::crypto
