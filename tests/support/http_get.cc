#include "tests/support/http_get.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace identity::testing {

absl::StatusOr<int> ConnectToLoopback(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return absl::InternalError(absl::StrCat("socket: ", std::strerror(errno)));
  const timeval tv{10, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    const int err = errno;
    close(fd);
    return absl::UnavailableError(absl::StrCat("connect to port ", port, ": ",
                                               std::strerror(err)));
  }
  return fd;
}

absl::StatusOr<std::string> HttpExchange(int port, const std::string& request) {
  absl::StatusOr<int> fd = ConnectToLoopback(port);
  if (!fd.ok()) return fd.status();
  (void)!send(*fd, request.data(), request.size(), MSG_NOSIGNAL);
  std::string response;
  char buffer[8192];
  ssize_t n;
  while ((n = recv(*fd, buffer, sizeof(buffer), 0)) > 0) response.append(buffer, n);
  close(*fd);
  if (n < 0) return absl::DeadlineExceededError("HTTP response not complete within 10 s");
  return response;
}

absl::StatusOr<std::string> HttpGet(int port, const std::string& path) {
  return HttpExchange(port, absl::StrCat("GET ", path,
                                         " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                         "Connection: close\r\n\r\n"));
}

absl::StatusOr<int> MetricsPortFromLog(const std::string& log) {
  constexpr char kPrefix[] = "metrics on http://127.0.0.1:";
  const std::size_t at = log.find(kPrefix);
  if (at == std::string::npos) return absl::NotFoundError("no metrics address in the log");
  const std::size_t start = at + sizeof(kPrefix) - 1;
  const std::size_t end = log.find('/', start);
  int port = 0;
  if (end == std::string::npos || !absl::SimpleAtoi(log.substr(start, end - start), &port)) {
    return absl::NotFoundError("no metrics port in the log");
  }
  return port;
}

}  // namespace identity::testing
