#include "server/common/fd_io.h"

#include <errno.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace identity {

absl::Status ErrnoError(absl::string_view what, int err) {
  const std::string message = absl::StrCat(what, ": ", std::strerror(err));
  if (err == EAGAIN || err == EWOULDBLOCK || err == ETIMEDOUT) {
    return absl::DeadlineExceededError(message);
  }
  return absl::UnavailableError(message);
}

bool IsSocket(int fd) {
  struct stat st;
  return ::fstat(fd, &st) == 0 && S_ISSOCK(st.st_mode);
}

namespace {

absl::Status WriteOrSendAll(int fd, absl::string_view data, absl::string_view what,
                            bool socket, std::size_t* written, absl::Time deadline) {
  std::size_t off = 0;
  std::size_t ignored = 0;
  std::size_t& out = written != nullptr ? *written : ignored;
  out = 0;
  while (off < data.size()) {
    if (off > 0 && deadline != absl::InfiniteFuture() && absl::Now() >= deadline) {
      return ErrnoError(what, ETIMEDOUT);
    }
    const ssize_t n = socket ? ::send(fd, data.data() + off, data.size() - off, MSG_NOSIGNAL)
                             : ::write(fd, data.data() + off, data.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return ErrnoError(what, errno);
    if (n == 0) return ErrnoError(what, EIO);
    off += static_cast<std::size_t>(n);
    out = off;
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status WriteAll(int fd, absl::string_view data, absl::string_view what,
                      std::size_t* written) {
  return WriteOrSendAll(fd, data, what, /*socket=*/false, written, absl::InfiniteFuture());
}

absl::Status SendAll(int fd, absl::string_view data, absl::string_view what,
                     std::size_t* written, absl::Time deadline) {
  return WriteOrSendAll(fd, data, what, /*socket=*/true, written, deadline);
}

}  // namespace identity
