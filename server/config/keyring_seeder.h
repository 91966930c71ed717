#ifndef IDENTITY_SERVER_CONFIG_KEYRING_SEEDER_H_
#define IDENTITY_SERVER_CONFIG_KEYRING_SEEDER_H_

#include "absl/status/status.h"
#include "absl/time/time.h"
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

}  // namespace identity::config

#endif  // IDENTITY_SERVER_CONFIG_KEYRING_SEEDER_H_
