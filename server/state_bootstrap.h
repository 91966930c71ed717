#ifndef IDENTITY_SERVER_STATE_BOOTSTRAP_H_
#define IDENTITY_SERVER_STATE_BOOTSTRAP_H_

#include <cstddef>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "server/config/server_config.h"
#include "server/crypto/secret_bytes.h"
#include "server/keyring/keyring.h"
#include "server/store/secret_store.h"

namespace identity {

// The environment variable that holds the master key (64 hex characters) when
// --master_key_file is not given.
inline constexpr char kMasterKeyEnv[] = "IDENTITYD_MASTER_KEY";

// Where identityd keeps its state, from the command line.
struct StateOptions {
  // The state directory; empty for memory-only state.
  std::string state_dir;
  // The master key file; empty to read kMasterKeyEnv instead.
  std::string master_key_file;
  // Versions older than the current one kept per kind.
  std::size_t previous_versions = 2;
  // Whether memory-only state (no state_dir) is allowed: development mode.
  bool allow_memory_only = false;
};

// Reads the 32-byte master key from `file`, or from kMasterKeyEnv if `file` is
// empty: 64 hex characters (either case), one trailing newline allowed (as
// written by `openssl rand -hex 32 > FILE`). Errors name the file or variable,
// never the key.
absl::StatusOr<crypto::SecretBytes> ReadMasterKey(const std::string& file);

// Start-up: opens the store `options` describe, fills `keyring` from it (every
// stored widget, the current version of each kind), then seeds from `config`
// (may be null; read from the file `config_path`) each widget the store does
// not know yet: its initial secrets are written to the store as version 1,
// then installed. For a widget the store knows, the store wins and the
// config's secrets are not read (a log line says so). Fails, so that identityd
// refuses to start, on a wrong master key or any damaged state file (message
// "refusing to start: FILE: ..."; nothing on disk is changed), or a bad
// initial secret of a widget to be seeded (message "CONFIG_PATH: JSON_PATH:
// ..."; nothing is written). Without a state directory, refuses unless
// `options.allow_memory_only`, and warns.
absl::StatusOr<std::unique_ptr<store::SecretStore>> BootstrapState(
    const StateOptions& options, const config::ServerConfig* config,
    absl::string_view config_path, keyring::Keyring& keyring, absl::Time now);

}  // namespace identity

#endif  // IDENTITY_SERVER_STATE_BOOTSTRAP_H_
