// The sinks on real files and sockets, the --audit_sink syntax, and RFC 5424
// / RFC 6587 framing. (rsyslogd itself receives the events in
// audit_integration_test.cc.)

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdio>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "server/audit/audit_sink_spec.h"
#include "server/audit/file_sink.h"
#include "server/audit/syslog_message.h"
#include "server/audit/syslog_sink.h"
#include "tests/support/loopback_port.h"
#include "tests/support/subprocess.h"
#include "tests/support/temp_dir.h"

namespace identity::audit {
namespace {

using ::testing::HasSubstr;
using ::testing::MatchesRegex;
using testing::ReadFileOrEmpty;
using testing::WriteFileOrDie;
using testing::TempDir;

const absl::Time kTime = absl::FromUnixMillis(1795784965123);

TEST(SyslogMessageTest, IsRfc5424WithTheJsonAsMessage) {
  EXPECT_EQ(FormatSyslogMessage(kTime, "host-1", "identityd", 42, R"({"a":1})"),
            R"(<86>1 2026-11-27T13:09:25.123Z host-1 identityd 42 audit - {"a":1})");
  // Header fields are printable ASCII without spaces, "-" when empty.
  EXPECT_EQ(FormatSyslogMessage(kTime, "", "id d", 1, "{}"),
            "<86>1 2026-11-27T13:09:25.123Z - idd 1 audit - {}");
}

TEST(SyslogMessageTest, OctetCountingPrefixesTheByteLength) {
  EXPECT_EQ(OctetCountedFrame("héllo"), "6 héllo");
}

TEST(AuditSinkSpecTest, MalformedValuesNameTheFlagAndTheValue) {
  for (const char* spec :
       {"", "file:", "syslog+udp://127.0.0.1", "syslog+tcp://127.0.0.1:0",
        "syslog+tcp://127.0.0.1:70000", "syslog+tcp://[::1:514", "syslog+unix://relative",
        "syslog://127.0.0.1:514", "kafka://x:1", "syslog+udp://:514"}) {
    SCOPED_TRACE(spec);
    const absl::StatusOr<std::unique_ptr<AuditSink>> sink = OpenAuditSink(spec);
    ASSERT_FALSE(sink.ok());
    EXPECT_EQ(sink.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(std::string(sink.status().message()), HasSubstr("--audit_sink"));
  }
}

TEST(AuditSinkSpecTest, AFileThatCannotBeOpenedFailsAtStartNamingIt) {
  const absl::StatusOr<std::unique_ptr<AuditSink>> sink =
      OpenAuditSink("file:/nonexistent-dir/audit.log");
  ASSERT_FALSE(sink.ok());
  EXPECT_THAT(std::string(sink.status().message()), HasSubstr("/nonexistent-dir/audit.log"));
}

TEST(AuditSinkSpecTest, OpensEveryKind) {
  TempDir dir;
  for (const std::string& spec :
       {std::string("stdout"), "file:" + dir.File("a.log"), std::string("syslog+udp://127.0.0.1:514"),
        std::string("syslog+tcp://[::1]:6514"), std::string("syslog+unix:///dev/log")}) {
    SCOPED_TRACE(spec);
    const absl::StatusOr<std::unique_ptr<AuditSink>> sink = OpenAuditSink(spec);
    ASSERT_TRUE(sink.ok()) << sink.status();
    EXPECT_EQ((*sink)->name(), spec);
  }
}

TEST(AuditSinkSpecTest, ParsingSaysWhatTheValueNamesAndTouchesNothing) {
  TempDir dir;
  const std::string path = dir.File("not-created.log");
  absl::StatusOr<AuditSinkSpec> spec = ParseAuditSinkSpec("file:" + path);
  ASSERT_TRUE(spec.ok()) << spec.status();
  EXPECT_EQ(spec->type, AuditSinkSpec::Type::kFile);
  EXPECT_EQ(spec->file_path, path);
  EXPECT_NE(::access(path.c_str(), F_OK), 0);

  spec = ParseAuditSinkSpec("syslog+tcp://[::1]:6514");
  ASSERT_TRUE(spec.ok()) << spec.status();
  EXPECT_EQ(spec->type, AuditSinkSpec::Type::kSyslog);
  EXPECT_EQ(spec->syslog.transport, SyslogTransport::kTcp);
  EXPECT_EQ(spec->syslog.host, "::1");
  EXPECT_EQ(spec->syslog.port, 6514);

  // Not resolved: a name that no resolver knows still parses.
  spec = ParseAuditSinkSpec("syslog+udp://no-such-host.invalid:514");
  ASSERT_TRUE(spec.ok()) << spec.status();
  EXPECT_EQ(spec->syslog.transport, SyslogTransport::kUdp);
  EXPECT_EQ(spec->syslog.host, "no-such-host.invalid");
  EXPECT_EQ(spec->syslog.port, 514);

  spec = ParseAuditSinkSpec("syslog+unix:///dev/log");
  ASSERT_TRUE(spec.ok()) << spec.status();
  EXPECT_EQ(spec->syslog.transport, SyslogTransport::kUnix);
  EXPECT_EQ(spec->syslog.path, "/dev/log");

  spec = ParseAuditSinkSpec("stdout");
  ASSERT_TRUE(spec.ok()) << spec.status();
  EXPECT_EQ(spec->type, AuditSinkSpec::Type::kStdout);

  EXPECT_THAT(std::string(ParseAuditSinkSpec("syslog+udp://h:0").status().message()),
              HasSubstr("--audit_sink: \"syslog+udp://h:0\": the port must be 1..65535"));
}

TEST(FileSinkTest, AppendsLinesWithMode0600AndReopensAfterARename) {
  TempDir dir;
  const std::string path = dir.File("audit.log");
  WriteFileOrDie(path, "existing\n");
  absl::StatusOr<std::unique_ptr<FileSink>> sink = FileSink::Open(path);
  ASSERT_TRUE(sink.ok()) << sink.status();
  ASSERT_TRUE((*sink)->Write(kTime, "one", false).ok());
  ASSERT_EQ(std::rename(path.c_str(), (path + ".1").c_str()), 0);
  // Until the reopen, lines follow the file to its new name (logrotate).
  ASSERT_TRUE((*sink)->Write(kTime, "two", true).ok());
  ASSERT_TRUE((*sink)->Reopen().ok());
  ASSERT_TRUE((*sink)->Write(kTime, "three", true).ok());
  EXPECT_EQ(ReadFileOrEmpty(path + ".1"), "existing\none\ntwo\n");
  EXPECT_EQ(ReadFileOrEmpty(path), "three\n");
  struct stat st;
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

TEST(FileSinkTest, AFullDiskIsAnError) {
  absl::StatusOr<std::unique_ptr<FileSink>> sink = FileSink::Open("/dev/full");
  ASSERT_TRUE(sink.ok()) << sink.status();
  const absl::Status s = (*sink)->Write(kTime, "line", true);
  EXPECT_FALSE(s.ok());
  EXPECT_THAT(std::string(s.message()), HasSubstr("/dev/full"));
}

// A TCP listener on loopback the test reads from.
class TcpReceiver {
 public:
  TcpReceiver() {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof(addr);
    ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
    ::listen(listen_fd_, 4);
    ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
  }
  ~TcpReceiver() {
    if (conn_fd_ >= 0) ::close(conn_fd_);
    ::close(listen_fd_);
  }
  int port() const { return port_; }
  // Closes the current connection (a syslog server restarting).
  void CloseConnection() {
    if (conn_fd_ < 0) conn_fd_ = ::accept(listen_fd_, nullptr, nullptr);
    ::close(conn_fd_);
    conn_fd_ = -1;
  }
  // Reads until `bytes` have arrived on the current connection (accepting
  // the next one if there is none).
  std::string Read(std::size_t bytes) {
    if (conn_fd_ < 0) conn_fd_ = ::accept(listen_fd_, nullptr, nullptr);
    std::string out;
    char buf[4096];
    while (out.size() < bytes) {
      const ssize_t n = ::recv(conn_fd_, buf, sizeof(buf), 0);
      if (n <= 0) break;
      out.append(buf, static_cast<std::size_t>(n));
    }
    return out;
  }

 private:
  int listen_fd_ = -1;
  int conn_fd_ = -1;
  int port_ = 0;
};

// Options of a TCP syslog sink to `port` on loopback.
SyslogSink::Options TcpTo(int port) {
  SyslogSink::Options options;
  options.transport = SyslogTransport::kTcp;
  options.host = "127.0.0.1";
  options.port = port;
  return options;
}

TEST(SyslogSinkTest, TcpFramesEachMessageByOctetCounting) {
  TcpReceiver receiver;
  absl::StatusOr<std::unique_ptr<SyslogSink>> sink =
      SyslogSink::Create("tcp", TcpTo(receiver.port()));
  ASSERT_TRUE(sink.ok()) << sink.status();
  ASSERT_TRUE((*sink)->Write(kTime, R"({"n":1})", false).ok());
  ASSERT_TRUE((*sink)->Write(kTime, R"({"n":"2 é"})", true).ok());
  std::string stream = receiver.Read(10);
  // Parse "LEN SP MSG" frames back.
  std::vector<std::string> messages;
  for (int i = 0; i < 2; ++i) {
    while (stream.find(' ') == std::string::npos) stream += receiver.Read(1);
    const std::size_t space = stream.find(' ');
    const std::size_t len = std::stoul(stream.substr(0, space));
    while (stream.size() < space + 1 + len) stream += receiver.Read(space + 1 + len - stream.size());
    messages.push_back(stream.substr(space + 1, len));
    stream = stream.substr(space + 1 + len);
  }
  EXPECT_THAT(messages[0], MatchesRegex(R"(<86>1 2026-11-27T13:09:25\.123Z \S+ identityd [0-9]+ audit - \{"n":1\})"));
  EXPECT_THAT(messages[1], HasSubstr(R"( audit - {"n":"2 é"})"));
}

TEST(SyslogSinkTest, AConnectionTheServerClosedIsRetriedOnceOnAFreshOne) {
  TcpReceiver receiver;
  absl::StatusOr<std::unique_ptr<SyslogSink>> sink =
      SyslogSink::Create("tcp", TcpTo(receiver.port()));
  ASSERT_TRUE(sink.ok()) << sink.status();
  ASSERT_TRUE((*sink)->Write(kTime, R"({"n":1})", false).ok());
  receiver.CloseConnection();
  // The first sends after the close may still be taken by the kernel (and
  // lost: the peer answers with a reset); the next fails on the dead
  // connection and is retried on a new one. None may fail.
  for (int i = 2; i <= 6; ++i) {
    absl::SleepFor(absl::Milliseconds(50));
    const absl::Status s = (*sink)->Write(kTime, absl::StrCat(R"({"n":)", i, "}"), false);
    ASSERT_TRUE(s.ok()) << "write " << i << ": " << s;
  }
  // The new connection got the messages sent after the retry.
  EXPECT_THAT(receiver.Read(20), HasSubstr(R"( audit - {"n":)"));
}

TEST(SyslogSinkTest, ARefusedConnectionFailsThenBacksOff) {
  absl::StatusOr<testing::RefusingLoopbackPort> port = testing::RefusingLoopbackPort::Start();
  ASSERT_TRUE(port.ok());
  SyslogSink::Options options = TcpTo(port->port());
  options.retry_backoff = absl::Hours(1);
  absl::StatusOr<std::unique_ptr<SyslogSink>> sink = SyslogSink::Create("tcp-down", options);
  ASSERT_TRUE(sink.ok());
  const absl::Status first = (*sink)->Write(kTime, "{}", true);
  EXPECT_EQ(first.code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(std::string(first.message()), HasSubstr("tcp-down"));
  const absl::Status second = (*sink)->Write(kTime, "{}", true);
  EXPECT_THAT(std::string(second.message()), HasSubstr("down"));
}

TEST(SyslogSinkTest, AStalledPeerCostsAtMostTheSendTimeoutThenFailsFast) {
  absl::StatusOr<testing::StalledTcpListener> stalled = testing::StalledTcpListener::Start();
  ASSERT_TRUE(stalled.ok());
  SyslogSink::Options options = TcpTo(stalled->port());
  options.send_timeout = absl::Milliseconds(300);
  options.retry_backoff = absl::Hours(1);
  absl::StatusOr<std::unique_ptr<SyslogSink>> sink = SyslogSink::Create("stalled", options);
  ASSERT_TRUE(sink.ok());
  const std::string big(8000, 'x');
  absl::Status status;
  int sent = 0;
  const absl::Time start = absl::Now();
  // Bounded: socket buffers on loopback hold a few MB at most.
  while (sent < 100000 && (status = (*sink)->Write(kTime, big, false)).ok()) ++sent;
  EXPECT_FALSE(status.ok()) << "the peer never read, yet " << sent << " messages went out";
  EXPECT_LT(absl::Now() - start, absl::Seconds(20));
  const absl::Time fail_fast = absl::Now();
  EXPECT_FALSE((*sink)->Write(kTime, "{}", false).ok());
  EXPECT_LT(absl::Now() - fail_fast, absl::Milliseconds(100));
}

TEST(SyslogSinkTest, UdpAndUnixSendOneDatagramPerEvent) {
  TempDir dir;
  const std::string path = dir.File("log.sock");
  const int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", path.c_str());
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  // A lost datagram fails the test in 5 s rather than hanging it.
  const timeval receive_timeout{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &receive_timeout, sizeof(receive_timeout));
  absl::StatusOr<std::unique_ptr<AuditSink>> sink = OpenAuditSink("syslog+unix://" + path);
  ASSERT_TRUE(sink.ok()) << sink.status();
  ASSERT_TRUE((*sink)->Write(kTime, R"({"u":1})", true).ok());
  char buf[2048];
  const ssize_t n = ::recv(fd, buf, sizeof(buf), 0);
  ASSERT_GT(n, 0);
  EXPECT_THAT(std::string(buf, static_cast<std::size_t>(n)),
              MatchesRegex(R"(<86>1 \S+ \S+ identityd [0-9]+ audit - \{"u":1\})"));
  ::close(fd);

  const int udp = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  sockaddr_in in{};
  in.sin_family = AF_INET;
  in.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(in);
  ASSERT_EQ(::bind(udp, reinterpret_cast<sockaddr*>(&in), sizeof(in)), 0);
  ::setsockopt(udp, SOL_SOCKET, SO_RCVTIMEO, &receive_timeout, sizeof(receive_timeout));
  ::getsockname(udp, reinterpret_cast<sockaddr*>(&in), &len);
  sink = OpenAuditSink(absl::StrCat("syslog+udp://127.0.0.1:", ntohs(in.sin_port)));
  ASSERT_TRUE(sink.ok()) << sink.status();
  ASSERT_TRUE((*sink)->Write(kTime, R"({"u":2})", true).ok());
  const ssize_t m = ::recv(udp, buf, sizeof(buf), 0);
  ASSERT_GT(m, 0);
  EXPECT_THAT(std::string(buf, static_cast<std::size_t>(m)), HasSubstr(R"(audit - {"u":2})"));
  ::close(udp);
}

}  // namespace
}  // namespace identity::audit
