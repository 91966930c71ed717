#include "server/common/file_poller.h"

#include <sys/stat.h>

#include "absl/strings/str_cat.h"

namespace identity {

FilePoller::FilePoller(std::vector<std::string> paths, absl::Duration interval,
                       std::function<void()> on_change)
    : paths_(std::move(paths)), interval_(interval), on_change_(std::move(on_change)) {
  thread_ = std::thread([this] { Run(); });
}

FilePoller::~FilePoller() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  stop_cv_.notify_all();
  thread_.join();
}

std::string FilePoller::Snapshot() const {
  std::string out;
  for (const std::string& path : paths_) {
    struct stat st;
    // stat() follows symlinks, so a swapped link target counts as a change.
    if (stat(path.c_str(), &st) != 0) {
      absl::StrAppend(&out, "missing;");
      continue;
    }
    absl::StrAppend(&out, st.st_dev, ":", st.st_ino, ":", st.st_size, ":", st.st_mtim.tv_sec,
                    ".", st.st_mtim.tv_nsec, ":", st.st_ctim.tv_sec, ".", st.st_ctim.tv_nsec,
                    ";");
  }
  return out;
}

void FilePoller::Run() {
  std::string last = Snapshot();
  std::unique_lock<std::mutex> lock(mu_);
  while (!stop_cv_.wait_for(lock, absl::ToChronoNanoseconds(interval_), [this] { return stop_; })) {
    lock.unlock();
    std::string now = Snapshot();
    if (now != last) {
      last = std::move(now);
      on_change_();
    }
    lock.lock();
  }
}

}  // namespace identity
