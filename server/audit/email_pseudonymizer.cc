#include "server/audit/email_pseudonymizer.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace identity::audit {

absl::StatusOr<EmailMode> ParseEmailMode(absl::string_view text) {
  if (text == "pseudonym") return EmailMode::kPseudonym;
  if (text == "plain") return EmailMode::kPlain;
  if (text == "omit") return EmailMode::kOmit;
  return absl::InvalidArgumentError(
      absl::StrCat("--audit_email: must be pseudonym, plain or omit, not \"", text, "\""));
}

absl::string_view EmailModeName(EmailMode mode) {
  switch (mode) {
    case EmailMode::kPseudonym:
      return "pseudonym";
    case EmailMode::kPlain:
      return "plain";
    case EmailMode::kOmit:
      return "omit";
  }
  return "unknown";
}

EmailPseudonymizer EmailPseudonymizer::Pseudonym(crypto::EmailHasher hasher) {
  return EmailPseudonymizer(EmailMode::kPseudonym, std::move(hasher));
}
EmailPseudonymizer EmailPseudonymizer::Plain() {
  return EmailPseudonymizer(EmailMode::kPlain, std::nullopt);
}
EmailPseudonymizer EmailPseudonymizer::Omit() {
  return EmailPseudonymizer(EmailMode::kOmit, std::nullopt);
}

std::optional<std::string> EmailPseudonymizer::Render(absl::string_view email) const {
  switch (mode_) {
    case EmailMode::kPseudonym:
      return hasher_->Hash(email);
    case EmailMode::kPlain:
      return std::string(email);
    case EmailMode::kOmit:
      return std::nullopt;
  }
  return std::nullopt;
}

}  // namespace identity::audit
