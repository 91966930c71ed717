#ifndef IDENTITY_SERVER_AUDIT_AUDIT_SINK_SPEC_H_
#define IDENTITY_SERVER_AUDIT_AUDIT_SINK_SPEC_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "server/audit/audit_sink.h"
#include "server/audit/syslog_sink.h"

namespace identity::audit {

// The destination an --audit_sink value names, parsed but not opened.
struct AuditSinkSpec {
  enum class Type {
    kStdout,  // "stdout"
    kFile,    // "file:PATH"
    kSyslog,  // "syslog+udp://", "syslog+tcp://" or "syslog+unix://"
  };
  Type type = Type::kStdout;
  // kFile: the path after "file:" (non-empty).
  std::string file_path;
  // kSyslog: the transport, and host and port (1..65535; an IPv6 address
  // without its brackets) or the socket's absolute path. The timeouts keep
  // their defaults: they are not part of the value.
  SyslogSink::Options syslog;
};

// Parses an --audit_sink value:
//   stdout
//   file:/var/log/identityd/audit.log
//   syslog+udp://127.0.0.1:514       (also HOST:PORT with a name, or [::1]:514)
//   syslog+tcp://logs.corp:6514
//   syslog+unix:///dev/log
// kInvalidArgument "--audit_sink: \"VALUE\": ..." for a malformed value.
// Touches nothing: no file is opened, no host resolved.
absl::StatusOr<AuditSinkSpec> ParseAuditSinkSpec(absl::string_view spec);

// Opens the sink an --audit_sink value names (ParseAuditSinkSpec's errors
// first); a file that cannot be opened or a syslog host that does not resolve
// is an error too (found at start, not at the first event). A syslog sink's
// sends block for at most `syslog_send_timeout`.
absl::StatusOr<std::unique_ptr<AuditSink>> OpenAuditSink(
    absl::string_view spec, absl::Duration syslog_send_timeout = absl::Seconds(2));

}  // namespace identity::audit

#endif  // IDENTITY_SERVER_AUDIT_AUDIT_SINK_SPEC_H_
