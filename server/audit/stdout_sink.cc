#include "server/audit/stdout_sink.h"

#include <errno.h>
#include <unistd.h>

#include "absl/strings/str_cat.h"
#include "server/common/fd_io.h"

namespace identity::audit {

StdoutSink::StdoutSink() : socket_(IsSocket(STDOUT_FILENO)) {}

absl::Status StdoutSink::WriteText(absl::string_view text) {
  return socket_ ? SendAll(STDOUT_FILENO, text, "stdout") : WriteAll(STDOUT_FILENO, text, "stdout");
}

std::size_t StdoutSink::WriteBatch(absl::Span<const AuditLine> lines, absl::Status& error) {
  if (absl::Status s = WriteText(JoinAsLines(lines)); !s.ok()) {
    error = s;
    return lines.size();
  }
  return 0;
}

absl::Status StdoutSink::Write(absl::Time, absl::string_view json, bool durable) {
  // One write(2) per line: lines from this process never interleave.
  if (absl::Status s = WriteText(absl::StrCat(json, "\n")); !s.ok()) return s;
  // EINVAL: stdout is a pipe or terminal, which cannot be synced.
  if (durable && ::fdatasync(STDOUT_FILENO) != 0 && errno != EINVAL && errno != EROFS) {
    return ErrnoError("stdout: cannot sync", errno);
  }
  return absl::OkStatus();
}

}  // namespace identity::audit
