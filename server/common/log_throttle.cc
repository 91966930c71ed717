#include "server/common/log_throttle.h"

#include "absl/strings/str_cat.h"

namespace identity {

LogThrottle::Decision LogThrottle::Admit(absl::string_view key, absl::Time now) {
  std::lock_guard<std::mutex> lock(mu_);
  KeyState* state = nullptr;
  if (auto it = keys_.find(key); it != keys_.end()) {
    state = &it->second;
  } else if (keys_.size() < kMaxKeys) {
    state = &keys_.emplace(std::string(key), KeyState{now}).first->second;
  } else {
    state = &overflow_;
  }
  if (now - state->window_start >= window_) {
    state->window_start = now;
    state->lines_in_window = 0;
  }
  if (state->lines_in_window >= lines_per_window_) {
    ++state->suppressed;
    return Decision{};
  }
  ++state->lines_in_window;
  Decision decision{true, state->suppressed};
  state->suppressed = 0;
  return decision;
}

std::string LogThrottle::SuppressedNote(std::int64_t suppressed) {
  if (suppressed <= 0) return "";
  return absl::StrCat(" (", suppressed, " similar line", suppressed == 1 ? "" : "s",
                      " suppressed)");
}

}  // namespace identity
