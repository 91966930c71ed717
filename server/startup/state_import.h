#ifndef IDENTITY_SERVER_STARTUP_STATE_IMPORT_H_
#define IDENTITY_SERVER_STARTUP_STATE_IMPORT_H_

#include <string>

#include "absl/status/status.h"
#include "server/startup/state_bootstrap.h"

namespace identity {

// `identityd --import_state_dir=DIR --etcd_endpoints=...`: the one-shot move
// from one machine to replicas. Opens the state directory DIR (identityd must
// not be running on it: its lock is taken) and the etcd prefix `options`
// names, with the one master key both use (the etcd key check is made if the
// prefix is new, and must match otherwise), then copies every widget, with
// its kept versions, into etcd. Per widget: created if etcd does not know
// it; updated if etcd holds an older state of it (each kind's current version
// in etcd is one DIR holds, with the same key); unchanged if etcd holds the
// same versions; refused, and left as it is, if etcd holds a newer or a
// different version (rotated there since). Idempotent: running it again
// changes nothing. Logs one line per widget not unchanged and a summary.
// kFailedPrecondition if any widget was refused (after trying all), so that
// a script notices.
absl::Status ImportStateDirectory(const StateOptions& options, const std::string& state_dir);

}  // namespace identity

#endif  // IDENTITY_SERVER_STARTUP_STATE_IMPORT_H_
