#ifndef IDENTITY_SERVER_COMMON_LOG_THROTTLE_H_
#define IDENTITY_SERVER_COMMON_LOG_THROTTLE_H_

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace identity {

// LogThrottle bounds how many lines one place in the code may log: at most
// `lines_per_window` per `window` for each key (e.g. "file.cc:123"); the
// rest are counted and not written. A caller who can make identityd log (a
// failed TLS handshake, a bad header, a malformed request) must not be able
// to fill the disk with it.
//
//   LogThrottle throttle(10, absl::Minutes(1));
//   LogThrottle::Decision d = throttle.Admit("ssl.cc:42", absl::Now());
//   if (d.emit) Log(..., message + SuppressedNote(d.suppressed));
//
// Lines suppressed in a window are reported by the next line let through for
// the same key. At most kMaxKeys keys are tracked; past that, every key not
// yet tracked shares one budget. Thread-safe.
class LogThrottle {
 public:
  static constexpr std::size_t kMaxKeys = 1024;

  LogThrottle(int lines_per_window, absl::Duration window)
      : lines_per_window_(lines_per_window), window_(window) {}

  struct Decision {
    bool emit = false;
    // Lines of this key not written since the last one that was.
    std::int64_t suppressed = 0;
  };
  Decision Admit(absl::string_view key, absl::Time now);

  // " (N similar lines suppressed)" for N > 0, else "".
  static std::string SuppressedNote(std::int64_t suppressed);

 private:
  struct KeyState {
    absl::Time window_start;
    int lines_in_window = 0;
    std::int64_t suppressed = 0;
  };
  const int lines_per_window_;
  const absl::Duration window_;
  std::mutex mu_;
  absl::flat_hash_map<std::string, KeyState> keys_;
  KeyState overflow_;
};

}  // namespace identity

#endif  // IDENTITY_SERVER_COMMON_LOG_THROTTLE_H_
