#ifndef IDENTITY_SERVER_CONFIG_INITIAL_SECRET_READER_H_
#define IDENTITY_SERVER_CONFIG_INITIAL_SECRET_READER_H_

#include "absl/status/statusor.h"
#include "server/config/server_config.h"
#include "server/crypto/secret_bytes.h"
#include "server/widget/secret_kind.h"

namespace identity::config {

// Reads one initial secret from its file or environment variable and checks
// it against the rules of `kind`. Returns its key bytes (hex-decoded for
// kEmailHash, as displayed for kJwt). Errors start with the entry's JSON path
// (e.g. "widgets[1].jwt_secret.file: JWT secret must be 16..256 characters;
// got 9") and never quote the secret. (Start-up reads every one before it
// seeds anything, so that a bad entry leaves the state untouched.)
absl::StatusOr<crypto::SecretBytes> ReadInitialSecretKey(const SecretSourceConfig& source,
                                                         widget::SecretKind kind);

}  // namespace identity::config

#endif  // IDENTITY_SERVER_CONFIG_INITIAL_SECRET_READER_H_
