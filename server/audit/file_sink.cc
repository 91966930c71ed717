#include "server/audit/file_sink.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "absl/strings/str_cat.h"
#include "server/common/fd_io.h"

namespace identity::audit {
namespace {

// Makes a new file's name durable: without syncing its directory, a power
// loss could take the file (and the fsync'd rotation records in it) away.
void SyncParentDirectory(const std::string& path) {
  const std::size_t slash = path.rfind('/');
  const std::string dir = slash == std::string::npos ? "." : slash == 0 ? "/" : path.substr(0, slash);
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;  // best effort: the file itself is open and written
  ::fsync(fd);
  ::close(fd);
}

absl::StatusOr<int> OpenForAppend(const std::string& path) {
  // O_APPEND: each line is one write at the end, even if another process
  // appends to the same file. O_EXCL first, to know whether the file is new.
  constexpr int kFlags = O_WRONLY | O_APPEND | O_CLOEXEC;
  int fd = ::open(path.c_str(), kFlags | O_CREAT | O_EXCL, 0600);
  if (fd >= 0) {
    SyncParentDirectory(path);
    return fd;
  }
  if (errno == EEXIST) fd = ::open(path.c_str(), kFlags);
  if (fd < 0) return ErrnoError(absl::StrCat(path, ": cannot open for appending"), errno);
  return fd;
}

}  // namespace

absl::StatusOr<std::unique_ptr<FileSink>> FileSink::Open(const std::string& path) {
  absl::StatusOr<int> fd = OpenForAppend(path);
  if (!fd.ok()) return fd.status();
  return std::unique_ptr<FileSink>(new FileSink(path, *fd));
}

FileSink::FileSink(std::string path, int fd)
    : path_(std::move(path)), name_(absl::StrCat("file:", path_)), fd_(fd), stream_(path_, false) {}

FileSink::~FileSink() {
  if (fd_ >= 0) ::close(fd_);
}

absl::Status FileSink::Write(absl::Time, absl::string_view json, bool durable) {
  std::size_t complete = 0;
  if (absl::Status s = stream_.Write(fd_, absl::StrCat(json, "\n"), complete); !s.ok()) return s;
  if (durable && ::fdatasync(fd_) != 0) {
    return ErrnoError(absl::StrCat(path_, ": cannot sync"), errno);
  }
  return absl::OkStatus();
}

std::size_t FileSink::WriteBatch(absl::Span<const AuditLine> lines, absl::Status& error) {
  std::size_t complete = 0;
  if (absl::Status s = stream_.Write(fd_, JoinAsLines(lines), complete); !s.ok()) error = s;
  return lines.size() - complete;
}

absl::Status FileSink::Reopen() {
  absl::StatusOr<int> fd = OpenForAppend(path_);
  if (!fd.ok()) return fd.status();
  if (fd_ >= 0) ::close(fd_);
  fd_ = *fd;
  stream_.Restart();  // a new file starts at a line's start
  return absl::OkStatus();
}

}  // namespace identity::audit
