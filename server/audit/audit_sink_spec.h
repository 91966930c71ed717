#ifndef IDENTITY_SERVER_AUDIT_AUDIT_SINK_SPEC_H_
#define IDENTITY_SERVER_AUDIT_AUDIT_SINK_SPEC_H_

#include <memory>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "server/audit/audit_sink.h"

namespace identity::audit {

// Opens the sink an --audit_sink value names:
//   stdout
//   file:/var/log/identityd/audit.log
//   syslog+udp://127.0.0.1:514       (also HOST:PORT with a name, or [::1]:514)
//   syslog+tcp://logs.corp:6514
//   syslog+unix:///dev/log
// kInvalidArgument "--audit_sink: ..." for a malformed value; a file that
// cannot be opened is an error too (found at start, not at the first event).
// A syslog sink's sends block for at most `syslog_send_timeout`.
absl::StatusOr<std::unique_ptr<AuditSink>> OpenAuditSink(
    absl::string_view spec, absl::Duration syslog_send_timeout = absl::Seconds(2));

}  // namespace identity::audit

#endif  // IDENTITY_SERVER_AUDIT_AUDIT_SINK_SPEC_H_
