#ifndef IDENTITY_SERVER_WIDGET_APP_ID_H_
#define IDENTITY_SERVER_WIDGET_APP_ID_H_

#include <cstddef>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace identity::widget {

// The longest allowed app_id.
inline constexpr std::size_t kMaxAppIdLength = 128;

// The characters an app_id may use, as error messages name them.
inline constexpr char kAppIdCharacters[] = "[A-Za-z0-9._-]";

// ValidateAppId checks the rule for a widget's App ID, wherever one comes from
// (a request, the config, the store): 1..128 characters of [A-Za-z0-9._-].
// kInvalidArgument with a message starting "app_id: " otherwise.
absl::Status ValidateAppId(absl::string_view app_id);

// Whether every character of `text` is one an app_id may use (true for "").
// For what is not a whole app_id, e.g. a policy's app_id prefix "billing-".
bool HasOnlyAppIdCharacters(absl::string_view text);

}  // namespace identity::widget

#endif  // IDENTITY_SERVER_WIDGET_APP_ID_H_
