#ifndef IDENTITY_SERVER_SERVICE_EMAIL_HASH_BATCH_H_
#define IDENTITY_SERVER_SERVICE_EMAIL_HASH_BATCH_H_

#include <cstddef>

#include "absl/status/status.h"
#include "identity/v1/identity.pb.h"
#include "server/audit/audit_event.h"
#include "server/audit/email_pseudonymizer.h"
#include "server/keyring/keyring.h"
#include "server/service/request_validation.h"

namespace identity::service {

// IssueEmailHashes, the bulk form of IssueEmailHash (backfills, exports): its
// work once the caller is authorized. The handler in
// identity_service_impl.cc admits, validates (ValidateEmailHashesRequest,
// request_validation.h), authorizes and then calls IssueEmailHashBatch.

// The error of emails[`index`] from ValidateEmail's `status`: the same rule,
// naming the email by its index ("emails[3]: must contain exactly one '@'").
identity::v1::EmailHashError EmailHashErrorAt(int index, const absl::Status& status);

// Hashes every email of `request` that passes ValidateEmail (IssueEmailHash's
// rule) with the widget's current email-hash secret, into `response`: one
// result per email in request order (the hash, or EmailHashErrorAt), and the
// secret version. Records the batch in `event` (kind, version, and
// audit::BatchDetails with the count and, unless `emails` is null or in omit
// mode, the emails' digest; never an email). kNotFound / kFailedPrecondition
// from the keyring for the whole call.
absl::Status IssueEmailHashBatch(const keyring::Keyring& keyring,
                                 const identity::v1::IssueEmailHashesRequest& request,
                                 identity::v1::IssueEmailHashesResponse& response,
                                 audit::AuditEvent& event, const audit::EmailPseudonymizer* emails);

}  // namespace identity::service

#endif  // IDENTITY_SERVER_SERVICE_EMAIL_HASH_BATCH_H_
