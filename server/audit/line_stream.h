#ifndef IDENTITY_SERVER_AUDIT_LINE_STREAM_H_
#define IDENTITY_SERVER_AUDIT_LINE_STREAM_H_

#include <cstddef>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace identity::audit {

// LineStream writes whole lines to a file descriptor (a file, stdout) and
// keeps the line framing when a write fails midway (disk full, I/O error, a
// reader gone): the bytes that went out end without a newline, so the next
// write starts with one. The fragment then stays a line of its own (not
// JSON; readers skip it) instead of swallowing the next event, which may be
// a rotation's record.
class LineStream {
 public:
  // `what` names the destination in errors; `socket` selects send() over
  // write() (stdout under systemd is a socket).
  LineStream(std::string what, bool socket) : what_(std::move(what)), socket_(socket) {}

  // Writes `lines` (each ending in '\n') to `fd`; `complete` receives how
  // many of them went out whole, also on failure.
  absl::Status Write(int fd, absl::string_view lines, std::size_t& complete);

  // Forgets a partial line (the descriptor now refers to a new file).
  void Restart() { mid_line_ = false; }

 private:
  std::string what_;
  bool socket_;
  bool mid_line_ = false;  // the last write ended inside a line
};

}  // namespace identity::audit

#endif  // IDENTITY_SERVER_AUDIT_LINE_STREAM_H_
