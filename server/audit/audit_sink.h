#ifndef IDENTITY_SERVER_AUDIT_AUDIT_SINK_H_
#define IDENTITY_SERVER_AUDIT_AUDIT_SINK_H_

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace identity::audit {

// AuditSink is one destination of the audit log (stdout, a file, a syslog
// server). The AuditLog calls a sink from one thread at a time.
class AuditSink {
 public:
  virtual ~AuditSink() = default;

  // How the sink was configured, e.g. "file:/var/log/identityd/audit.log",
  // for operators' messages.
  virtual const std::string& name() const = 0;

  // Writes one event, `json` (one line, no newline), recorded at `time`.
  // With `durable`, returns OK only once the sink has the event for good: a
  // file written and fsync'd, a syslog message sent. An error describes what
  // failed (for the server log; it never holds the event).
  virtual absl::Status Write(absl::Time time, absl::string_view json, bool durable) = 0;

  // Reopens the destination (on SIGHUP, after logrotate moved a file).
  virtual absl::Status Reopen() { return absl::OkStatus(); }
};

}  // namespace identity::audit

#endif  // IDENTITY_SERVER_AUDIT_AUDIT_SINK_H_
