#include "server/common/log.h"

#include <atomic>
#include <cstdio>
#include <string>

#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace identity {
namespace {

std::atomic<LogFormat> g_format{LogFormat::kText};
std::atomic<LogLevel> g_min_level{LogLevel::kInfo};

// The fields of this thread's ScopedLogFields, innermost last.
constexpr int kMaxScopedFields = 4;
thread_local LogField t_fields[kMaxScopedFields];
thread_local int t_field_count = 0;

// Whether `key` is among the fields given to Log(): those win over a
// ScopedLogField of the same key.
bool Overridden(absl::string_view key, std::initializer_list<LogField> fields) {
  for (const LogField& field : fields) {
    if (field.first == key) return true;
  }
  return false;
}

absl::string_view LevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kInfo:
      return "INFO";
    case LogLevel::kWarning:
      return "WARNING";
    case LogLevel::kError:
      return "ERROR";
  }
  return "INFO";
}

std::string TextLine(absl::string_view time, LogLevel level, absl::string_view message,
                     std::initializer_list<LogField> fields) {
  std::string line = absl::StrCat(time, " ", LevelName(level), " identityd: ", message);
  const auto append = [&line](const LogField& field) {
    absl::StrAppend(&line, " [", field.first, "=", field.second, "]");
  };
  for (int i = 0; i < t_field_count; ++i) {
    if (!Overridden(t_fields[i].first, fields)) append(t_fields[i]);
  }
  for (const LogField& field : fields) append(field);
  line += '\n';
  return line;
}

std::string JsonLine(absl::string_view time, LogLevel level, absl::string_view message,
                     std::initializer_list<LogField> fields) {
  nlohmann::ordered_json line;
  line["time"] = std::string(time);
  line["level"] = std::string(LevelName(level));
  line["message"] = std::string(message);
  for (int i = 0; i < t_field_count; ++i) {
    line[std::string(t_fields[i].first)] = std::string(t_fields[i].second);
  }
  for (const LogField& field : fields) line[std::string(field.first)] = std::string(field.second);
  // Library messages may quote bytes a caller sent: never throw on them.
  return line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

}  // namespace

void Log(LogLevel level, absl::string_view message, std::initializer_list<LogField> fields) {
  if (level < g_min_level.load(std::memory_order_relaxed)) return;
  const std::string time =
      absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", absl::Now(), absl::UTCTimeZone());
  const std::string line = g_format.load(std::memory_order_relaxed) == LogFormat::kJson
                               ? JsonLine(time, level, message, fields)
                               : TextLine(time, level, message, fields);
  // One fwrite per line, so concurrent lines do not interleave (stdio locks
  // the stream per call).
  std::fwrite(line.data(), 1, line.size(), stderr);
  std::fflush(stderr);
}

void SetLogFormat(LogFormat format) { g_format.store(format); }
void SetMinLogLevel(LogLevel level) { g_min_level.store(level); }

absl::Status ParseLogFormat(absl::string_view text, LogFormat* out_format) {
  if (text == "text") {
    *out_format = LogFormat::kText;
  } else if (text == "json") {
    *out_format = LogFormat::kJson;
  } else {
    return absl::InvalidArgumentError("--log_format: must be text or json");
  }
  return absl::OkStatus();
}

absl::Status ParseLogLevel(absl::string_view text, LogLevel* out_level) {
  if (text == "info") {
    *out_level = LogLevel::kInfo;
  } else if (text == "warning") {
    *out_level = LogLevel::kWarning;
  } else if (text == "error") {
    *out_level = LogLevel::kError;
  } else {
    return absl::InvalidArgumentError("--log_level: must be info, warning or error");
  }
  return absl::OkStatus();
}

ScopedLogField::ScopedLogField(absl::string_view key, absl::string_view value)
    : added_(t_field_count < kMaxScopedFields) {
  if (added_) t_fields[t_field_count++] = {key, value};
}

ScopedLogField::~ScopedLogField() {
  if (added_) --t_field_count;
}

}  // namespace identity
