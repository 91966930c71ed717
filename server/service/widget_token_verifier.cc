#include "server/service/widget_token_verifier.h"

#include <vector>

#include "absl/strings/strip.h"
#include "server/crypto/hmac_sha256_key.h"
#include "server/service/kept_secrets.h"
#include "server/service/request_validation.h"

namespace identity::service {
namespace {

using identity::v1::FindingResult;
using identity::v1::TokenCheck;
using identity::v1::TokenVerdict;

// crypto's enums list the checks, results and verdicts in the contract's
// order, from the contract's value 1 (0 is UNSPECIFIED).
static_assert(crypto::kJwtCheckCount == identity::v1::TokenCheck_MAX);

TokenCheck ToProto(crypto::JwtCheck check) {
  return static_cast<TokenCheck>(static_cast<int>(check) + 1);
}

FindingResult ToProto(crypto::FindingResult result) {
  switch (result) {
    case crypto::FindingResult::kPass:
      return identity::v1::FINDING_RESULT_PASS;
    case crypto::FindingResult::kWarn:
      return identity::v1::FINDING_RESULT_WARN;
    case crypto::FindingResult::kFail:
      return identity::v1::FINDING_RESULT_FAIL;
  }
  return identity::v1::FINDING_RESULT_UNSPECIFIED;
}

TokenVerdict ToProto(crypto::JwtVerdict verdict) {
  switch (verdict) {
    case crypto::JwtVerdict::kValid:
      return identity::v1::TOKEN_VERDICT_VALID;
    case crypto::JwtVerdict::kUnsupportedAlgorithm:
      return identity::v1::TOKEN_VERDICT_UNSUPPORTED_ALGORITHM;
    case crypto::JwtVerdict::kBadSignature:
      return identity::v1::TOKEN_VERDICT_BAD_SIGNATURE;
    case crypto::JwtVerdict::kPreviousKey:
      return identity::v1::TOKEN_VERDICT_PREVIOUS_VERSION;
    case crypto::JwtVerdict::kWrongAudience:
      return identity::v1::TOKEN_VERDICT_WRONG_AUDIENCE;
    case crypto::JwtVerdict::kExpired:
      return identity::v1::TOKEN_VERDICT_EXPIRED;
    case crypto::JwtVerdict::kNotYetValid:
      return identity::v1::TOKEN_VERDICT_NOT_YET_VALID;
    case crypto::JwtVerdict::kBadLifetime:
      return identity::v1::TOKEN_VERDICT_BAD_LIFETIME;
    case crypto::JwtVerdict::kBadClaims:
      return identity::v1::TOKEN_VERDICT_BAD_CLAIMS;
  }
  return identity::v1::TOKEN_VERDICT_UNSPECIFIED;
}

// Whether google.protobuf.Timestamp can hold `seconds` (years 1..9999; proto
// JSON refuses anything else). A token may claim any date: the finding
// describes it, the field stays unset.
bool InTimestampRange(std::int64_t seconds) {
  return seconds >= -62135596800 && seconds <= 253402300799;
}

}  // namespace

absl::Status ExplainWidgetToken(const crypto::ParsedJwt& jwt, const store::StoredWidget& widget,
                               absl::string_view app_id, absl::Time now,
                               identity::v1::VerifyWidgetTokenResponse& response) {
  absl::StatusOr<std::vector<const store::StoredSecret*>> kept =
      KeptSecrets(widget, widget::SecretKind::kJwt);
  if (!kept.ok()) return kept.status();
  // HS256 keys are the secret's bytes as displayed (never hex-decoded).
  std::vector<crypto::HmacSha256Key> keys;
  keys.reserve(kept->size());
  for (const store::StoredSecret* secret : *kept) {
    absl::StatusOr<crypto::HmacSha256Key> key = crypto::HmacSha256Key::New(secret->key.span());
    if (!key.ok()) return absl::InternalError("a stored JWT secret is not a usable key");
    keys.push_back(*std::move(key));
  }
  std::vector<crypto::JwtKeyVersion> versions;
  versions.reserve(keys.size());
  for (std::size_t i = 0; i < keys.size(); ++i) {
    versions.push_back(crypto::JwtKeyVersion{(*kept)[i]->version, &keys[i]});
  }
  const crypto::JwtInspection inspection = crypto::InspectWidgetJwt(
      jwt, versions, crypto::JwtInspectionRules{app_id, now, kMaxTokenTtl, kTokenClockSkew});

  response.set_verdict(ToProto(inspection.verdict));
  response.set_signed_by_version(inspection.signed_by_version.value_or(0));
  response.set_current_version(kept->front()->version);
  for (const crypto::JwtFinding& finding : inspection.findings) {
    identity::v1::TokenFinding* out = response.add_findings();
    out->set_check(ToProto(finding.check));
    out->set_result(ToProto(finding.result));
    out->set_message(finding.message);
  }
  response.set_alg(inspection.alg);
  if (inspection.email.has_value()) response.set_email(*inspection.email);
  if (inspection.issued_at.has_value() && InTimestampRange(*inspection.issued_at)) {
    response.mutable_issued_at()->set_seconds(*inspection.issued_at);
  }
  if (inspection.expires_at.has_value() && InTimestampRange(*inspection.expires_at)) {
    response.mutable_expires_at()->set_seconds(*inspection.expires_at);
  }
  return absl::OkStatus();
}

absl::string_view VerdictName(TokenVerdict verdict) {
  absl::string_view name = identity::v1::TokenVerdict_Name(verdict);
  absl::ConsumePrefix(&name, "TOKEN_VERDICT_");
  return name;
}

}  // namespace identity::service
