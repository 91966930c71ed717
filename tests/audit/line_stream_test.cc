// LineStream keeps the line framing across a write that fails midway.

#include "server/audit/line_stream.h"

#include <fcntl.h>
#include <unistd.h>

#include <string>

#include <gtest/gtest.h>

namespace identity::audit {
namespace {

std::string Drain(int fd) {
  std::string out;
  char buf[8192];
  ssize_t n;
  while ((n = ::read(fd, buf, sizeof(buf))) > 0) out.append(buf, static_cast<std::size_t>(n));
  return out;
}

TEST(LineStreamTest, AWriteCutShortLeavesTheNextLineWhole) {
  int fds[2];
  ASSERT_EQ(::pipe2(fds, O_NONBLOCK), 0);
  // A 4 KiB pipe nobody reads: the write stops after 4096 bytes (EAGAIN).
  ASSERT_GE(::fcntl(fds[1], F_SETPIPE_SZ, 4096), 4096);
  const int capacity = ::fcntl(fds[1], F_GETPIPE_SZ);
  const std::string line(2999, 'a');
  const std::string batch = line + "\n" + line + "\n" + line + "\n";
  ASSERT_GT(batch.size(), static_cast<std::size_t>(capacity));
  LineStream stream("pipe", /*socket=*/false);
  std::size_t complete = 99;
  EXPECT_FALSE(stream.Write(fds[1], batch, complete).ok());
  EXPECT_EQ(complete, static_cast<std::size_t>(capacity) / 3000);
  const std::string first = Drain(fds[0]);
  EXPECT_EQ(first.size(), static_cast<std::size_t>(capacity));
  ASSERT_NE(first.back(), '\n');  // cut inside a line

  ASSERT_TRUE(stream.Write(fds[1], "{\"next\":1}\n", complete).ok());
  EXPECT_EQ(complete, 1u);
  // The fragment is ended first, so the next event stays a line of its own.
  EXPECT_EQ(Drain(fds[0]), "\n{\"next\":1}\n");
  ASSERT_TRUE(stream.Write(fds[1], "{\"next\":2}\n", complete).ok());
  EXPECT_EQ(Drain(fds[0]), "{\"next\":2}\n");
  ::close(fds[0]);
  ::close(fds[1]);
}

}  // namespace
}  // namespace identity::audit
