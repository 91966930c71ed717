#ifndef IDENTITY_SERVER_COMMON_LOG_H_
#define IDENTITY_SERVER_COMMON_LOG_H_

#include "absl/strings/string_view.h"

namespace identity {

// Operational log lines on stderr, one per call:
//   2026-11-25T10:00:00.123Z WARNING identityd: message
// These are for operators (start-up, configuration, shutdown); they never
// carry a secret. Security events go to the audit log, not here.
enum class LogLevel { kInfo, kWarning, kError };

void Log(LogLevel level, absl::string_view message);
inline void LogInfo(absl::string_view message) { Log(LogLevel::kInfo, message); }
inline void LogWarning(absl::string_view message) { Log(LogLevel::kWarning, message); }
inline void LogError(absl::string_view message) { Log(LogLevel::kError, message); }

}  // namespace identity

#endif  // IDENTITY_SERVER_COMMON_LOG_H_
