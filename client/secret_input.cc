#include "client/secret_input.h"

#include <fcntl.h>
#include <openssl/crypto.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace identity::client {
namespace {

// Turns terminal echo off for its lifetime.
class NoEcho {
 public:
  explicit NoEcho(int fd) : fd_(fd) {
    if (tcgetattr(fd_, &saved_) != 0) return;
    termios quiet = saved_;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    active_ = tcsetattr(fd_, TCSAFLUSH, &quiet) == 0;
  }
  ~NoEcho() {
    if (active_) tcsetattr(fd_, TCSAFLUSH, &saved_);
  }

 private:
  int fd_;
  termios saved_{};
  bool active_ = false;
};

absl::StatusOr<std::string> ReadAll(int fd, absl::string_view source) {
  std::string out(kMaxSecretInputBytes + 1, '\0');
  std::size_t len = 0;
  while (len < out.size()) {
    const ssize_t n = ::read(fd, out.data() + len, out.size() - len);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      CleanseString(out);
      return absl::UnavailableError(absl::StrCat("cannot read ", source, ": ", std::strerror(errno)));
    }
    if (n == 0) break;
    len += static_cast<std::size_t>(n);
    // A terminal delivers a line at a time; stop at the first newline.
    if (isatty(fd) && out[len - 1] == '\n') break;
  }
  if (len > kMaxSecretInputBytes) {
    CleanseString(out);
    return absl::InvalidArgumentError(
        absl::StrCat(source, " holds more than ", kMaxSecretInputBytes, " bytes"));
  }
  if (len >= 2 && out[len - 2] == '\r' && out[len - 1] == '\n') {
    len -= 2;
  } else if (len >= 1 && out[len - 1] == '\n') {
    len -= 1;
  }
  // Shrink without reallocating, then wipe the bytes past the end.
  OPENSSL_cleanse(out.data() + len, out.size() - len);
  out.resize(len);
  if (out.empty()) return absl::InvalidArgumentError(absl::StrCat(source, " is empty"));
  return out;
}

}  // namespace

void CleanseString(std::string& text) {
  OPENSSL_cleanse(text.data(), text.size());
  text.clear();
}

absl::StatusOr<std::string> ReadSecretInput(const std::string& path) {
  if (path == "-") {
    if (isatty(STDIN_FILENO)) {
      std::fputs("Secret (input hidden, then Enter): ", stderr);
      std::fflush(stderr);
      NoEcho no_echo(STDIN_FILENO);
      absl::StatusOr<std::string> secret = ReadAll(STDIN_FILENO, "stdin");
      std::fputs("\n", stderr);
      return secret;
    }
    return ReadAll(STDIN_FILENO, "stdin");
  }
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return absl::NotFoundError(
        absl::StrCat("--secret_file: cannot open ", path, ": ", std::strerror(errno)));
  }
  absl::StatusOr<std::string> secret = ReadAll(fd, absl::StrCat("--secret_file ", path));
  ::close(fd);
  return secret;
}

}  // namespace identity::client
