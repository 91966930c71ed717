#include "tests/support/tcp_fault_proxy.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace identity::testing {
namespace {

sockaddr_in Loopback(int port) {
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(static_cast<std::uint16_t>(port));
  return address;
}

void MakeNonBlockingNoDelay(int fd) {
  fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

absl::Status Errno(absl::string_view what) {
  return absl::InternalError(absl::StrCat("tcp fault proxy: ", what, ": ", std::strerror(errno)));
}

}  // namespace

absl::StatusOr<std::unique_ptr<TcpFaultProxy>> TcpFaultProxy::Start(int target_port) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return Errno("socket");
  sockaddr_in address = Loopback(0);
  socklen_t length = sizeof(address);
  if (bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0 ||
      listen(fd, 64) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    absl::Status status = Errno("listen");
    close(fd);
    return status;
  }
  int wake[2];
  if (pipe2(wake, O_CLOEXEC | O_NONBLOCK) != 0) {
    absl::Status status = Errno("pipe");
    close(fd);
    return status;
  }
  return std::unique_ptr<TcpFaultProxy>(
      new TcpFaultProxy(fd, ntohs(address.sin_port), target_port, wake[0], wake[1]));
}

TcpFaultProxy::TcpFaultProxy(int listen_fd, int port, int target_port, int wake_read,
                             int wake_write)
    : listen_fd_(listen_fd),
      port_(port),
      target_port_(target_port),
      wake_read_(wake_read),
      wake_write_(wake_write),
      thread_([this] { Run(); }) {}

TcpFaultProxy::~TcpFaultProxy() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  (void)!write(wake_write_, "x", 1);
  thread_.join();
  for (Connection& connection : connections_) Close(connection);
  close(listen_fd_);
  close(wake_read_);
  close(wake_write_);
}

std::string TcpFaultProxy::url() const { return absl::StrCat("http://127.0.0.1:", port_); }

void TcpFaultProxy::SetMode(Mode mode, int after_calls) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    mode_ = mode;
    calls_left_ = after_calls;
    Release();
  }
  (void)!write(wake_write_, "x", 1);
}

std::size_t TcpFaultProxy::held_bytes() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::size_t held = 0;
  for (const Connection& connection : connections_) {
    held += connection.held_to_target.size() + connection.held_to_client.size();
  }
  return held;
}

std::size_t TcpFaultProxy::calls_ended() const {
  std::lock_guard<std::mutex> lock(mu_);
  return calls_ended_;
}

bool TcpFaultProxy::HoldingRequests() const {
  return calls_left_ == 0 && mode_ == Mode::kHoldRequests;
}

bool TcpFaultProxy::HoldingReplies() const {
  return calls_left_ == 0 && mode_ == Mode::kHoldReplies;
}

void TcpFaultProxy::Release() {
  for (Connection& connection : connections_) {
    if (!HoldingRequests()) {
      connection.to_target += connection.held_to_target;
      connection.held_to_target.clear();
    }
    if (!HoldingReplies()) {
      connection.to_client += connection.held_to_client;
      connection.held_to_client.clear();
    }
  }
}

void TcpFaultProxy::RouteFromClient(Connection& connection, const std::string& bytes) {
  (HoldingRequests() ? connection.held_to_target : connection.to_target) += bytes;
}

void TcpFaultProxy::RouteFromTarget(Connection& connection, const std::string& bytes) {
  // HTTP/2 frame header (RFC 9113, 4.1): length (24 bits), type, flags,
  // stream id. DATA (0) and HEADERS (1) frames end their stream with flag
  // END_STREAM (0x1).
  constexpr std::size_t kHeaderSize = 9;
  FrameCursor& cursor = connection.replies;
  std::size_t at = 0;
  while (at < bytes.size()) {
    // The bytes up to the next frame boundary go where the mode says now; a
    // hold that starts at a call's end starts at that frame's end.
    std::size_t take;
    if (cursor.header.size() < kHeaderSize) {
      take = std::min(kHeaderSize - cursor.header.size(), bytes.size() - at);
      cursor.header.append(bytes, at, take);
      if (cursor.header.size() == kHeaderSize) {
        const auto byte = [&](int i) { return static_cast<std::uint8_t>(cursor.header[i]); };
        cursor.payload_left = (std::uint32_t{byte(0)} << 16) | (byte(1) << 8) | byte(2);
        const std::uint32_t stream = ((byte(5) & 0x7fu) << 24) | (byte(6) << 16) |
                                     (byte(7) << 8) | byte(8);
        cursor.ends_stream = (byte(3) == 0 || byte(3) == 1) && (byte(4) & 0x1) && stream != 0;
      }
    } else {
      take = std::min<std::size_t>(cursor.payload_left, bytes.size() - at);
      cursor.payload_left -= static_cast<std::uint32_t>(take);
    }
    (HoldingReplies() ? connection.held_to_client : connection.to_client)
        .append(bytes, at, take);
    at += take;
    if (cursor.header.size() == kHeaderSize && cursor.payload_left == 0) {
      if (cursor.ends_stream) {
        ++calls_ended_;
        if (calls_left_ > 0) --calls_left_;
      }
      cursor.header.clear();
    }
  }
}

void TcpFaultProxy::Accept() {
  const int client = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
  if (client < 0) return;
  const int target = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address = Loopback(target_port_);
  if (target < 0 || connect(target, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
    // The target is down: the client sees its connection closed, as it would.
    if (target >= 0) close(target);
    close(client);
    return;
  }
  MakeNonBlockingNoDelay(client);
  MakeNonBlockingNoDelay(target);
  Connection connection;
  connection.client_fd = client;
  connection.target_fd = target;
  connections_.push_back(std::move(connection));
}

bool TcpFaultProxy::Read(int from, std::string& bytes) {
  char chunk[16384];
  for (;;) {
    const ssize_t n = read(from, chunk, sizeof(chunk));
    if (n > 0) {
      bytes.append(chunk, static_cast<std::size_t>(n));
      continue;
    }
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return true;
    if (n < 0 && errno == EINTR) continue;
    return false;  // end of stream or an error
  }
}

bool TcpFaultProxy::Drain(int to, std::string& buffer) {
  while (!buffer.empty()) {
    const ssize_t n = send(to, buffer.data(), buffer.size(), MSG_NOSIGNAL);
    if (n > 0) {
      buffer.erase(0, static_cast<std::size_t>(n));
      continue;
    }
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return true;
    if (n < 0 && errno == EINTR) continue;
    return false;
  }
  return true;
}

void TcpFaultProxy::Close(Connection& connection) {
  if (connection.client_fd >= 0) close(connection.client_fd);
  if (connection.target_fd >= 0) close(connection.target_fd);
  connection.client_fd = connection.target_fd = -1;
}

void TcpFaultProxy::Run() {
  std::vector<pollfd> fds;
  for (;;) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (stopping_) return;
      // Both sides are always read (held bytes wait here), so a held
      // direction never stalls the other in the kernel's buffers.
      fds.assign({pollfd{wake_read_, POLLIN, 0}, pollfd{listen_fd_, POLLIN, 0}});
      for (const Connection& connection : connections_) {
        const auto events = [](const std::string& to_send) {
          return static_cast<short>(POLLIN | (to_send.empty() ? 0 : POLLOUT));
        };
        fds.push_back(pollfd{connection.client_fd, events(connection.to_client), 0});
        fds.push_back(pollfd{connection.target_fd, events(connection.to_target), 0});
      }
    }
    if (poll(fds.data(), fds.size(), 200) < 0 && errno != EINTR) return;
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) return;
    if (fds[0].revents & POLLIN) {
      char drain[64];
      while (read(wake_read_, drain, sizeof(drain)) > 0) {
      }
    }
    // Connections polled this round (Accept below appends after them).
    const std::size_t polled = (fds.size() - 2) / 2;
    for (std::size_t i = 0; i < polled; ++i) {
      Connection& connection = connections_[i];
      bool open = true;
      std::string bytes;
      if (fds[2 + 2 * i].revents & (POLLIN | POLLHUP | POLLERR)) {
        open = Read(connection.client_fd, bytes) && open;
        RouteFromClient(connection, bytes);
      }
      bytes.clear();
      if (fds[3 + 2 * i].revents & (POLLIN | POLLHUP | POLLERR)) {
        open = Read(connection.target_fd, bytes) && open;
        RouteFromTarget(connection, bytes);
      }
      open = Drain(connection.target_fd, connection.to_target) && open;
      open = Drain(connection.client_fd, connection.to_client) && open;
      // A side that closed closes the other (what it had sent is dropped:
      // the connection is over either way).
      if (!open) Close(connection);
    }
    std::erase_if(connections_, [](const Connection& c) { return c.client_fd < 0; });
    if (fds[1].revents & POLLIN) Accept();
  }
}

}  // namespace identity::testing
