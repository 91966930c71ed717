#ifndef IDENTITY_SERVER_STARTUP_AUDIT_SETUP_H_
#define IDENTITY_SERVER_STARTUP_AUDIT_SETUP_H_

#include <memory>

#include "absl/status/statusor.h"
#include "server/audit/audit_log.h"

namespace identity {

// The environment variable read for the audit key when neither
// --audit_key_file nor --audit_key_env is given.
inline constexpr char kDefaultAuditKeyEnv[] = "IDENTITYD_AUDIT_KEY";

// Builds the audit log from identityd's --audit_* flags (docs/audit.md):
// opens every sink, loads the audit key for email pseudonyms. Null when
// --audit_sink=none. kInvalidArgument naming the flag for a bad value, a sink
// that cannot be opened or an unreadable key. Without any audit key in
// pseudonym mode, a random one is made for this process (with a warning:
// pseudonyms then cannot be matched across restarts or by an investigator).
absl::StatusOr<std::unique_ptr<audit::AuditLog>> AuditLogFromFlags();

}  // namespace identity

#endif  // IDENTITY_SERVER_STARTUP_AUDIT_SETUP_H_
