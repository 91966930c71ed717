#include "server/store/state_directory.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "server/common/fd_io.h"
#include "server/common/file_trust.h"
#include "server/widget/app_id.h"

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

// Owns a file descriptor: closes it unless released.
class ScopedFd {
 public:
  explicit ScopedFd(int fd) : fd_(fd) {}
  ~ScopedFd() {
    if (fd_ >= 0) CloseQuietly(fd_);
  }
  ScopedFd(ScopedFd&& other) noexcept : fd_(other.release()) {}
  ScopedFd& operator=(ScopedFd&&) = delete;
  int get() const { return fd_; }
  int release() { return std::exchange(fd_, -1); }

 private:
  int fd_;
};

// The refusal of a symbolic link where identityd expects its own file or
// folder.
absl::Status SymlinkRefused(absl::string_view path) {
  return absl::FailedPreconditionError(absl::StrCat(
      path, ": a symbolic link; identityd follows no link to or in its state directory "
            "(whoever can change the link could redirect the store): give the real path, or "
            "replace the link with what it points to"));
}

// Opens `name` relative to `dir_fd` (AT_FDCWD: a path) as a trusted object of
// `kind`: never through a symbolic link (O_NOFOLLOW), and CheckTrusted on the
// descriptor itself, so that nothing can be swapped in between. kNotFound if
// it does not exist.
absl::StatusOr<ScopedFd> OpenTrusted(int dir_fd, const std::string& name, absl::string_view path,
                                     int flags, TrustedKind kind) {
  flags |= O_CLOEXEC | O_NOFOLLOW | (kind == TrustedKind::kDirectory ? O_DIRECTORY : 0);
  ScopedFd fd(::openat(dir_fd, name.c_str(), flags, 0600));
  if (fd.get() < 0) {
    switch (errno) {
      case ENOENT:
        return absl::NotFoundError(absl::StrCat(path, ": does not exist"));
      case ELOOP:
        return SymlinkRefused(path);
      case ENOTDIR: {
        // O_DIRECTORY | O_NOFOLLOW reports a link to a folder as ENOTDIR.
        struct stat st;
        if (::fstatat(dir_fd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode)) {
          return SymlinkRefused(path);
        }
        return absl::FailedPreconditionError(absl::StrCat(path, ": not a directory"));
      }
      default:
        return IoError(path, "cannot open", errno);
    }
  }
  struct stat st;
  if (::fstat(fd.get(), &st) != 0) return IoError(path, "cannot stat", errno);
  if (absl::Status s = CheckTrusted(st, path, kind); !s.ok()) return s;
  return fd;
}

// Whether `name` exists in `dir_fd` (as anything, a link included). An entry
// that cannot be examined counts as existing: opening it reports why.
bool EntryExists(int dir_fd, const std::string& name) {
  struct stat st;
  return ::fstatat(dir_fd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 || errno != ENOENT;
}

// Opens (creating it if missing; `extra_flags` O_EXCL: only creating it) and
// takes the lock file of the directory `dir_fd` at `path`.
absl::StatusOr<ScopedFd> TakeLock(int dir_fd, const std::string& path, int extra_flags = 0) {
  const std::string lock_path = absl::StrCat(path, "/", kLockName);
  absl::StatusOr<ScopedFd> lock = OpenTrusted(dir_fd, std::string(kLockName), lock_path,
                                              O_RDWR | O_CREAT | extra_flags, TrustedKind::kFile);
  if (!lock.ok()) return lock.status();
  // flock, not fcntl locks: released by the kernel when the process dies
  // (kill -9 included), and not dropped when some other fd of the file closes.
  if (::flock(lock->get(), LOCK_EX | LOCK_NB) != 0) {
    if (errno == EWOULDBLOCK) {
      return absl::UnavailableError(absl::StrCat(
          lock_path, ": another identityd is using this state directory (it holds the lock)"));
    }
    return IoError(lock_path, "cannot lock", errno);
  }
  return lock;
}

// `path` without trailing slashes: "DIR/" would resolve a link named DIR
// (a trailing slash follows it, O_NOFOLLOW or not).
std::string WithoutTrailingSlashes(std::string path) {
  while (path.size() > 1 && path.back() == '/') path.pop_back();
  return path;
}

// The folder holding `path` (no trailing slash; "." for a bare name), to sync
// a new entry in it.
std::string ParentOf(const std::string& path) {
  const std::size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

absl::StatusOr<std::string> ReadAt(int dir_fd, const std::string& name, const std::string& path) {
  absl::StatusOr<ScopedFd> fd = OpenTrusted(dir_fd, name, path, O_RDONLY, TrustedKind::kFile);
  if (!fd.ok()) return fd.status();
  std::string out;
  char buf[16384];
  while (true) {
    const ssize_t n = ::read(fd->get(), buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return IoError(path, "cannot read", errno);
    if (n == 0) break;
    out.append(buf, static_cast<std::size_t>(n));
    if (out.size() > kMaxFileBytes) {
      return absl::DataLossError(
          absl::StrCat(path, ": larger than ", kMaxFileBytes, " bytes; not an identityd file"));
    }
  }
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

absl::StatusOr<std::unique_ptr<StateDirectory>> StateDirectory::Create(
    const std::string& given_path, absl::string_view key_check) {
  if (given_path.empty()) return absl::InvalidArgumentError("state directory: path is empty");
  const std::string path = WithoutTrailingSlashes(given_path);
  if (::mkdir(path.c_str(), 0700) != 0) {
    if (errno == EEXIST) {
      return absl::AlreadyExistsError(absl::StrCat(
          path, ": already exists; a new state directory is made only where nothing exists "
                "yet, never in an existing folder"));
    }
    return IoError(path, "cannot create the state directory", errno);
  }
  // A failed step undoes what this call made, so that a second attempt can
  // start afresh: through the descriptor it opened, and only what it knows
  // it made (rmdir removes an empty folder only).
  bool made_lock = false;
  bool made_widgets = false;
  int undo_fd = -1;
  const auto fail = [&](absl::Status s) {
    if (undo_fd >= 0) {
      ::unlinkat(undo_fd, std::string(kKeyCheckName).c_str(), 0);  // if ReplaceAt renamed it
      if (made_widgets) ::unlinkat(undo_fd, std::string(kWidgetsName).c_str(), AT_REMOVEDIR);
      if (made_lock) ::unlinkat(undo_fd, std::string(kLockName).c_str(), 0);
    }
    ::rmdir(path.c_str());
    return s;
  };
  const std::string parent = ParentOf(path);
  ScopedFd parent_fd(::open(parent.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (parent_fd.get() < 0) return fail(IoError(parent, "cannot open", errno));
  if (::fsync(parent_fd.get()) != 0) {
    return fail(IoError(parent, "cannot sync the directory", errno));
  }
  absl::StatusOr<ScopedFd> dir_fd =
      OpenTrusted(AT_FDCWD, path, path, O_RDONLY, TrustedKind::kDirectory);
  if (!dir_fd.ok()) return fail(dir_fd.status());
  // O_EXCL: a LOCK already there means this is not the folder just made.
  absl::StatusOr<ScopedFd> lock_fd = TakeLock(dir_fd->get(), path, O_EXCL);
  if (!lock_fd.ok()) return fail(lock_fd.status());
  undo_fd = dir_fd->get();
  made_lock = true;
  const std::string widgets_path = absl::StrCat(path, "/", kWidgetsName);
  if (::mkdirat(dir_fd->get(), std::string(kWidgetsName).c_str(), 0700) != 0) {
    return fail(IoError(widgets_path, "cannot create", errno));
  }
  made_widgets = true;
  if (::fsync(dir_fd->get()) != 0) return fail(IoError(path, "cannot sync the directory", errno));
  absl::StatusOr<ScopedFd> widgets_fd = OpenTrusted(
      dir_fd->get(), std::string(kWidgetsName), widgets_path, O_RDONLY, TrustedKind::kDirectory);
  if (!widgets_fd.ok()) return fail(widgets_fd.status());
  // KEYCHECK last: a directory with a key check is initialised.
  if (absl::Status s = ReplaceAt(dir_fd->get(), path, std::string(kKeyCheckName), key_check);
      !s.ok()) {
    return fail(s);
  }
  return std::unique_ptr<StateDirectory>(
      new StateDirectory(path, dir_fd->release(), lock_fd->release(), widgets_fd->release()));
}

absl::StatusOr<std::unique_ptr<StateDirectory>> StateDirectory::Open(
    const std::string& given_path) {
  if (given_path.empty()) return absl::InvalidArgumentError("state directory: path is empty");
  const std::string path = WithoutTrailingSlashes(given_path);
  absl::StatusOr<ScopedFd> dir_fd =
      OpenTrusted(AT_FDCWD, path, path, O_RDONLY, TrustedKind::kDirectory);
  if (absl::IsNotFound(dir_fd.status())) {
    return absl::NotFoundError(
        absl::StrCat(path, ": does not exist, so it is not an initialised state directory"));
  }
  if (!dir_fd.ok()) return dir_fd.status();

  // The layout before anything is created or locked, so that a refused start
  // changes nothing. A directory is initialised when it holds KEYCHECK and
  // widgets/; one holding neither is not (yet), unless its LOCK shows that
  // an identityd used it. Anything in between is damage, never a fresh start:
  // re-initialising would drop every widget without a word.
  std::vector<std::string> present;
  std::vector<std::string> missing;
  for (absl::string_view name : {kKeyCheckName, kWidgetsName, kLockName}) {
    const std::string entry_path = absl::StrCat(path, "/", name);
    if (EntryExists(dir_fd->get(), std::string(name))) {
      present.push_back(entry_path);
    } else if (name != kLockName) {  // a LOCK is made again if need be
      missing.push_back(entry_path);
    }
  }
  if (present.empty()) {
    return absl::NotFoundError(absl::StrCat(
        path, ": not an initialised state directory (it holds neither KEYCHECK nor widgets/)"));
  }
  if (!missing.empty()) {
    return absl::DataLossError(absl::StrCat(
        absl::StrJoin(missing, " and "), ": missing, but ", absl::StrJoin(present, " and "),
        present.size() == 1 ? " exists" : " exist",
        ": this state directory was initialised (or was being made), then damaged. "
        "Restore it from a backup; identityd never re-initialises a directory, which would drop "
        "every widget without a word (if it was being made and never held a widget, remove "
        "it and make it again)"));
  }
  const std::string widgets_path = absl::StrCat(path, "/", kWidgetsName);
  absl::StatusOr<ScopedFd> widgets_fd = OpenTrusted(
      dir_fd->get(), std::string(kWidgetsName), widgets_path, O_RDONLY, TrustedKind::kDirectory);
  if (!widgets_fd.ok()) return widgets_fd.status();
  absl::StatusOr<ScopedFd> lock_fd = TakeLock(dir_fd->get(), path);
  if (!lock_fd.ok()) return lock_fd.status();
  return std::unique_ptr<StateDirectory>(
      new StateDirectory(path, dir_fd->release(), lock_fd->release(), widgets_fd->release()));
}

StateDirectory::~StateDirectory() {
  ::close(widgets_fd_);
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

absl::StatusOr<StateDirectory::Listing> StateDirectory::ListWidgets() const {
  Listing listing;
  const std::string widgets_path = TopPath(kWidgetsName);
  // A descriptor of its own: fdopendir takes it over and moves its offset.
  const int fd = ::openat(widgets_fd_, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return IoError(widgets_path, "cannot open", errno);
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
    } else if (absl::ConsumeSuffix(&stem, kWidgetSuffix) && widget::ValidateAppId(stem).ok()) {
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
  return ReadAt(widgets_fd_, absl::StrCat(app_id, kWidgetSuffix), WidgetPath(app_id));
}

absl::Status StateDirectory::WriteWidget(absl::string_view app_id, absl::string_view contents) {
  return ReplaceAt(widgets_fd_, TopPath(kWidgetsName), absl::StrCat(app_id, kWidgetSuffix),
                   contents);
}

void StateDirectory::RemoveStaleTemp(absl::string_view file_name) {
  if (!absl::EndsWith(file_name, kTempSuffix)) return;
  ::unlinkat(widgets_fd_, std::string(file_name).c_str(), 0);
}

}  // namespace identity::store
