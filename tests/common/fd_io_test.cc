// WriteAll / SendAll / ErrnoError: the writes the audit sinks and the state
// directory rely on (whole data or a named error; no SIGPIPE; deadlines).

#include "server/common/fd_io.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>

#include "absl/status/status.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace identity {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::StartsWith;

std::string ReadAvailable(int fd) {
  std::string out;
  char buf[65536];
  ssize_t n;
  while ((n = ::read(fd, buf, sizeof buf)) > 0) out.append(buf, static_cast<std::size_t>(n));
  return out;
}

TEST(FdIoTest, WriteAllWritesEverythingToAPipe) {
  int p[2];
  ASSERT_EQ(::pipe2(p, O_NONBLOCK), 0);
  const std::string data(10000, 'a');
  std::size_t written = 0;
  ASSERT_TRUE(WriteAll(p[1], data, "test pipe", &written).ok());
  EXPECT_EQ(written, data.size());
  ::close(p[1]);
  EXPECT_EQ(ReadAvailable(p[0]), data);
  ::close(p[0]);
  EXPECT_FALSE(IsSocket(p[0]));
}

TEST(FdIoTest, SendAllToAPeerThatWentAwayIsAnErrorNotSigpipe) {
  int s[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM, 0, s), 0);
  EXPECT_TRUE(IsSocket(s[0]));
  ::close(s[1]);
  std::size_t written = 99;
  const absl::Status status = SendAll(s[0], "event", "syslog peer", &written);
  ::close(s[0]);
  // Reaching here at all means no SIGPIPE killed the test.
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(std::string(status.message()), StartsWith("syslog peer: "));
  EXPECT_EQ(written, 0u);
}

TEST(FdIoTest, SendAllStopsAtItsDeadlineWhenThePeerDoesNotRead) {
  int s[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM, 0, s), 0);
  const timeval timeout = {0, 50 * 1000};  // 50 ms per send()
  ASSERT_EQ(::setsockopt(s[0], SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout), 0);
  const std::string data(8 << 20, 'x');  // far more than the socket buffers hold
  std::size_t written = 0;
  const absl::Status status =
      SendAll(s[0], data, "stalled peer", &written, absl::Now() + absl::Milliseconds(200));
  EXPECT_EQ(status.code(), absl::StatusCode::kDeadlineExceeded) << status;
  EXPECT_GT(written, 0u);
  EXPECT_LT(written, data.size());
  ::close(s[0]);
  ::close(s[1]);
}

TEST(FdIoTest, ErrnoErrorNamesWhatAndMapsTimeouts) {
  EXPECT_EQ(ErrnoError("audit file", EAGAIN).code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_EQ(ErrnoError("audit file", ETIMEDOUT).code(), absl::StatusCode::kDeadlineExceeded);
  const absl::Status s = ErrnoError("audit file", ENOSPC);
  EXPECT_EQ(s.code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(std::string(s.message()), AllOf(StartsWith("audit file: "), HasSubstr("space")));
}

}  // namespace
}  // namespace identity
