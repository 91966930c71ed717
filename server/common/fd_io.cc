#include "server/common/fd_io.h"

#include <errno.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>

#include "absl/strings/str_cat.h"

namespace identity {

absl::Status ErrnoError(absl::string_view what, int err) {
  const std::string message = absl::StrCat(what, ": ", std::strerror(err));
  if (err == EAGAIN || err == EWOULDBLOCK || err == ETIMEDOUT) {
    return absl::DeadlineExceededError(message);
  }
  return absl::UnavailableError(message);
}

absl::Status WriteAll(int fd, absl::string_view data, absl::string_view what) {
  struct stat st;
  const bool socket = ::fstat(fd, &st) == 0 && S_ISSOCK(st.st_mode);
  std::size_t off = 0;
  while (off < data.size()) {
    const ssize_t n = socket ? ::send(fd, data.data() + off, data.size() - off, MSG_NOSIGNAL)
                             : ::write(fd, data.data() + off, data.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return ErrnoError(what, errno);
    if (n == 0) return ErrnoError(what, EIO);
    off += static_cast<std::size_t>(n);
  }
  return absl::OkStatus();
}

}  // namespace identity
