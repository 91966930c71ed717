#include "server/audit/stdout_sink.h"

#include <errno.h>
#include <unistd.h>

#include "absl/strings/str_cat.h"
#include "server/common/fd_io.h"

namespace identity::audit {

absl::Status StdoutSink::Write(absl::Time, absl::string_view json, bool durable) {
  // One write(2) per line: lines from this process never interleave.
  if (absl::Status s = WriteAll(STDOUT_FILENO, absl::StrCat(json, "\n"), "stdout"); !s.ok()) {
    return s;
  }
  // EINVAL: stdout is a pipe or terminal, which cannot be synced.
  if (durable && ::fdatasync(STDOUT_FILENO) != 0 && errno != EINVAL && errno != EROFS) {
    return ErrnoError("stdout: cannot sync", errno);
  }
  return absl::OkStatus();
}

}  // namespace identity::audit
