#ifndef IDENTITY_SERVER_AUDIT_EMAIL_BATCH_DIGEST_H_
#define IDENTITY_SERVER_AUDIT_EMAIL_BATCH_DIGEST_H_

#include <memory>
#include <optional>
#include <string>

#include "absl/strings/string_view.h"
#include "server/audit/email_pseudonymizer.h"

namespace identity::audit {

// EmailBatchDigest sums up the emails of one batch call (IssueEmailHashes)
// for its single audit event, in the email mode of the log:
//
//   pseudonym  hex(SHA-256 over, for each email in request order, its
//              pseudonym (64 hex) and "\n"): what
//                while read -r e; do identityctl audit-hash "$e"; done < emails.txt | sha256sum
//              prints for the batch's emails, one per line;
//   plain      hex(SHA-256 over each email and "\n"): `sha256sum emails.txt`;
//   omit       nothing.
//
// Either way the line holds no address (nor, in pseudonym mode, anything an
// investigator without the audit key could test an address against), yet
// one who holds the batch's list can show that this call was that list.
//
//   EmailBatchDigest digest(pseudonymizer);
//   for (const std::string& email : emails) digest.Add(email);
//   std::optional<std::string> hex = digest.Finish();
class EmailBatchDigest {
 public:
  // `emails` must outlive this object.
  explicit EmailBatchDigest(const EmailPseudonymizer& emails);
  ~EmailBatchDigest();
  EmailBatchDigest(const EmailBatchDigest&) = delete;
  EmailBatchDigest& operator=(const EmailBatchDigest&) = delete;

  // Adds the next email of the batch.
  void Add(absl::string_view email);

  // The digest as 64 lowercase hex characters (nullopt in omit mode). Once.
  std::optional<std::string> Finish();

 private:
  struct Sha256;
  const EmailPseudonymizer& emails_;
  std::unique_ptr<Sha256> sha256_;  // null in omit mode
};

}  // namespace identity::audit

#endif  // IDENTITY_SERVER_AUDIT_EMAIL_BATCH_DIGEST_H_
