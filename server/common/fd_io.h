#ifndef IDENTITY_SERVER_COMMON_FD_IO_H_
#define IDENTITY_SERVER_COMMON_FD_IO_H_

#include <cstddef>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace identity {

// Writes all of `data` to `fd` (retrying short writes and EINTR).
// ErrnoError(WHAT, errno) on failure. For a file or a pipe; see SendAll.
// `written` (if set) receives how many bytes went out, also on failure.
absl::Status WriteAll(int fd, absl::string_view data, absl::string_view what,
                      std::size_t* written = nullptr);

// WriteAll for a socket: send(MSG_NOSIGNAL), so a peer that went away is an
// error, not a SIGPIPE. With a `deadline`, no new send() starts after it
// (kDeadlineExceeded): a peer that reads a trickle cannot keep the caller
// past the deadline plus one send's timeout (SO_SNDTIMEO).
absl::Status SendAll(int fd, absl::string_view data, absl::string_view what,
                     std::size_t* written = nullptr,
                     absl::Time deadline = absl::InfiniteFuture());

// Whether `fd` is a socket (for callers that may hold either).
bool IsSocket(int fd);

// "WHAT: strerror(err)": kDeadlineExceeded for a timeout (EAGAIN, ETIMEDOUT:
// a send timeout expired), else kUnavailable.
absl::Status ErrnoError(absl::string_view what, int err);

}  // namespace identity

#endif  // IDENTITY_SERVER_COMMON_FD_IO_H_
