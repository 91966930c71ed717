#include "tests/support/rsyslog_process.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <thread>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "tests/support/loopback_port.h"

namespace identity::testing {
namespace {

constexpr char kRsyslogd[] = "/usr/sbin/rsyslogd";

bool TcpAccepts(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  ::close(fd);
  return ok;
}

bool Exists(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0;
}

}  // namespace

absl::StatusOr<std::unique_ptr<RsyslogProcess>> RsyslogProcess::Start() {
  if (!Exists(kRsyslogd)) {
    return absl::FailedPreconditionError(
        absl::StrCat(kRsyslogd, " is missing: install Debian's rsyslog (scripts/test does)"));
  }
  std::unique_ptr<RsyslogProcess> r(new RsyslogProcess());
  absl::StatusOr<int> port = FreeLoopbackPort();
  if (!port.ok()) return port.status();
  r->port_ = *port;
  const std::string& d = r->dir_.path();
  // The shape docs/audit.md gives operators: the MSG (the JSON) alone, one
  // per line. imuxsock's special parser expects the traditional local format;
  // turned off, RFC 5424 messages are parsed as such.
  const std::string config = absl::StrCat(
      "global(workDirectory=\"", d, "\")\n",
      "module(load=\"imtcp\")\n",
      "module(load=\"imudp\")\n",
      "module(load=\"imuxsock\" SysSock.Use=\"off\")\n",
      "template(name=\"identityd_json\" type=\"string\" string=\"%msg%\\n\")\n",
      "ruleset(name=\"tcp\") { action(type=\"omfile\" file=\"", d,
      "/tcp.log\" template=\"identityd_json\") }\n",
      "ruleset(name=\"udp\") { action(type=\"omfile\" file=\"", d,
      "/udp.log\" template=\"identityd_json\") }\n",
      "ruleset(name=\"unix\") { action(type=\"omfile\" file=\"", d,
      "/unix.log\" template=\"identityd_json\") }\n",
      "input(type=\"imtcp\" address=\"127.0.0.1\" port=\"", r->port_, "\" ruleset=\"tcp\")\n",
      "input(type=\"imudp\" address=\"127.0.0.1\" port=\"", r->port_, "\" ruleset=\"udp\")\n",
      "input(type=\"imuxsock\" Socket=\"", r->unix_socket(),
      "\" UseSpecialParser=\"off\" ruleset=\"unix\")\n");
  WriteFileOrDie(r->dir_.File("rsyslog.conf"), config, 0644);
  absl::StatusOr<std::unique_ptr<Subprocess>> process = Subprocess::Start(
      {{kRsyslogd, "-n", "-f", r->dir_.File("rsyslog.conf"), "-i", r->dir_.File("rsyslogd.pid")},
       {},
       "",
       r->dir_.File("stdout.log"),
       r->dir_.File("stderr.log")});
  if (!process.ok()) return process.status();
  r->process_ = *std::move(process);
  // Ready when the TCP input accepts and the unix socket exists (the inputs
  // start together); bounded.
  const absl::Time deadline = absl::Now() + absl::Seconds(15);
  while (absl::Now() < deadline) {
    if (!r->process_->Running()) {
      return absl::InternalError(absl::StrCat("rsyslogd exited at start:\n", r->Logs()));
    }
    // The pid file too: the port answering could be another process's.
    if (Exists(r->dir_.File("rsyslogd.pid")) && TcpAccepts(r->port_) &&
        Exists(r->unix_socket())) {
      return r;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return absl::DeadlineExceededError(absl::StrCat("rsyslogd did not start:\n", r->Logs()));
}

RsyslogProcess::~RsyslogProcess() {
  if (process_ != nullptr && process_->Running()) {
    process_->Signal(SIGTERM);
    (void)process_->Wait(absl::Seconds(5));
  }
}

std::vector<std::string> RsyslogProcess::Messages(const std::string& name) const {
  std::vector<std::string> out;
  for (absl::string_view line :
       absl::StrSplit(ReadFileOrEmpty(dir_.File(name)), '\n', absl::SkipEmpty())) {
    out.emplace_back(absl::StripAsciiWhitespace(line));
  }
  return out;
}

std::vector<std::string> RsyslogProcess::TcpMessages() const { return Messages("tcp.log"); }
std::vector<std::string> RsyslogProcess::UdpMessages() const { return Messages("udp.log"); }
std::vector<std::string> RsyslogProcess::UnixMessages() const { return Messages("unix.log"); }

bool RsyslogProcess::WaitFor(const std::function<std::vector<std::string>()>& messages,
                             std::size_t count, absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (absl::Now() < deadline) {
    if (messages().size() >= count) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return messages().size() >= count;
}

std::string RsyslogProcess::Logs() const {
  return absl::StrCat(ReadFileOrEmpty(dir_.File("stdout.log")),
                      ReadFileOrEmpty(dir_.File("stderr.log")));
}

}  // namespace identity::testing
