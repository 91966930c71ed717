#include "server/startup/log_setup.h"

#include <string>

#include "absl/flags/flag.h"
#include "server/common/log.h"

ABSL_FLAG(std::string, log_format, "text",
          "Format of the operational log on stderr: text (one line per event: time, level, "
          "message, [key=value] fields) or json (one JSON object per line with time, level, "
          "message and the fields, e.g. request_id).");
ABSL_FLAG(std::string, log_level, "info",
          "Least severe operational log lines written: info, warning or error.");

namespace identity {

absl::Status ApplyLogFlags() {
  LogFormat format;
  if (absl::Status s = ParseLogFormat(absl::GetFlag(FLAGS_log_format), &format); !s.ok()) {
    return s;
  }
  LogLevel level;
  if (absl::Status s = ParseLogLevel(absl::GetFlag(FLAGS_log_level), &level); !s.ok()) return s;
  SetLogFormat(format);
  SetMinLogLevel(level);
  return absl::OkStatus();
}

}  // namespace identity
