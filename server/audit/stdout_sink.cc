#include "server/audit/stdout_sink.h"

#include <errno.h>
#include <unistd.h>

#include "absl/strings/str_cat.h"
#include "server/common/fd_io.h"

namespace identity::audit {

// Under systemd, stdout is a socket to the journal: written with send() so
// that a journal restart is an error, not a SIGPIPE.
StdoutSink::StdoutSink() : stream_("stdout", IsSocket(STDOUT_FILENO)) {}

std::size_t StdoutSink::WriteBatch(absl::Span<const AuditLine> lines, absl::Status& error) {
  std::size_t complete = 0;
  if (absl::Status s = stream_.Write(STDOUT_FILENO, JoinAsLines(lines), complete); !s.ok()) {
    error = s;
  }
  return lines.size() - complete;
}

absl::Status StdoutSink::Write(absl::Time, absl::string_view json, bool durable) {
  // One write(2) per line: lines from this process never interleave.
  std::size_t complete = 0;
  if (absl::Status s = stream_.Write(STDOUT_FILENO, absl::StrCat(json, "\n"), complete);
      !s.ok()) {
    return s;
  }
  // EINVAL: stdout is a pipe or terminal, which cannot be synced.
  if (durable && ::fdatasync(STDOUT_FILENO) != 0 && errno != EINVAL && errno != EROFS) {
    return ErrnoError("stdout: cannot sync", errno);
  }
  return absl::OkStatus();
}

}  // namespace identity::audit
