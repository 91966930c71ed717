#ifndef IDENTITY_SERVER_AUDIT_AUDIT_SINK_H_
#define IDENTITY_SERVER_AUDIT_AUDIT_SINK_H_

#include <cstddef>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/span.h"

namespace identity::audit {

// One rendered event: when it was recorded, and its JSON (one line).
struct AuditLine {
  absl::Time time;
  std::string json;
};

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

  // Writes a batch of events, not durably; returns how many of them the sink
  // did not take, with the last error in `error`. The default writes them
  // one by one; stream sinks write the batch at once (one system call for a
  // whole batch is most of the audit log's saving under load).
  virtual std::size_t WriteBatch(absl::Span<const AuditLine> lines, absl::Status& error) {
    std::size_t failed = 0;
    for (const AuditLine& line : lines) {
      if (absl::Status s = Write(line.time, line.json, /*durable=*/false); !s.ok()) {
        ++failed;
        error = s;
      }
    }
    return failed;
  }

  // Reopens the destination (on SIGHUP, after logrotate moved a file).
  virtual absl::Status Reopen() { return absl::OkStatus(); }
};

// The lines of `lines`, each followed by "\n", as one text (for sinks that
// write a batch with one system call).
inline std::string JoinAsLines(absl::Span<const AuditLine> lines) {
  std::size_t size = 0;
  for (const AuditLine& line : lines) size += line.json.size() + 1;
  std::string text;
  text.reserve(size);
  for (const AuditLine& line : lines) {
    text.append(line.json);
    text.push_back('\n');
  }
  return text;
}

}  // namespace identity::audit

#endif  // IDENTITY_SERVER_AUDIT_AUDIT_SINK_H_
