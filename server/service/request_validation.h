#ifndef IDENTITY_SERVER_SERVICE_REQUEST_VALIDATION_H_
#define IDENTITY_SERVER_SERVICE_REQUEST_VALIDATION_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "identity/v1/identity.pb.h"
#include "server/crypto/jwt_inspector.h"
#include "server/crypto/jwt_signer.h"
#include "server/widget/secret_kind.h"

namespace identity::service {

// The request rules of the identity.v1 contract: each field's rule, and one
// Validate*Request per RPC that applies them to a whole request, in field
// order, the first broken rule being the error. (app_id's rule is
// widget::ValidateAppId, shared with the config and the store; a secret's
// format is checked where its key is built, crypto/secret_format.h.) Each
// check returns kInvalidArgument with a message that starts with the field's
// name and states the rule broken, e.g. "email: must contain exactly one '@'".
// Messages never repeat the value: it may be personal data or a secret.
//
// A Validate*Request returns what its handler needs, as views into the
// request: the request must outlive the result.

// Limits from the contract.
inline constexpr std::size_t kMinEmailBytes = 3;
inline constexpr std::size_t kMaxEmailBytes = 254;
inline constexpr std::size_t kMaxClaimBytes = 256;
inline constexpr absl::Duration kDefaultTokenTtl = absl::Seconds(600);
inline constexpr absl::Duration kMaxTokenTtl = absl::Seconds(900);
// ListWidgets page sizes: the default for page_size 0, and the most returned.
inline constexpr std::size_t kDefaultWidgetPageSize = 100;
inline constexpr std::size_t kMaxWidgetPageSize = 1000;

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

// The number of widgets to return for a request's page_size (AIP-158: 0 is the
// default, larger than the maximum is the maximum). kInvalidArgument if
// negative.
absl::StatusOr<std::size_t> ResolvePageSize(std::int32_t page_size);

// What an IssueEmailHash request asks for, once checked.
struct EmailHashRequest {
  absl::string_view app_id;
  absl::string_view email;
};

// app_id, then email.
absl::StatusOr<EmailHashRequest> ValidateEmailHashRequest(
    const identity::v1::IssueEmailHashRequest& request);

// The most emails one IssueEmailHashes call may carry, as the contract says.
// Bounds the work (one HMAC each) and the response (~70 bytes each) of one
// call, which takes one token of the caller's rate limit.
inline constexpr int kMaxEmailsPerBatch = 1000;

// The rules of a whole IssueEmailHashes call, in this order: app_id, then at
// most kMaxEmailsPerBatch emails ("emails: at most 1000 per call; got
// 1001"). Each email's own rule (ValidateEmail) is checked per email by the
// batch (email_hash_batch.h), not here: a bad email fails only its own
// result.
absl::Status ValidateEmailHashesRequest(const identity::v1::IssueEmailHashesRequest& request);

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

// What a RotateSecret request asks for, once checked.
struct RotationRequest {
  absl::string_view app_id;
  widget::SecretKind kind;
  // The new secret as the widget vendor displays it (its format is checked
  // when the rotation builds its key); nullopt: generate one.
  std::optional<absl::string_view> secret;
  std::optional<std::uint64_t> expected_version;
};

// app_id, kind (SECRET_KIND_EMAIL_HASH or SECRET_KIND_JWT), then the source
// (exactly one of secret and generate, generate only true).
absl::StatusOr<RotationRequest> ValidateRotateSecretRequest(
    const identity::v1::RotateSecretRequest& request);

// What a GetWidget request asks for, once checked.
struct WidgetRequest {
  absl::string_view app_id;
};

// app_id.
absl::StatusOr<WidgetRequest> ValidateGetWidgetRequest(
    const identity::v1::GetWidgetRequest& request);

// What a ListWidgets request asks for, once checked.
struct WidgetPageRequest {
  std::size_t page_size;    // ResolvePageSize's
  std::string start_after;  // the app_id the page token resumes after; "" first
};

// page_size, then page_token (service/page_token.h).
absl::StatusOr<WidgetPageRequest> ValidateListWidgetsRequest(
    const identity::v1::ListWidgetsRequest& request);

// Checks a VerifyEmailHash request, in this order: app_id, email (the rules
// above), email_hash (64 lowercase hex characters, as IssueEmailHash and the
// vendor's snippets make it).
absl::Status ValidateVerifyEmailHashRequest(const identity::v1::VerifyEmailHashRequest& request);

// Checks a VerifyWidgetToken request, in this order: app_id, then jwt
// (crypto::ParsedJwt::Parse's rules). Returns the parsed token.
absl::StatusOr<crypto::ParsedJwt> ValidateVerifyWidgetTokenRequest(
    const identity::v1::VerifyWidgetTokenRequest& request);

}  // namespace identity::service

#endif  // IDENTITY_SERVER_SERVICE_REQUEST_VALIDATION_H_
