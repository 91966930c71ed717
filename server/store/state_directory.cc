#include "server/store/state_directory.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "server/common/fd_io.h"
#include "absl/strings/strip.h"
#include "server/keyring/app_id.h"

namespace identity::store {
namespace {

constexpr absl::string_view kLockName = "LOCK";
constexpr absl::string_view kKeyCheckName = "KEYCHECK";
constexpr absl::string_view kWidgetsName = "widgets";
constexpr absl::string_view kWidgetSuffix = ".widget";
constexpr absl::string_view kTempSuffix = ".tmp";
// No legitimate state file comes near this; a larger one is not ours.
constexpr std::size_t kMaxFileBytes = 1 << 20;

absl::Status IoError(absl::string_view path, absl::string_view what, int err) {
  return absl::UnavailableError(absl::StrCat(path, ": ", what, ": ", std::strerror(err)));
}

// close() that keeps errno of the failure being reported intact.
void CloseQuietly(int fd) {
  const int saved = errno;
  ::close(fd);
  errno = saved;
}

absl::StatusOr<std::string> ReadAt(int dir_fd, const std::string& name, const std::string& path) {
  const int fd = ::openat(dir_fd, name.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) {
    if (errno == ENOENT) return absl::NotFoundError(absl::StrCat(path, ": does not exist"));
    return IoError(path, "cannot open", errno);
  }
  std::string out;
  char buf[16384];
  while (true) {
    const ssize_t n = ::read(fd, buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      absl::Status s = IoError(path, "cannot read", errno);
      CloseQuietly(fd);
      return s;
    }
    if (n == 0) break;
    out.append(buf, static_cast<std::size_t>(n));
    if (out.size() > kMaxFileBytes) {
      ::close(fd);
      return absl::DataLossError(
          absl::StrCat(path, ": larger than ", kMaxFileBytes, " bytes; not an identityd file"));
    }
  }
  ::close(fd);
  return out;
}

// Writes `contents` to dir/NAME.tmp, syncs it, renames it over dir/NAME and
// syncs the directory. See the class comment for why this is crash-safe.
absl::Status ReplaceAt(int dir_fd, const std::string& dir_path, const std::string& name,
                       absl::string_view contents) {
  const std::string temp = absl::StrCat(name, kTempSuffix);
  const std::string temp_path = absl::StrCat(dir_path, "/", temp);
  // O_TRUNC: a temp file left by a crash is an unacknowledged write; reuse it.
  const int fd =
      ::openat(dir_fd, temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) return IoError(temp_path, "cannot create", errno);
  if (absl::Status s = WriteAll(fd, contents, absl::StrCat(temp_path, ": cannot write"));
      !s.ok()) {
    CloseQuietly(fd);
    ::unlinkat(dir_fd, temp.c_str(), 0);
    return absl::UnavailableError(s.message());
  }
  // fdatasync: the data and the file size, which is all a reader needs; the
  // name is made durable by the directory sync below.
  if (::fdatasync(fd) != 0) {
    absl::Status s = IoError(temp_path, "cannot sync", errno);
    CloseQuietly(fd);
    ::unlinkat(dir_fd, temp.c_str(), 0);
    return s;
  }
  if (::close(fd) != 0) {
    absl::Status s = IoError(temp_path, "cannot close", errno);
    ::unlinkat(dir_fd, temp.c_str(), 0);
    return s;
  }
  if (::renameat(dir_fd, temp.c_str(), dir_fd, name.c_str()) != 0) {
    absl::Status s = IoError(absl::StrCat(dir_path, "/", name), "cannot rename into place", errno);
    ::unlinkat(dir_fd, temp.c_str(), 0);
    return s;
  }
  if (::fsync(dir_fd) != 0) return IoError(dir_path, "cannot sync the directory", errno);
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::unique_ptr<StateDirectory>> StateDirectory::Open(const std::string& path) {
  if (path.empty()) return absl::InvalidArgumentError("state directory: path is empty");
  if (::mkdir(path.c_str(), 0700) != 0 && errno != EEXIST) {
    return IoError(path, "cannot create the state directory", errno);
  }
  const int dir_fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd < 0) return IoError(path, "cannot open the state directory", errno);
  const std::string lock_path = absl::StrCat(path, "/", kLockName);
  const int lock_fd =
      ::openat(dir_fd, std::string(kLockName).c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (lock_fd < 0) {
    absl::Status s = IoError(lock_path, "cannot open", errno);
    ::close(dir_fd);
    return s;
  }
  // flock, not fcntl locks: released by the kernel when the process dies
  // (kill -9 included), and not dropped when some other fd of the file closes.
  if (::flock(lock_fd, LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    ::close(lock_fd);
    ::close(dir_fd);
    if (err == EWOULDBLOCK) {
      return absl::UnavailableError(absl::StrCat(
          lock_path, ": another identityd is using this state directory (it holds the lock)"));
    }
    return IoError(lock_path, "cannot lock", err);
  }
  std::unique_ptr<StateDirectory> dir(new StateDirectory(path, dir_fd, lock_fd));
  return dir;
}

StateDirectory::~StateDirectory() {
  if (widgets_fd_ >= 0) ::close(widgets_fd_);
  ::close(lock_fd_);  // releases the flock
  ::close(dir_fd_);
}

std::string StateDirectory::TopPath(absl::string_view name) const {
  return absl::StrCat(path_, "/", name);
}

std::string StateDirectory::WidgetPath(absl::string_view app_id) const {
  return absl::StrCat(path_, "/", kWidgetsName, "/", app_id, kWidgetSuffix);
}

absl::StatusOr<std::string> StateDirectory::ReadKeyCheck() const {
  return ReadAt(dir_fd_, std::string(kKeyCheckName), TopPath(kKeyCheckName));
}

absl::Status StateDirectory::EnsureWidgetsDir() {
  if (widgets_fd_ >= 0) return absl::OkStatus();
  const std::string widgets_path = TopPath(kWidgetsName);
  if (::mkdirat(dir_fd_, std::string(kWidgetsName).c_str(), 0700) == 0) {
    if (::fsync(dir_fd_) != 0) return IoError(path_, "cannot sync the directory", errno);
  } else if (errno != EEXIST) {
    return IoError(widgets_path, "cannot create", errno);
  }
  const int fd =
      ::openat(dir_fd_, std::string(kWidgetsName).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return IoError(widgets_path, "cannot open", errno);
  widgets_fd_ = fd;
  return absl::OkStatus();
}

absl::Status StateDirectory::Initialise(absl::string_view key_check) {
  if (absl::Status s = EnsureWidgetsDir(); !s.ok()) return s;
  return ReplaceAt(dir_fd_, path_, std::string(kKeyCheckName), key_check);
}

absl::StatusOr<StateDirectory::Listing> StateDirectory::ListWidgets() const {
  Listing listing;
  const std::string widgets_path = TopPath(kWidgetsName);
  const int fd =
      ::openat(dir_fd_, std::string(kWidgetsName).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return listing;
    return IoError(widgets_path, "cannot open", errno);
  }
  DIR* dir = ::fdopendir(fd);  // owns fd from here
  if (dir == nullptr) {
    absl::Status s = IoError(widgets_path, "cannot list", errno);
    CloseQuietly(fd);
    return s;
  }
  while (true) {
    errno = 0;
    const dirent* entry = ::readdir(dir);
    if (entry == nullptr) {
      if (errno != 0) {
        absl::Status s = IoError(widgets_path, "cannot list", errno);
        ::closedir(dir);
        return s;
      }
      break;
    }
    const absl::string_view name(entry->d_name);
    if (name == "." || name == "..") continue;
    absl::string_view stem = name;
    if (absl::EndsWith(name, kTempSuffix)) {
      listing.stale_temp_files.emplace_back(name);
    } else if (absl::ConsumeSuffix(&stem, kWidgetSuffix) && keyring::ValidateAppId(stem).ok()) {
      listing.widget_app_ids.emplace_back(stem);
    } else {
      listing.unexpected_files.emplace_back(name);
    }
  }
  ::closedir(dir);
  std::sort(listing.widget_app_ids.begin(), listing.widget_app_ids.end());
  return listing;
}

absl::StatusOr<std::string> StateDirectory::ReadWidget(absl::string_view app_id) const {
  const std::string name = absl::StrCat(kWidgetsName, "/", app_id, kWidgetSuffix);
  return ReadAt(dir_fd_, name, WidgetPath(app_id));
}

absl::Status StateDirectory::WriteWidget(absl::string_view app_id, absl::string_view contents) {
  if (absl::Status s = EnsureWidgetsDir(); !s.ok()) return s;
  return ReplaceAt(widgets_fd_, TopPath(kWidgetsName), absl::StrCat(app_id, kWidgetSuffix),
                   contents);
}

void StateDirectory::RemoveStaleTemp(absl::string_view file_name) {
  if (!absl::EndsWith(file_name, kTempSuffix)) return;
  const int fd =
      ::openat(dir_fd_, std::string(kWidgetsName).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  ::unlinkat(fd, std::string(file_name).c_str(), 0);
  ::close(fd);
}

}  // namespace identity::store
