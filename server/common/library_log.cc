#include "server/common/library_log.h"

#include <google/protobuf/stubs/logging.h>
#include <grpc/support/log.h>

#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "server/common/log.h"
#include "server/common/log_throttle.h"

namespace identity {
namespace {

// Library messages can quote what a caller sent (a header value): keep them
// short and on one line.
constexpr std::size_t kMaxMessageBytes = 300;

LogThrottle& Throttle() {
  static LogThrottle* throttle = new LogThrottle(10, absl::Minutes(1));  // used until exit
  return *throttle;
}

absl::string_view BaseName(absl::string_view path) {
  const std::size_t slash = path.rfind('/');
  return slash == absl::string_view::npos ? path : path.substr(slash + 1);
}

void Emit(LogLevel level, absl::string_view library, absl::string_view file, int line,
          absl::string_view message) {
  const std::string where = absl::StrCat(BaseName(file), ":", line);
  const LogThrottle::Decision decision = Throttle().Admit(where, absl::Now());
  if (!decision.emit) return;
  std::string text(message.substr(0, kMaxMessageBytes));
  for (char& c : text) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = ' ';
  }
  if (message.size() > kMaxMessageBytes) text += "...";
  Log(level, absl::StrCat(library, ": ", text, " [", where, "]",
                          LogThrottle::SuppressedNote(decision.suppressed)));
}

void GrpcLog(gpr_log_func_args* args) {
  Emit(args->severity == GPR_LOG_SEVERITY_ERROR ? LogLevel::kError : LogLevel::kInfo, "grpc",
       args->file != nullptr ? args->file : "", args->line,
       args->message != nullptr ? args->message : "");
}

void ProtobufLog(google::protobuf::LogLevel level, const char* filename, int line,
                 const std::string& message) {
  Emit(level >= google::protobuf::LOGLEVEL_ERROR     ? LogLevel::kError
       : level == google::protobuf::LOGLEVEL_WARNING ? LogLevel::kWarning
                                                     : LogLevel::kInfo,
       "protobuf", filename != nullptr ? filename : "", line, message);
}

}  // namespace

void RouteLibraryLogsThroughIdentityLog() {
  gpr_set_log_function(GrpcLog);
  google::protobuf::SetLogHandler(ProtobufLog);
}

}  // namespace identity
