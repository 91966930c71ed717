#ifndef IDENTITY_SERVER_AUDIT_FILE_SINK_H_
#define IDENTITY_SERVER_AUDIT_FILE_SINK_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "server/audit/audit_sink.h"
#include "server/audit/line_stream.h"

namespace identity::audit {

// FileSink appends one event per line to a file (created with mode 0600).
// Reopen() opens the path again, so logrotate's "move, then SIGHUP" loses
// nothing: lines written before the signal land in the moved file, lines
// after it in the new one.
class FileSink final : public AuditSink {
 public:
  // Opens `path` for appending; kUnavailable naming the path if it cannot.
  static absl::StatusOr<std::unique_ptr<FileSink>> Open(const std::string& path);
  ~FileSink() override;

  const std::string& name() const override { return name_; }
  // `durable`: fdatasync after the write.
  absl::Status Write(absl::Time time, absl::string_view json, bool durable) override;
  // The whole batch in one write (O_APPEND keeps it contiguous).
  std::size_t WriteBatch(absl::Span<const AuditLine> lines, absl::Status& error) override;
  absl::Status Reopen() override;

 private:
  FileSink(std::string path, int fd);
  const std::string path_;
  const std::string name_;
  int fd_;
  LineStream stream_;
};

}  // namespace identity::audit

#endif  // IDENTITY_SERVER_AUDIT_FILE_SINK_H_
