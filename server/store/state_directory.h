#ifndef IDENTITY_SERVER_STORE_STATE_DIRECTORY_H_
#define IDENTITY_SERVER_STORE_STATE_DIRECTORY_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace identity::store {

// StateDirectory is the file layout of the embedded store and the crash-safe
// way it writes files. It knows file names and bytes, not what they mean.
//
//   STATE_DIR/                 mode 0700, created if missing
//     LOCK                     held (flock) while an identityd uses the directory
//     KEYCHECK                 proves which master key the directory belongs to
//     widgets/                 mode 0700
//       APP_ID.widget          one per widget (see widget_file.h)
//       APP_ID.widget.tmp      only while that file is being replaced
//
// Crash safety: every file is replaced whole, never edited in place: write
// NAME.tmp, fdatasync it, rename it over NAME, fsync the directory. rename()
// is atomic, so after a crash (kill -9 or power loss) NAME holds either the
// old or the new contents, complete; once the directory fsync returns, the
// new contents survive power loss. This was chosen over an append-only journal
// with snapshots because (1) a file is complete or absent, so a truncated or
// damaged file is never a normal crash outcome, and start-up can refuse it
// outright, whereas a journal must accept a torn last record after a crash
// and tell it apart from damage; (2) a rotation rewrites one small file (well
// under 1 KiB with the default history), whatever the number of widgets, so
// there is nothing to compact; (3) it is a few dozen lines with no recovery
// code. The price is two syncs per rotation instead of one, and one file per
// widget; rotations are rare operator actions, and a directory of 100k small
// files loads in seconds.
class StateDirectory {
 public:
  // Opens `path`, creating it (mode 0700) if missing, and takes its lock.
  // kUnavailable if it cannot be created or opened, or another process holds
  // the lock (the message names the path).
  static absl::StatusOr<std::unique_ptr<StateDirectory>> Open(const std::string& path);
  ~StateDirectory();
  StateDirectory(const StateDirectory&) = delete;
  StateDirectory& operator=(const StateDirectory&) = delete;

  // The directory's path, as given.
  const std::string& path() const { return path_; }
  // The full path of a file at the top of the directory, or of a widget file.
  std::string TopPath(absl::string_view name) const;
  std::string WidgetPath(absl::string_view app_id) const;

  // Reads the key check file. kNotFound if it does not exist.
  absl::StatusOr<std::string> ReadKeyCheck() const;
  // Creates the widgets folder and writes the key check file, durably, in
  // that order: a directory with a key check is initialised.
  absl::Status Initialise(absl::string_view key_check);

  // The contents of the widgets folder, classified. Names are app_ids for
  // widget files, file names otherwise.
  struct Listing {
    std::vector<std::string> widget_app_ids;  // sorted
    std::vector<std::string> stale_temp_files;
    std::vector<std::string> unexpected_files;
  };
  // Lists the widgets folder (an empty listing if it does not exist).
  absl::StatusOr<Listing> ListWidgets() const;

  // Reads one widget file. kUnavailable on an I/O error.
  absl::StatusOr<std::string> ReadWidget(absl::string_view app_id) const;

  // Replaces (or creates) the widget file of `app_id` with `contents`,
  // crash-safely as described above. kUnavailable if any step fails; the
  // file then holds its old contents, or, if only the final directory sync
  // failed, possibly the new ones.
  absl::Status WriteWidget(absl::string_view app_id, absl::string_view contents);

  // Removes a stale temporary file left by a crash. Best effort.
  void RemoveStaleTemp(absl::string_view file_name);

 private:
  StateDirectory(std::string path, int dir_fd, int lock_fd)
      : path_(std::move(path)), dir_fd_(dir_fd), lock_fd_(lock_fd) {}

  absl::Status EnsureWidgetsDir();

  const std::string path_;
  const int dir_fd_;
  const int lock_fd_;
  int widgets_fd_ = -1;  // opened by EnsureWidgetsDir or on first need
};

}  // namespace identity::store

#endif  // IDENTITY_SERVER_STORE_STATE_DIRECTORY_H_
