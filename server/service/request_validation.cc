#include "server/service/request_validation.h"

#include "absl/strings/str_cat.h"
#include "server/crypto/utf8.h"

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

}  // namespace identity::service
