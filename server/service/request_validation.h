#ifndef IDENTITY_SERVER_SERVICE_REQUEST_VALIDATION_H_
#define IDENTITY_SERVER_SERVICE_REQUEST_VALIDATION_H_

#include <cstdint>
#include <optional>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "identity/v1/identity.pb.h"
#include "server/crypto/jwt_signer.h"

namespace identity::service {

// The request rules of the identity.v1 contract (app_id's rule is
// keyring::ValidateAppId, shared with the config and the store). Each check returns
// kInvalidArgument with a message that starts with the field's name and states
// the rule broken, e.g. "email: must contain exactly one '@'". Messages never
// repeat the value: it may be personal data.

// Limits from the contract.
inline constexpr std::size_t kMinEmailBytes = 3;
inline constexpr std::size_t kMaxEmailBytes = 254;
inline constexpr std::size_t kMaxClaimBytes = 256;
inline constexpr absl::Duration kDefaultTokenTtl = absl::Seconds(600);
inline constexpr absl::Duration kMaxTokenTtl = absl::Seconds(900);

// email: valid UTF-8, 3..254 bytes, exactly one '@' with a non-empty local
// part and domain, no whitespace (ASCII or Unicode) and no control characters.
absl::Status ValidateEmail(absl::string_view email);

// An optional identity claim (`field` names it in the message): valid UTF-8,
// at most 256 bytes, no control characters; empty allowed only if
// `allow_empty` (the name claim).
absl::Status ValidateIdentityClaim(absl::string_view field, absl::string_view value,
                                   bool allow_empty);

// ttl: unset means 600 s; else whole seconds in 1..900. `seconds` and `nanos`
// are the google.protobuf.Duration fields.
absl::StatusOr<absl::Duration> ValidateTtl(bool has_ttl, std::int64_t seconds, std::int32_t nanos);

// What an IssueWidgetToken request asks for, once checked.
struct WidgetTokenRequest {
  // email, audience (the app_id) and the optional claims the request sets,
  // as views into the request; issued_at and expires_at are left to the
  // caller.
  crypto::WidgetClaims claims;
  absl::Duration ttl;
};

// Checks every field of an IssueWidgetToken request with the rules above, in
// this order (the first broken rule is the error): app_id, email, name (may
// be empty), account_id, account_external_id, contact_id,
// contact_external_id (not empty when set), ttl.
absl::StatusOr<WidgetTokenRequest> ValidateWidgetTokenRequest(
    const identity::v1::IssueWidgetTokenRequest& request);

// Checks a VerifyEmailHash request, in this order: app_id, email (the rules
// above), email_hash (64 lowercase hex characters, as IssueEmailHash and the
// vendor's snippets make it).
absl::Status ValidateVerifyEmailHashRequest(const identity::v1::VerifyEmailHashRequest& request);

}  // namespace identity::service

#endif  // IDENTITY_SERVER_SERVICE_REQUEST_VALIDATION_H_
