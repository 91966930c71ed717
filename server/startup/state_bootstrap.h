#ifndef IDENTITY_SERVER_STARTUP_STATE_BOOTSTRAP_H_
#define IDENTITY_SERVER_STARTUP_STATE_BOOTSTRAP_H_

#include <cstddef>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "server/config/server_config.h"
#include "server/keyring/keyring.h"
#include "server/metrics/store_metrics.h"
#include "server/store/etcd/etcd_secret_store.h"
#include "server/store/secret_store.h"

namespace identity {

// Where identityd keeps its state, from the command line.
struct StateOptions {
  // The state directory; empty for memory-only state.
  std::string state_dir;
  // The master key file; empty to read config::kMasterKeyEnv instead.
  std::string master_key_file;
  // Versions older than the current one kept per kind.
  std::size_t previous_versions = 2;
  // Whether memory-only state (no state_dir) is allowed: development mode.
  bool allow_memory_only = false;
  // The replicated store instead of state_dir (exclusive with it): etcd
  // member URLs, "URL[,URL...]", and the key prefix and TLS files to use.
  std::string etcd_endpoints;
  std::string etcd_prefix = "/identityd/";
  std::string etcd_ca_file;
  std::string etcd_cert_file;
  std::string etcd_key_file;
  // Where the etcd store reports its watch (revision, lag, reloads); may be
  // null. Must outlive the store.
  metrics::StoreMetrics* store_metrics = nullptr;
};

// What BootstrapState starts: the store, and (for a replicated store) the
// subscription that keeps the keyring current with rotations made on other
// replicas. Destroy in reverse order (the subscription first), as members do.
struct BootstrappedState {
  std::unique_ptr<store::SecretStore> store;
  std::unique_ptr<store::StoreSubscription> follower;
};

// `identityd --init_state_dir`: makes a new state directory at
// `options.state_dir` for the master key `options` names, and logs what it
// did. Explicit by design (as `vault operator init` is): identityd's start
// never makes or repairs a state directory, so a directory emptied by
// mistake or by an attacker stops the start instead of coming up with no
// widgets. The path must not exist yet (its parent must); if it is already a
// state directory that this master key opens, and every file in it loads,
// nothing is changed (as at any start, a leftover temporary file is removed)
// and the result is OK (so scripts may run it every time);
// anything else is refused with the reason (wrong key, damage, unsafe
// ownership or mode, an existing folder that is not a state directory).
absl::Status InitialiseStateDirectory(const StateOptions& options);

// The etcd store's options from `options`' --etcd_* flags, for serving and
// for --import_state_dir alike; kInvalidArgument for a bad endpoint list.
absl::StatusOr<store::etcd::EtcdSecretStore::Options> EtcdStoreOptions(const StateOptions& options);

// Start-up: opens the store `options` describe, fills `keyring` from it (every
// stored widget, the current version of each kind), then seeds from `config`
// (may be null; read from the file `config_path`) each widget the store does
// not know yet: its initial secrets are written to the store as version 1,
// then installed. For a widget the store knows, the store wins and the
// config's secrets are not read (a log line says so). Fails, so that identityd
// refuses to start, on a state directory that is not initialised (the message
// says how to initialise one), a wrong or weak master key, an owner, mode or
// link that cannot be trusted, or any damaged state file (message "refusing
// to start: FILE: ..."; nothing on disk is changed), or a bad
// initial secret of a widget to be seeded (message "CONFIG_PATH: JSON_PATH:
// ..."; nothing is written). Without a state directory, refuses unless
// `options.allow_memory_only`, and warns. With `options.etcd_endpoints`, the
// store is etcd (store/etcd/etcd_secret_store.h): the keyring is filled from
// it and then follows its changes; a master key other than the one the prefix
// was made with refuses the start, naming --master_key_file.
absl::StatusOr<BootstrappedState> BootstrapState(
    const StateOptions& options, const config::ServerConfig* config,
    absl::string_view config_path, keyring::Keyring& keyring, absl::Time now);

}  // namespace identity

#endif  // IDENTITY_SERVER_STARTUP_STATE_BOOTSTRAP_H_
