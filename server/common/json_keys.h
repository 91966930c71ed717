#ifndef IDENTITY_SERVER_COMMON_JSON_KEYS_H_
#define IDENTITY_SERVER_COMMON_JSON_KEYS_H_

#include <initializer_list>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "nlohmann/json.hpp"

namespace identity {

// Rejects any key of the JSON object `object` outside `allowed`, with
// kInvalidArgument "PATH.KEY: unknown key": in a config or policy file, a
// typo must fail loudly rather than silently drop a setting.
inline absl::Status CheckJsonKeys(const nlohmann::json& object, absl::string_view path,
                                  std::initializer_list<absl::string_view> allowed) {
  for (const auto& [key, unused] : object.items()) {
    bool known = false;
    for (absl::string_view a : allowed) known = known || key == a;
    if (!known) return absl::InvalidArgumentError(absl::StrCat(path, ".", key, ": unknown key"));
  }
  return absl::OkStatus();
}

}  // namespace identity

#endif  // IDENTITY_SERVER_COMMON_JSON_KEYS_H_
