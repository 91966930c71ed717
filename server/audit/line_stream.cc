#include "server/audit/line_stream.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "server/common/fd_io.h"

namespace identity::audit {

absl::Status LineStream::Write(int fd, absl::string_view lines, std::size_t& complete) {
  std::string prefixed;
  absl::string_view out = lines;
  const std::size_t prefix = mid_line_ ? 1 : 0;
  if (mid_line_) {
    prefixed = absl::StrCat("\n", lines);
    out = prefixed;
  }
  std::size_t written = 0;
  const absl::Status status =
      socket_ ? SendAll(fd, out, what_, &written) : WriteAll(fd, out, what_, &written);
  if (written > 0) mid_line_ = out[written - 1] != '\n';
  const std::size_t of_lines = written > prefix ? written - prefix : 0;
  complete = static_cast<std::size_t>(std::count(lines.begin(), lines.begin() + of_lines, '\n'));
  return status;
}

}  // namespace identity::audit
