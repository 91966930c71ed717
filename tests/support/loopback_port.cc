#include "tests/support/loopback_port.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace identity::testing {
namespace {

absl::StatusOr<int> BindLoopback(int type, int port, int* fd_out) {
  const int fd = ::socket(AF_INET, type | SOCK_CLOEXEC, 0);
  if (fd < 0) return absl::InternalError(absl::StrCat("socket: ", std::strerror(errno)));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    const int err = errno;
    ::close(fd);
    return absl::UnavailableError(absl::StrCat("bind: ", std::strerror(err)));
  }
  socklen_t len = sizeof(addr);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  *fd_out = fd;
  return ntohs(addr.sin_port);
}

}  // namespace

absl::StatusOr<int> FreeLoopbackPort() {
  for (int attempt = 0; attempt < 20; ++attempt) {
    int tcp_fd = -1;
    absl::StatusOr<int> port = BindLoopback(SOCK_STREAM, 0, &tcp_fd);
    if (!port.ok()) return port.status();
    int udp_fd = -1;
    absl::StatusOr<int> udp = BindLoopback(SOCK_DGRAM, *port, &udp_fd);
    ::close(tcp_fd);
    if (udp.ok()) {
      ::close(udp_fd);
      return *port;
    }
  }
  return absl::UnavailableError("no loopback port free for both TCP and UDP");
}

absl::StatusOr<RefusingLoopbackPort> RefusingLoopbackPort::Start() {
  int fd = -1;
  absl::StatusOr<int> port = BindLoopback(SOCK_STREAM, 0, &fd);
  if (!port.ok()) return port.status();
  return RefusingLoopbackPort(fd, *port);
}

RefusingLoopbackPort::~RefusingLoopbackPort() {
  if (fd_ >= 0) ::close(fd_);
}

absl::StatusOr<StalledTcpListener> StalledTcpListener::Start() {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return absl::InternalError(absl::StrCat("socket: ", std::strerror(errno)));
  // Set before listen(): accepted connections inherit it.
  const int small = 4096;
  ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 || ::listen(fd, 8) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    const int err = errno;
    ::close(fd);
    return absl::InternalError(absl::StrCat("listen: ", std::strerror(err)));
  }
  return StalledTcpListener(fd, ntohs(addr.sin_port));
}

StalledTcpListener::~StalledTcpListener() {
  if (fd_ >= 0) ::close(fd_);
}

}  // namespace identity::testing
