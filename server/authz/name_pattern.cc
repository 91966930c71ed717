#include "server/authz/name_pattern.h"

#include "absl/status/status.h"
#include "absl/strings/match.h"

namespace identity::authz {

absl::StatusOr<NamePattern> NamePattern::Parse(absl::string_view text) {
  if (text.empty()) return absl::InvalidArgumentError("must not be empty");
  for (char c : text) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      return absl::InvalidArgumentError("must not contain control characters");
    }
  }
  const std::size_t star = text.find('*');
  if (star != absl::string_view::npos && star != text.size() - 1) {
    return absl::InvalidArgumentError(
        "'*' is allowed only as the last character (\"*\" alone matches everything, "
        "\"prefix*\" matches names starting with prefix)");
  }
  return NamePattern(std::string(text), star != absl::string_view::npos);
}

absl::string_view NamePattern::fixed_part() const {
  absl::string_view t = text_;
  if (is_prefix_) t.remove_suffix(1);
  return t;
}

bool NamePattern::Matches(absl::string_view name) const {
  if (name.empty()) return false;
  return is_prefix_ ? absl::StartsWith(name, fixed_part()) : name == text_;
}

}  // namespace identity::authz
