#ifndef IDENTITY_SERVER_STARTUP_LOG_SETUP_H_
#define IDENTITY_SERVER_STARTUP_LOG_SETUP_H_

#include "absl/status/status.h"

namespace identity {

// Applies --log_format and --log_level to the operational log
// (server/common/log.h). Call right after the flags are parsed, before any
// thread starts. kInvalidArgument naming the flag for a bad value.
absl::Status ApplyLogFlags();

}  // namespace identity

#endif  // IDENTITY_SERVER_STARTUP_LOG_SETUP_H_
