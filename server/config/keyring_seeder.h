#ifndef IDENTITY_SERVER_CONFIG_KEYRING_SEEDER_H_
#define IDENTITY_SERVER_CONFIG_KEYRING_SEEDER_H_

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "server/crypto/secret_bytes.h"
#include "server/config/server_config.h"
#include "server/keyring/keyring.h"

namespace identity::config {

// SeedKeyring registers every widget of `config` in `keyring` and installs its
// initial secrets as version 1, read from their files or environment
// variables. All-or-nothing: every secret is read and checked before the
// keyring is touched, so a bad entry leaves it empty. Errors name the JSON path
// of the entry (e.g. "widgets[1].jwt_secret.file: JWT secret must be 16..256
// characters; got 9") and never a secret.
absl::Status SeedKeyring(const ServerConfig& config, keyring::Keyring& keyring, absl::Time now);

// Reads one initial secret from its file or environment variable and checks
// it against the rules of `kind`. Returns its key bytes (hex-decoded for
// kEmailHash, as displayed for kJwt). Errors start with the entry's JSON path
// (e.g. "widgets[1].jwt_secret.file: ...") and never quote the secret.
absl::StatusOr<crypto::SecretBytes> ReadInitialSecretKey(const SecretSourceConfig& source,
                                                         keyring::SecretKind kind);

}  // namespace identity::config

#endif  // IDENTITY_SERVER_CONFIG_KEYRING_SEEDER_H_
