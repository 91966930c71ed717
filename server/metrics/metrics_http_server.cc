#include "server/metrics/metrics_http_server.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "server/common/fd_io.h"
#include "server/metrics/text_format.h"

namespace identity::metrics {
namespace {

// A Prometheus scrape request is a few hundred bytes.
constexpr std::size_t kMaxRequestBytes = 8192;

std::string Response(absl::string_view status, absl::string_view content_type,
                     absl::string_view body, bool head, absl::string_view extra_headers = "") {
  return absl::StrCat("HTTP/1.1 ", status, "\r\nContent-Type: ", content_type,
                      "\r\nContent-Length: ", body.size(), "\r\n", extra_headers,
                      "Connection: close\r\n\r\n", head ? "" : body);
}

void SetTimeouts(int fd, absl::Duration timeout) {
  const timeval tv = absl::ToTimeval(timeout);
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

// After the answer: half-closes, then reads what the client still sends (at
// most 64 KiB for at most 200 ms) before the caller closes. Closing a socket
// with unread bytes sends a reset, which can destroy the answer before the
// client has read it.
void Drain(int fd) {
  shutdown(fd, SHUT_WR);
  SetTimeouts(fd, absl::Milliseconds(100));
  const absl::Time deadline = absl::Now() + absl::Milliseconds(200);
  char buffer[4096];
  for (std::size_t total = 0; total < 64 * 1024 && absl::Now() < deadline;) {
    const ssize_t n = recv(fd, buffer, sizeof(buffer), 0);
    if (n <= 0) return;
    total += static_cast<std::size_t>(n);
  }
}

}  // namespace

absl::StatusOr<std::unique_ptr<MetricsHttpServer>> MetricsHttpServer::Start(
    const std::string& host, int port, std::function<std::string()> render, Options options) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* found = nullptr;
  const std::string port_text = absl::StrCat(port);
  if (const int rc = getaddrinfo(host.c_str(), port_text.c_str(), &hints, &found); rc != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot resolve \"", host, "\": ", gai_strerror(rc)));
  }
  int fd = -1;
  int err = 0;
  for (addrinfo* a = found; a != nullptr; a = a->ai_next) {
    fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) {
      err = errno;
      continue;
    }
    // SO_REUSEADDR only (restarts while old connections sit in TIME_WAIT);
    // never SO_REUSEPORT: a second identityd must fail, not share the port.
    const int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (bind(fd, a->ai_addr, a->ai_addrlen) == 0 && listen(fd, 16) == 0) break;
    err = errno;
    close(fd);
    fd = -1;
  }
  freeaddrinfo(found);
  if (fd < 0) {
    return absl::UnavailableError(
        absl::StrCat("cannot listen on ", host, ":", port, ": ", std::strerror(err)));
  }
  sockaddr_storage bound{};
  socklen_t bound_len = sizeof(bound);
  getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &bound_len);
  const int bound_port =
      ntohs(bound.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port
                                        : reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
  const int wake_fd = eventfd(0, EFD_CLOEXEC);
  if (wake_fd < 0) {
    close(fd);
    return absl::InternalError(absl::StrCat("eventfd: ", std::strerror(errno)));
  }
  return std::unique_ptr<MetricsHttpServer>(
      new MetricsHttpServer(fd, wake_fd, bound_port, std::move(render), options));
}

MetricsHttpServer::MetricsHttpServer(int listen_fd, int wake_fd, int port,
                                     std::function<std::string()> render, Options options)
    : listen_fd_(listen_fd),
      wake_fd_(wake_fd),
      port_(port),
      render_(std::move(render)),
      options_(options),
      thread_([this] { Run(); }) {}

MetricsHttpServer::~MetricsHttpServer() {
  stop_.store(true);
  const std::uint64_t one = 1;
  (void)!write(wake_fd_, &one, sizeof(one));
  thread_.join();
  close(listen_fd_);
  close(wake_fd_);
}

void MetricsHttpServer::Run() {
  while (!stop_.load()) {
    pollfd fds[2] = {{listen_fd_, POLLIN, 0}, {wake_fd_, POLLIN, 0}};
    if (poll(fds, 2, -1) < 0) continue;  // EINTR
    if (fds[1].revents != 0) return;
    if ((fds[0].revents & POLLIN) == 0) continue;
    const int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;  // the peer left already, or out of descriptors: next
    Serve(fd);
    close(fd);
  }
}

void MetricsHttpServer::Serve(int fd) {
  SetTimeouts(fd, options_.io_timeout);
  const absl::Time deadline = absl::Now() + options_.io_timeout;
  // Read the request head; the body (there is none for GET) is ignored.
  std::string request;
  char buffer[2048];
  while (!absl::StrContains(request, "\r\n\r\n")) {
    if (request.size() >= kMaxRequestBytes || absl::Now() > deadline) {
      (void)SendAll(fd, Response("431 Request Header Fields Too Large", "text/plain", "", false),
                    "metrics response", nullptr, deadline);
      Drain(fd);
      return;
    }
    const ssize_t n = recv(fd, buffer, sizeof(buffer), 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // closed, reset or timed out before a whole request
    request.append(buffer, static_cast<std::size_t>(n));
  }
  // "METHOD SP TARGET SP VERSION"
  const std::vector<absl::string_view> line =
      absl::StrSplit(absl::string_view(request).substr(0, request.find("\r\n")), ' ');
  std::string response;
  if (line.size() != 3 || !absl::StartsWith(line[2], "HTTP/1.")) {
    response = Response("400 Bad Request", "text/plain", "bad request\n", false);
  } else {
    const absl::string_view method = line[0];
    const absl::string_view path = line[1].substr(0, line[1].find('?'));
    const bool head = method == "HEAD";
    if (path != "/metrics") {
      response = Response("404 Not Found", "text/plain", "only /metrics is served here\n", head);
    } else if (method != "GET" && !head) {
      response = Response("405 Method Not Allowed", "text/plain", "GET only\n", false,
                          "Allow: GET, HEAD\r\n");
    } else {
      response = Response("200 OK", kTextFormatContentType, render_(), head);
    }
  }
  (void)SendAll(fd, response, "metrics response", nullptr, deadline);
  Drain(fd);
}

}  // namespace identity::metrics
