#ifndef IDENTITY_TESTS_SUPPORT_RSYSLOG_PROCESS_H_
#define IDENTITY_TESTS_SUPPORT_RSYSLOG_PROCESS_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "tests/support/subprocess.h"
#include "tests/support/temp_dir.h"

namespace identity::testing {

// RsyslogProcess is a real rsyslogd (Debian's rsyslog), run in the
// foreground with its own configuration and work directory, receiving on
// 127.0.0.1 over TCP (imtcp) and UDP (imudp) on the same port and on a unix
// datagram socket (imuxsock, not the system's /dev/log). Each input writes
// the MSG part of every message, one per line, to its own file, the way
// docs/audit.md tells operators to configure it. Killed when destroyed.
class RsyslogProcess {
 public:
  static absl::StatusOr<std::unique_ptr<RsyslogProcess>> Start();
  ~RsyslogProcess();

  int port() const { return port_; }
  std::string unix_socket() const { return dir_.File("audit.sock"); }

  // The messages received so far on each input, one per element.
  std::vector<std::string> TcpMessages() const;
  std::vector<std::string> UdpMessages() const;
  std::vector<std::string> UnixMessages() const;

  // Waits (bounded) until `messages()` returns at least `count` messages.
  static bool WaitFor(const std::function<std::vector<std::string>()>& messages,
                      std::size_t count, absl::Duration timeout);

  std::string Logs() const;

 private:
  RsyslogProcess() = default;
  std::vector<std::string> Messages(const std::string& name) const;

  TempDir dir_;
  int port_ = 0;
  std::unique_ptr<Subprocess> process_;
};

}  // namespace identity::testing

#endif  // IDENTITY_TESTS_SUPPORT_RSYSLOG_PROCESS_H_
