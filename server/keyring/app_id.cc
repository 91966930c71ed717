#include "server/keyring/app_id.h"

#include "absl/strings/str_cat.h"

namespace identity::keyring {

absl::Status ValidateAppId(absl::string_view app_id) {
  if (app_id.empty()) return absl::InvalidArgumentError("app_id: is required");
  if (app_id.size() > kMaxAppIdLength) {
    return absl::InvalidArgumentError(absl::StrCat("app_id: must be at most ", kMaxAppIdLength,
                                                   " characters; got ", app_id.size()));
  }
  for (char c : app_id) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '_' || c == '-';
    if (!ok) {
      return absl::InvalidArgumentError("app_id: must contain only the characters [A-Za-z0-9._-]");
    }
  }
  return absl::OkStatus();
}

}  // namespace identity::keyring
