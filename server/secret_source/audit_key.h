#ifndef IDENTITY_SERVER_SECRET_SOURCE_AUDIT_KEY_H_
#define IDENTITY_SERVER_SECRET_SOURCE_AUDIT_KEY_H_

#include <string>

#include "absl/status/statusor.h"
#include "server/crypto/email_hasher.h"

namespace identity::secret_source {

// Reads the audit key that makes email pseudonyms (docs/audit.md) from
// `file`, or, if `file` is empty, from the environment variable `env`, and
// returns the hasher it keys (the key is hex, as an email-hash secret:
// EmailHasher::FromHexSecret). kNotFound when `file` is empty and `env` is
// unset or empty; otherwise errors name the file or the variable, never the
// key. identityd and `identityctl audit-hash` read it the same way.
absl::StatusOr<crypto::EmailHasher> ReadAuditKey(const std::string& file, const std::string& env);

}  // namespace identity::secret_source

#endif  // IDENTITY_SERVER_SECRET_SOURCE_AUDIT_KEY_H_
