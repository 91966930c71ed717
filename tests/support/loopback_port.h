#ifndef IDENTITY_TESTS_SUPPORT_LOOPBACK_PORT_H_
#define IDENTITY_TESTS_SUPPORT_LOOPBACK_PORT_H_

#include "absl/status/statusor.h"

namespace identity::testing {

// A port on 127.0.0.1 that was free for both TCP and UDP a moment ago (the
// kernel's choice for port 0), for a server the test starts and that cannot
// report its own port (rsyslogd). Another process could take it in between;
// on loopback in a test run that is rare enough.
absl::StatusOr<int> FreeLoopbackPort();

// A TCP port on 127.0.0.1 where nothing listens for as long as this object
// lives: bound, never listening, so connections are refused (a syslog server
// that is down), and no other process can take the port meanwhile.
class RefusingLoopbackPort {
 public:
  static absl::StatusOr<RefusingLoopbackPort> Start();
  RefusingLoopbackPort(RefusingLoopbackPort&& other) noexcept
      : fd_(other.fd_), port_(other.port_) {
    other.fd_ = -1;
  }
  ~RefusingLoopbackPort();
  int port() const { return port_; }

 private:
  RefusingLoopbackPort(int fd, int port) : fd_(fd), port_(port) {}
  int fd_;
  int port_;
};

// A TCP listener on 127.0.0.1 that accepts connections (kernel backlog) and
// never reads: a syslog server that has stalled. Its receive buffer is made
// small so that a sender's buffers fill quickly.
class StalledTcpListener {
 public:
  static absl::StatusOr<StalledTcpListener> Start();
  StalledTcpListener(StalledTcpListener&& other) noexcept : fd_(other.fd_), port_(other.port_) {
    other.fd_ = -1;
  }
  ~StalledTcpListener();
  int port() const { return port_; }

 private:
  StalledTcpListener(int fd, int port) : fd_(fd), port_(port) {}
  int fd_;
  int port_;
};

}  // namespace identity::testing

#endif  // IDENTITY_TESTS_SUPPORT_LOOPBACK_PORT_H_
