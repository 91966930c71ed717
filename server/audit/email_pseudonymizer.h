#ifndef IDENTITY_SERVER_AUDIT_EMAIL_PSEUDONYMIZER_H_
#define IDENTITY_SERVER_AUDIT_EMAIL_PSEUDONYMIZER_H_

#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "server/crypto/email_hasher.h"

namespace identity::audit {

// How the audit log records a call's email address.
enum class EmailMode {
  kPseudonym,  // "email_hmac": HMAC-SHA256 under the audit key (the default)
  kPlain,      // "email": the address itself
  kOmit,       // nothing
};

// "pseudonym", "plain" or "omit" (the --audit_email values).
absl::StatusOr<EmailMode> ParseEmailMode(absl::string_view text);
absl::string_view EmailModeName(EmailMode mode);

// EmailPseudonymizer renders emails for the audit log. A pseudonym is
// hex(HMAC-SHA256(key = hex_decode(audit key), message = email)), the very
// formula of the widget's email hash with the audit key as the secret: an
// investigator who holds the key and knows an address computes its pseudonym
// (`identityctl audit-hash EMAIL`, or the vendor's snippet) and greps for it;
// the log alone reveals no address. Thread-safe.
class EmailPseudonymizer {
 public:
  // Pseudonyms under `hasher` (built from the audit key).
  static EmailPseudonymizer Pseudonym(crypto::EmailHasher hasher);
  static EmailPseudonymizer Plain();
  static EmailPseudonymizer Omit();

  EmailMode mode() const { return mode_; }

  // The value to record for `email` (nullopt in omit mode).
  std::optional<std::string> Render(absl::string_view email) const;

  // Pseudonym mode only: writes the pseudonym of `email` (64 lowercase hex
  // characters, as Render) to `out_hex`, without allocating.
  void PseudonymTo(absl::string_view email, char* out_hex) const {
    hasher_->HashTo(email, out_hex);
  }

 private:
  EmailPseudonymizer(EmailMode mode, std::optional<crypto::EmailHasher> hasher)
      : mode_(mode), hasher_(std::move(hasher)) {}
  EmailMode mode_;
  std::optional<crypto::EmailHasher> hasher_;
};

}  // namespace identity::audit

#endif  // IDENTITY_SERVER_AUDIT_EMAIL_PSEUDONYMIZER_H_
