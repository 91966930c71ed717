#ifndef IDENTITY_SERVER_SERVICE_WIDGET_TOKEN_VERIFIER_H_
#define IDENTITY_SERVER_SERVICE_WIDGET_TOKEN_VERIFIER_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "identity/v1/identity.pb.h"
#include "server/crypto/jwt_inspector.h"
#include "server/store/stored_widget.h"

namespace identity::service {

// How far in the future a token's iat may be before VerifyWidgetToken calls
// it not yet valid: the signer's and the widget vendor's clocks differ a
// little (the vendor publishes no tolerance; a minute is what NTP-synced
// clocks comfortably stay within).
inline constexpr absl::Duration kTokenClockSkew = absl::Seconds(60);

// VerifyWidgetToken's answer for the parsed token `jwt`, checked against
// every kept version of `widget`'s JWT secret, `app_id` as the audience, the
// vendor's 15-minute lifetime (kMaxTokenTtl) and `now`, into `response`: the
// verdict, the version that signed it, and one finding per check in
// TokenCheck order. Never a key. kFailedPrecondition if the widget has no
// JWT secret; kInternal if a stored key is unusable.
absl::Status ExplainWidgetToken(const crypto::ParsedJwt& jwt, const store::StoredWidget& widget,
                               absl::string_view app_id, absl::Time now,
                               identity::v1::VerifyWidgetTokenResponse& response);

// The verdict as the audit log names it: the enum value without its prefix,
// e.g. "EXPIRED" (static storage).
absl::string_view VerdictName(identity::v1::TokenVerdict verdict);

}  // namespace identity::service

#endif  // IDENTITY_SERVER_SERVICE_WIDGET_TOKEN_VERIFIER_H_
