#ifndef IDENTITY_SERVER_COMMON_FILE_POLLER_H_
#define IDENTITY_SERVER_COMMON_FILE_POLLER_H_

#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/time/time.h"

namespace identity {

// FilePoller watches files for changes by polling their metadata (device,
// inode, size, modification and change times) every `interval` on its own
// thread, and calls `on_change` there when any of them changed, appeared or
// disappeared since the last poll. Polling rather than inotify: it also sees
// the symlink swaps Kubernetes uses for mounted secrets and config maps, and
// it never reads a file's content (some watched files hold private keys).
//
//   FilePoller poller({"/etc/identityd/policy.json"}, absl::Seconds(5),
//                     [&] { Reload(); });
//
// The destructor stops the thread and waits for a running callback to end.
class FilePoller {
 public:
  FilePoller(std::vector<std::string> paths, absl::Duration interval,
             std::function<void()> on_change);
  ~FilePoller();
  FilePoller(const FilePoller&) = delete;
  FilePoller& operator=(const FilePoller&) = delete;

 private:
  std::string Snapshot() const;
  void Run();

  const std::vector<std::string> paths_;
  const absl::Duration interval_;
  const std::function<void()> on_change_;
  std::mutex mu_;
  std::condition_variable stop_cv_;
  bool stop_ = false;  // guarded by mu_
  std::thread thread_;
};

}  // namespace identity

#endif  // IDENTITY_SERVER_COMMON_FILE_POLLER_H_
