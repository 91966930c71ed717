#include "server/service/email_hash_verifier.h"

#include <openssl/crypto.h>

#include <optional>
#include <string>
#include <vector>

#include "absl/strings/strip.h"
#include "server/crypto/constant_time.h"
#include "server/crypto/email_hasher.h"
#include "server/service/kept_secrets.h"

namespace identity::service {

using identity::v1::EmailHashVerdict;

absl::Status ExplainEmailHash(const store::StoredWidget& widget, absl::string_view email,
                             absl::string_view email_hash,
                             identity::v1::VerifyEmailHashResponse& response) {
  absl::StatusOr<std::vector<const store::StoredSecret*>> kept =
      KeptSecrets(widget, widget::SecretKind::kEmailHash);
  if (!kept.ok()) return kept.status();
  std::optional<std::uint64_t> match;
  std::string hash(crypto::kEmailHashHexLength, '\0');
  for (const store::StoredSecret* secret : *kept) {
    absl::StatusOr<crypto::EmailHasher> hasher = crypto::EmailHasher::FromKey(secret->key);
    if (!hasher.ok()) {
      return absl::InternalError("a stored email-hash secret is not a usable key");
    }
    hasher->HashTo(email, hash.data());
    if (crypto::ConstantTimeEquals(hash, email_hash) && !match.has_value()) {
      match = secret->version;
    }
    response.add_checked_versions(secret->version);
  }
  // A hash made here under a previous version is a proof that version would
  // accept: not left behind in freed memory.
  OPENSSL_cleanse(hash.data(), hash.size());
  response.set_current_version(kept->front()->version);
  response.set_matched_version(match.value_or(0));
  if (!match.has_value()) {
    response.set_verdict(identity::v1::EMAIL_HASH_VERDICT_NO_MATCH);
  } else if (*match == kept->front()->version) {
    response.set_verdict(identity::v1::EMAIL_HASH_VERDICT_CURRENT_VERSION);
  } else {
    response.set_verdict(identity::v1::EMAIL_HASH_VERDICT_PREVIOUS_VERSION);
  }
  return absl::OkStatus();
}

absl::string_view VerdictName(EmailHashVerdict verdict) {
  absl::string_view name = identity::v1::EmailHashVerdict_Name(verdict);
  absl::ConsumePrefix(&name, "EMAIL_HASH_VERDICT_");
  return name;
}

}  // namespace identity::service
