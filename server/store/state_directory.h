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
//   STATE_DIR/                 mode 0700, made only by Create (never by Open)
//     LOCK                     held (flock) while an identityd uses the directory
//     KEYCHECK                 proves which master key the directory belongs to
//     widgets/                 mode 0700
//       APP_ID.widget          one per widget (see widget_file.h)
//       APP_ID.widget.tmp      only while that file is being replaced
//
// A directory is initialised when it holds both KEYCHECK and widgets/; Create
// makes one, Open uses one and never makes or repairs one. A missing
// directory, or one holding none of KEYCHECK, widgets/ and LOCK, is "not
// initialised"; one holding some but not both of the first two was
// initialised and then damaged (say, by someone who removed widgets/ and
// KEYCHECK to make identityd start empty: LOCK remains). Open refuses both,
// so that losing every widget is never mistaken for a fresh start.
//
// Trust: the directory, widgets/ and every file identityd reads or locks
// must pass CheckTrusted (server/common/file_trust.h: owned by identityd's
// user or root, folders not writable and files not accessible by group or
// others), checked on the opened descriptor; and none may be a symbolic
// link (opened with O_NOFOLLOW), so that nobody who can write a path that
// leads here can redirect the store elsewhere.
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
  // Makes a new, initialised state directory at `path`, which must not exist
  // (its parent must): the folder (mode 0700, its entry synced in the parent),
  // LOCK (taken) and widgets/, synced, then KEYCHECK holding `key_check`,
  // written crash-safely as every file is (below). kAlreadyExists if `path` exists, whatever
  // it is (nothing is changed); kFailedPrecondition if what was made cannot
  // be trusted (say, it was swapped for another folder meanwhile);
  // kUnavailable on an I/O error. On failure, what this call made is removed
  // (a crash midway leaves a directory that Open refuses, as not initialised
  // or as damaged, and that Create will not reuse: remove it first).
  static absl::StatusOr<std::unique_ptr<StateDirectory>> Create(const std::string& path,
                                                               absl::string_view key_check);

  // Opens the initialised state directory at `path` and takes its lock,
  // having checked its layout and the trust of the folder, widgets/ and LOCK
  // (KEYCHECK and widget files are checked when read). Creates nothing but a
  // missing LOCK, and only in an initialised directory. Errors name the path:
  //   kNotFound           not initialised: `path` does not exist, or holds
  //                       none of KEYCHECK, widgets/ and LOCK;
  //   kDataLoss           KEYCHECK or widgets/ missing while the other or
  //                       LOCK exists (initialised, then damaged);
  //   kFailedPrecondition a symbolic link, a wrong type, or an owner or mode
  //                       CheckTrusted refuses;
  //   kUnavailable        an I/O error, or another process holds the lock.
  static absl::StatusOr<std::unique_ptr<StateDirectory>> Open(const std::string& path);
  ~StateDirectory();
  StateDirectory(const StateDirectory&) = delete;
  StateDirectory& operator=(const StateDirectory&) = delete;

  // The directory's path, as given but for trailing slashes.
  const std::string& path() const { return path_; }
  // The full path of a file at the top of the directory, or of a widget file.
  std::string TopPath(absl::string_view name) const;
  std::string WidgetPath(absl::string_view app_id) const;

  // Reads the key check file (checked as a trusted file). kNotFound if it
  // does not exist.
  absl::StatusOr<std::string> ReadKeyCheck() const;

  // The contents of the widgets folder, classified. Names are app_ids for
  // widget files, file names otherwise.
  struct Listing {
    std::vector<std::string> widget_app_ids;  // sorted
    std::vector<std::string> stale_temp_files;
    std::vector<std::string> unexpected_files;
  };
  // Lists the widgets folder.
  absl::StatusOr<Listing> ListWidgets() const;

  // Reads one widget file. kFailedPrecondition if it is a symbolic link or
  // fails CheckTrusted; kUnavailable on an I/O error.
  absl::StatusOr<std::string> ReadWidget(absl::string_view app_id) const;

  // Replaces (or creates) the widget file of `app_id` with `contents`,
  // crash-safely as described above. kUnavailable if any step fails; the
  // file then holds its old contents, or, if only the final directory sync
  // failed, possibly the new ones.
  absl::Status WriteWidget(absl::string_view app_id, absl::string_view contents);

  // Removes a stale temporary file left by a crash. Best effort.
  void RemoveStaleTemp(absl::string_view file_name);

 private:
  StateDirectory(std::string path, int dir_fd, int lock_fd, int widgets_fd)
      : path_(std::move(path)), dir_fd_(dir_fd), lock_fd_(lock_fd), widgets_fd_(widgets_fd) {}

  const std::string path_;
  const int dir_fd_;
  const int lock_fd_;
  const int widgets_fd_;
};

}  // namespace identity::store

#endif  // IDENTITY_SERVER_STORE_STATE_DIRECTORY_H_
