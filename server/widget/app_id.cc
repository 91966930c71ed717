#include "server/widget/app_id.h"

#include "absl/strings/str_cat.h"

namespace identity::widget {

bool HasOnlyAppIdCharacters(absl::string_view text) {
  for (char c : text) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

absl::Status ValidateAppId(absl::string_view app_id) {
  if (app_id.empty()) return absl::InvalidArgumentError("app_id: is required");
  if (app_id.size() > kMaxAppIdLength) {
    return absl::InvalidArgumentError(absl::StrCat("app_id: must be at most ", kMaxAppIdLength,
                                                   " characters; got ", app_id.size()));
  }
  if (!HasOnlyAppIdCharacters(app_id)) {
    return absl::InvalidArgumentError(
        absl::StrCat("app_id: must contain only the characters ", kAppIdCharacters));
  }
  return absl::OkStatus();
}

}  // namespace identity::widget
