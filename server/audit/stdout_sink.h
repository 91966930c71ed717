#ifndef IDENTITY_SERVER_AUDIT_STDOUT_SINK_H_
#define IDENTITY_SERVER_AUDIT_STDOUT_SINK_H_

#include <string>

#include "server/audit/audit_sink.h"
#include "server/audit/line_stream.h"

namespace identity::audit {

// StdoutSink writes one event per line to standard output (the default sink:
// under systemd or a container runtime, stdout is already collected). The
// operational log stays on stderr, so stdout carries nothing but events.
class StdoutSink final : public AuditSink {
 public:
  StdoutSink();
  const std::string& name() const override { return name_; }
  // `durable`: the line is handed to the kernel (a pipe or terminal has no
  // fsync; a file redirect is synced).
  absl::Status Write(absl::Time time, absl::string_view json, bool durable) override;
  std::size_t WriteBatch(absl::Span<const AuditLine> lines, absl::Status& error) override;

 private:
  const std::string name_ = "stdout";
  LineStream stream_;
};

}  // namespace identity::audit

#endif  // IDENTITY_SERVER_AUDIT_STDOUT_SINK_H_
