#ifndef IDENTITY_SERVER_SERVICE_EMAIL_HASH_VERIFIER_H_
#define IDENTITY_SERVER_SERVICE_EMAIL_HASH_VERIFIER_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "identity/v1/identity.pb.h"
#include "server/store/stored_widget.h"

namespace identity::service {

// VerifyEmailHash's answer: which kept version of `widget`'s email-hash
// secret made `email_hash` (64 lowercase hex characters, already validated)
// for `email`, into `response`. Every kept version is hashed and compared in
// constant time (CRYPTO_memcmp), and all of them always, so the time taken
// does not tell which one matched. The response holds version numbers only,
// never a key or a hash computed here. kFailedPrecondition if the widget has
// no email-hash secret; kInternal if a stored key is unusable.
absl::Status ExplainEmailHash(const store::StoredWidget& widget, absl::string_view email,
                             absl::string_view email_hash,
                             identity::v1::VerifyEmailHashResponse& response);

// The verdict as the audit log names it: the enum value without its prefix,
// e.g. "PREVIOUS_VERSION" (static storage).
absl::string_view VerdictName(identity::v1::EmailHashVerdict verdict);

}  // namespace identity::service

#endif  // IDENTITY_SERVER_SERVICE_EMAIL_HASH_VERIFIER_H_
