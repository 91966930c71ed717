#ifndef IDENTITY_SERVER_KEYRING_APP_ID_H_
#define IDENTITY_SERVER_KEYRING_APP_ID_H_

#include <cstddef>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace identity::keyring {

// The longest allowed app_id.
inline constexpr std::size_t kMaxAppIdLength = 128;

// ValidateAppId checks the rule for a widget's App ID, wherever one comes from
// (a request, the config, the store): 1..128 characters of [A-Za-z0-9._-].
// kInvalidArgument with a message starting "app_id: " otherwise.
absl::Status ValidateAppId(absl::string_view app_id);

}  // namespace identity::keyring

#endif  // IDENTITY_SERVER_KEYRING_APP_ID_H_
