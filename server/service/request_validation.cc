#include "server/service/request_validation.h"

#include <algorithm>
#include <optional>
#include <string>

#include "absl/strings/str_cat.h"
#include "server/crypto/email_hasher.h"
#include "server/crypto/utf8.h"
#include "server/service/page_token.h"
#include "server/service/proto_mapping.h"
#include "server/widget/app_id.h"

namespace identity::service {
namespace {

using crypto::ForEachUtf8CodePoint;

bool IsControl(unsigned cp) { return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f); }

// White space per Unicode's White_Space property (ASCII space and controls
// are caught as space/control too).
bool IsWhitespace(unsigned cp) {
  return cp == 0x20 || cp == 0x85 || cp == 0xa0 || cp == 0x1680 ||
         (cp >= 0x2000 && cp <= 0x200a) || cp == 0x2028 || cp == 0x2029 || cp == 0x202f ||
         cp == 0x205f || cp == 0x3000;
}

// The claim in the request, if set, checked against the claim rules.
absl::StatusOr<std::optional<absl::string_view>> OptionalClaim(absl::string_view field,
                                                               bool has, const std::string& value,
                                                               bool allow_empty) {
  if (!has) return std::optional<absl::string_view>();
  if (absl::Status s = ValidateIdentityClaim(field, value, allow_empty); !s.ok()) return s;
  return std::optional<absl::string_view>(value);
}

}  // namespace

absl::Status ValidateEmail(absl::string_view email) {
  if (email.empty()) return absl::InvalidArgumentError("email: is required");
  if (email.size() < kMinEmailBytes || email.size() > kMaxEmailBytes) {
    return absl::InvalidArgumentError(absl::StrCat("email: must be ", kMinEmailBytes, "..",
                                                   kMaxEmailBytes, " bytes; got ", email.size()));
  }
  bool bad_char = false;
  const bool utf8 = ForEachUtf8CodePoint(email, [&](unsigned cp) {
    if (IsControl(cp) || IsWhitespace(cp)) {
      bad_char = true;
      return false;
    }
    return true;
  });
  if (bad_char) {
    return absl::InvalidArgumentError(
        "email: must not contain whitespace or control characters");
  }
  if (!utf8) return absl::InvalidArgumentError("email: must be valid UTF-8");
  const std::size_t at = email.find('@');
  if (at == absl::string_view::npos || email.find('@', at + 1) != absl::string_view::npos) {
    return absl::InvalidArgumentError("email: must contain exactly one '@'");
  }
  if (at == 0) return absl::InvalidArgumentError("email: the part before '@' must not be empty");
  if (at == email.size() - 1) {
    return absl::InvalidArgumentError("email: the domain after '@' must not be empty");
  }
  return absl::OkStatus();
}

absl::Status ValidateIdentityClaim(absl::string_view field, absl::string_view value,
                                   bool allow_empty) {
  if (value.empty() && !allow_empty) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": must not be empty when set (leave it unset to omit the claim)"));
  }
  if (value.size() > kMaxClaimBytes) {
    return absl::InvalidArgumentError(absl::StrCat(field, ": must be at most ", kMaxClaimBytes,
                                                   " bytes; got ", value.size()));
  }
  bool control = false;
  const bool utf8 = ForEachUtf8CodePoint(value, [&](unsigned cp) {
    control = IsControl(cp);
    return !control;
  });
  if (control) {
    return absl::InvalidArgumentError(absl::StrCat(field, ": must not contain control characters"));
  }
  if (!utf8) return absl::InvalidArgumentError(absl::StrCat(field, ": must be valid UTF-8"));
  return absl::OkStatus();
}

absl::StatusOr<absl::Duration> ValidateTtl(bool has_ttl, std::int64_t seconds,
                                           std::int32_t nanos) {
  if (!has_ttl) return kDefaultTokenTtl;
  if (nanos != 0) {
    return absl::InvalidArgumentError("ttl: must be a whole number of seconds (nanos must be 0)");
  }
  if (seconds < 1 || seconds > absl::ToInt64Seconds(kMaxTokenTtl)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "ttl: must be 1..", absl::ToInt64Seconds(kMaxTokenTtl), " seconds; got ", seconds));
  }
  return absl::Seconds(seconds);
}

absl::StatusOr<std::size_t> ResolvePageSize(std::int32_t page_size) {
  if (page_size < 0) return absl::InvalidArgumentError("page_size: must not be negative");
  if (page_size == 0) return kDefaultWidgetPageSize;
  return std::min(static_cast<std::size_t>(page_size), kMaxWidgetPageSize);
}

absl::StatusOr<EmailHashRequest> ValidateEmailHashRequest(
    const identity::v1::IssueEmailHashRequest& request) {
  if (absl::Status s = widget::ValidateAppId(request.app_id()); !s.ok()) return s;
  if (absl::Status s = ValidateEmail(request.email()); !s.ok()) return s;
  return EmailHashRequest{request.app_id(), request.email()};
}

absl::Status ValidateEmailHashesRequest(const identity::v1::IssueEmailHashesRequest& request) {
  if (absl::Status s = widget::ValidateAppId(request.app_id()); !s.ok()) return s;
  if (request.emails_size() > kMaxEmailsPerBatch) {
    return absl::InvalidArgumentError(absl::StrCat("emails: at most ", kMaxEmailsPerBatch,
                                                   " per call; got ", request.emails_size()));
  }
  return absl::OkStatus();
}

absl::StatusOr<WidgetTokenRequest> ValidateWidgetTokenRequest(
    const identity::v1::IssueWidgetTokenRequest& request) {
  if (absl::Status s = widget::ValidateAppId(request.app_id()); !s.ok()) return s;
  if (absl::Status s = ValidateEmail(request.email()); !s.ok()) return s;

  WidgetTokenRequest out;
  out.claims.email = request.email();
  out.claims.audience = request.app_id();
  for (const OptionalClaimField& field : OptionalClaimFields(request, out.claims)) {
    absl::StatusOr<std::optional<absl::string_view>> claim =
        OptionalClaim(field.name, field.has, field.value, field.allow_empty);
    if (!claim.ok()) return claim.status();
    field.claim = *claim;
  }
  absl::StatusOr<absl::Duration> ttl =
      ValidateTtl(request.has_ttl(), request.ttl().seconds(), request.ttl().nanos());
  if (!ttl.ok()) return ttl.status();
  out.ttl = *ttl;
  return out;
}

absl::StatusOr<RotationRequest> ValidateRotateSecretRequest(
    const identity::v1::RotateSecretRequest& request) {
  if (absl::Status s = widget::ValidateAppId(request.app_id()); !s.ok()) return s;
  const std::optional<widget::SecretKind> kind = KindFromProto(request.kind());
  if (!kind.has_value()) {
    return absl::InvalidArgumentError("kind: must be SECRET_KIND_EMAIL_HASH or SECRET_KIND_JWT");
  }
  RotationRequest out{request.app_id(), *kind, std::nullopt, std::nullopt};
  switch (request.source_case()) {
    case identity::v1::RotateSecretRequest::kSecret:
      out.secret = request.secret();
      break;
    case identity::v1::RotateSecretRequest::kGenerate:
      if (!request.generate()) {
        return absl::InvalidArgumentError(
            "generate: must be true when set (or set secret instead)");
      }
      break;
    case identity::v1::RotateSecretRequest::SOURCE_NOT_SET:
      return absl::InvalidArgumentError("source: set exactly one of secret or generate");
  }
  if (request.has_expected_version()) out.expected_version = request.expected_version();
  return out;
}

absl::StatusOr<WidgetRequest> ValidateGetWidgetRequest(
    const identity::v1::GetWidgetRequest& request) {
  if (absl::Status s = widget::ValidateAppId(request.app_id()); !s.ok()) return s;
  return WidgetRequest{request.app_id()};
}

absl::StatusOr<WidgetPageRequest> ValidateListWidgetsRequest(
    const identity::v1::ListWidgetsRequest& request) {
  absl::StatusOr<std::size_t> page_size = ResolvePageSize(request.page_size());
  if (!page_size.ok()) return page_size.status();
  absl::StatusOr<std::string> start_after = DecodePageToken(request.page_token());
  if (!start_after.ok()) return start_after.status();
  return WidgetPageRequest{*page_size, *std::move(start_after)};
}

absl::Status ValidateVerifyEmailHashRequest(const identity::v1::VerifyEmailHashRequest& request) {
  if (absl::Status s = widget::ValidateAppId(request.app_id()); !s.ok()) return s;
  if (absl::Status s = ValidateEmail(request.email()); !s.ok()) return s;
  const std::string& hash = request.email_hash();
  if (hash.empty()) return absl::InvalidArgumentError("email_hash: is required");
  bool lower_hex = hash.size() == crypto::kEmailHashHexLength;
  for (char c : hash) lower_hex = lower_hex && ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'));
  if (!lower_hex) {
    return absl::InvalidArgumentError(absl::StrCat(
        "email_hash: must be 64 lowercase hex characters (as IssueEmailHash makes it); got ",
        hash.size(), " bytes"));
  }
  return absl::OkStatus();
}

absl::StatusOr<crypto::ParsedJwt> ValidateVerifyWidgetTokenRequest(
    const identity::v1::VerifyWidgetTokenRequest& request) {
  if (absl::Status s = widget::ValidateAppId(request.app_id()); !s.ok()) return s;
  return crypto::ParsedJwt::Parse(request.jwt());
}

}  // namespace identity::service
