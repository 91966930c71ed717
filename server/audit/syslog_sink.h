#ifndef IDENTITY_SERVER_AUDIT_SYSLOG_SINK_H_
#define IDENTITY_SERVER_AUDIT_SYSLOG_SINK_H_

#include <sys/socket.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "server/audit/audit_sink.h"

namespace identity::audit {

// How a SyslogSink reaches its server.
enum class SyslogTransport {
  kUdp,   // one datagram per message (RFC 5426)
  kTcp,   // a stream, messages framed by octet counting (RFC 6587)
  kUnix,  // a local datagram socket, e.g. /dev/log
};

// SyslogSink sends each event as an RFC 5424 message (server/audit/
// syslog_message.h). A TCP connection is made on first use and again after
// any failure (a message is never sent half on one connection and half on
// the next: a failed connection is dropped whole). Sends block for at most
// `send_timeout`, and after a failure the sink stays down for
// `retry_backoff`, so a server that stops reading or is gone costs the writer
// thread at most one timeout per backoff period and shows up as dropped
// events (in this sink's destination), never as a stuck log.
class SyslogSink final : public AuditSink {
 public:
  struct Options {
    SyslogTransport transport = SyslogTransport::kUdp;
    std::string host;  // kUdp, kTcp: a name or address
    int port = 0;      // kUdp, kTcp
    std::string path;  // kUnix
    absl::Duration connect_timeout = absl::Seconds(1);
    absl::Duration send_timeout = absl::Seconds(2);
    // After a failure, how long writes fail at once before the next attempt.
    absl::Duration retry_backoff = absl::Seconds(1);
  };

  // `name` is the sink's configured form (for messages). Resolves the host
  // now (kInvalidArgument if it cannot) and again on Reopen() (SIGHUP), never
  // on the writer's path, where a slow DNS would stall the audit log;
  // connects on first use.
  static absl::StatusOr<std::unique_ptr<SyslogSink>> Create(std::string name, Options options);
  ~SyslogSink() override;

  const std::string& name() const override { return name_; }
  // `durable`: the message was sent (accepted by the kernel for the peer; a
  // TCP or unix peer that is down is an error).
  absl::Status Write(absl::Time time, absl::string_view json, bool durable) override;
  // Drops the connection and resolves the host again (keeping the old
  // addresses if that fails); the next write connects anew.
  absl::Status Reopen() override;

  // One resolved address of the syslog server.
  struct Address {
    sockaddr_storage addr;
    socklen_t len;
    int family, socktype, protocol;
  };

 private:
  SyslogSink(std::string name, Options options, std::string hostname,
             std::vector<Address> addresses);
  absl::Status Connect();
  void Disconnect();

  const std::string name_;
  const Options options_;
  const std::string hostname_;
  std::vector<Address> addresses_;  // kUdp, kTcp
  int fd_ = -1;
  absl::Time retry_after_ = absl::InfinitePast();
  std::string last_error_;
};

}  // namespace identity::audit

#endif  // IDENTITY_SERVER_AUDIT_SYSLOG_SINK_H_
