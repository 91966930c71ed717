#include "server/service/email_hash_batch.h"

#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "server/audit/email_batch_digest.h"
#include "server/crypto/email_hasher.h"
#include "server/service/call_metrics.h"

namespace identity::service {

using identity::v1::EmailHashError;
using identity::v1::IssueEmailHashesRequest;
using identity::v1::IssueEmailHashesResponse;

EmailHashError EmailHashErrorAt(int index, const absl::Status& status) {
  // ValidateEmail's messages start with the field's name, "email"
  // (request_validation.h); the rest is the rule, kept word for word.
  absl::string_view rule = status.message();
  absl::ConsumePrefix(&rule, "email");
  EmailHashError error;
  error.set_code(static_cast<int>(status.code()));
  error.set_message(absl::StrCat("emails[", index, "]", rule));
  return error;
}

absl::Status IssueEmailHashBatch(const keyring::Keyring& keyring,
                                 const IssueEmailHashesRequest& request,
                                 IssueEmailHashesResponse& response, audit::AuditEvent& event,
                                 const audit::EmailPseudonymizer* emails) {
  audit::BatchDetails& batch = event.batch.emplace();
  batch.emails = static_cast<std::uint64_t>(request.emails_size());
  if (emails != nullptr) {
    audit::EmailBatchDigest digest(*emails);
    for (const std::string& email : request.emails()) digest.Add(email);
    batch.digest = digest.Finish();
  }

  absl::StatusOr<std::shared_ptr<const keyring::SecretVersion>> secret =
      keyring.Current(request.app_id(), widget::SecretKind::kEmailHash);
  if (!secret.ok()) return secret.status();
  const crypto::EmailHasher& hasher = *(*secret)->email_hasher();

  // One result per email; a rule broken by one email fails only its result.
  auto& results = *response.mutable_results();
  results.Reserve(request.emails_size());
  for (int i = 0; i < request.emails_size(); ++i) {
    const std::string& email = request.emails(i);
    identity::v1::EmailHashResult& result = *results.Add();
    if (absl::Status s = ValidateEmail(email); !s.ok()) {
      *result.mutable_error() = EmailHashErrorAt(i, s);
      continue;
    }
    std::string& hash = *result.mutable_email_hash();
    hash.resize(crypto::kEmailHashHexLength);
    hasher.HashTo(email, hash.data());
    ++batch.hashed;
  }
  response.set_secret_version((*secret)->version());
  event.version = (*secret)->version();
  CallMetrics::Global().RecordBatchEmails(batch.hashed, batch.emails - batch.hashed);
  return absl::OkStatus();
}

}  // namespace identity::service
