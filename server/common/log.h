#ifndef IDENTITY_SERVER_COMMON_LOG_H_
#define IDENTITY_SERVER_COMMON_LOG_H_

#include <initializer_list>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace identity {

// The operational log on stderr, one line per call of Log(): for operators
// (start-up, configuration, reloads, failures, shutdown); it never carries a
// secret. Security events go to the audit log, not here. Two formats
// (--log_format):
//   text  2026-11-25T10:00:00.123Z WARNING identityd: message [request_id=abc]
//   json  {"time":"2026-11-25T10:00:00.123Z","level":"WARNING","message":"message",
//          "request_id":"abc"}
// JSON lines are one object each, made by nlohmann/json (escaping included;
// bytes that are not UTF-8 become U+FFFD). Fields (key=value pairs) come from
// the call and from ScopedLogField; in JSON they are top-level keys.
enum class LogLevel { kInfo, kWarning, kError };
enum class LogFormat { kText, kJson };

// A key and a value added to a line. Keys are fixed names in the code
// ("request_id"); values must never hold a secret.
using LogField = std::pair<absl::string_view, absl::string_view>;

void Log(LogLevel level, absl::string_view message,
         std::initializer_list<LogField> fields = {});
inline void LogInfo(absl::string_view message) { Log(LogLevel::kInfo, message); }
inline void LogWarning(absl::string_view message) { Log(LogLevel::kWarning, message); }
inline void LogError(absl::string_view message) { Log(LogLevel::kError, message); }

// Process-wide settings, applied once at start (before threads log). Lines
// below `level` are not written. Defaults: text, info.
void SetLogFormat(LogFormat format);
void SetMinLogLevel(LogLevel level);

// Parse --log_format and --log_level values ("text", "json"; "info",
// "warning", "error"). kInvalidArgument naming the accepted values otherwise.
absl::Status ParseLogFormat(absl::string_view text, LogFormat* out_format);
absl::Status ParseLogLevel(absl::string_view text, LogLevel* out_level);

// ScopedLogField adds `key`=`value` to every line this thread logs while it
// lives: the request id of the call a thread is handling, so that the lines
// about that call (a rotation that failed) carry it. `key` and `value` must
// outlive it. Nests (at most 4 at a time; more are ignored). Not movable.
//
//   ScopedLogField request("request_id", audit.event().request_id);
class ScopedLogField {
 public:
  ScopedLogField(absl::string_view key, absl::string_view value);
  ~ScopedLogField();
  ScopedLogField(const ScopedLogField&) = delete;
  ScopedLogField& operator=(const ScopedLogField&) = delete;

 private:
  bool added_;
};

}  // namespace identity

#endif  // IDENTITY_SERVER_COMMON_LOG_H_
