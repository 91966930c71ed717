#include "server/config/server_config.h"

#include <fstream>
#include <functional>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "nlohmann/json.hpp"
#include "server/common/json_keys.h"
#include "server/widget/app_id.h"

namespace identity::config {
namespace {

using Json = nlohmann::json;

absl::Status Error(absl::string_view path, absl::string_view message) {
  return absl::InvalidArgumentError(absl::StrCat(path, ": ", message));
}

std::string ResolvePath(absl::string_view base_dir, const std::string& path) {
  if (path.empty() || path[0] == '/' || base_dir.empty()) return path;
  return absl::StrCat(base_dir, "/", path);
}

absl::StatusOr<SecretSourceConfig> ParseSecretSource(const Json& j, const std::string& path,
                                                     absl::string_view base_dir) {
  if (!j.is_object()) return Error(path, "must be an object {\"file\": ...} or {\"env\": ...}");
  if (absl::Status s = CheckJsonKeys(j, path, {"file", "env"}); !s.ok()) return s;
  const bool has_file = j.contains("file");
  if (has_file == j.contains("env")) return Error(path, "set exactly one of file or env");
  const char* key = has_file ? "file" : "env";
  const Json& value = j.at(key);
  if (!value.is_string() || value.get_ref<const std::string&>().empty()) {
    return Error(absl::StrCat(path, ".", key), "must be a non-empty string");
  }
  SecretSourceConfig source;
  source.type = has_file ? SecretSourceConfig::Type::kFile : SecretSourceConfig::Type::kEnv;
  source.location = has_file ? ResolvePath(base_dir, value.get<std::string>())
                             : value.get<std::string>();
  source.json_path = absl::StrCat(path, ".", key);
  return source;
}

absl::StatusOr<WidgetConfig> ParseWidget(const Json& j, const std::string& path,
                                         absl::string_view base_dir) {
  if (!j.is_object()) return Error(path, "must be an object");
  if (absl::Status s = CheckJsonKeys(j, path, {"app_id", "email_hash_secret", "jwt_secret"});
      !s.ok()) {
    return s;
  }
  WidgetConfig widget;
  widget.json_path = path;
  if (!j.contains("app_id") || !j.at("app_id").is_string()) {
    return Error(absl::StrCat(path, ".app_id"), "is required and must be a string");
  }
  widget.app_id = j.at("app_id").get<std::string>();
  if (absl::Status s = widget::ValidateAppId(widget.app_id); !s.ok()) {
    // The message already starts "app_id: ": this makes "widgets[N].app_id: ".
    return absl::InvalidArgumentError(absl::StrCat(path, ".", s.message()));
  }
  for (const char* key : {"email_hash_secret", "jwt_secret"}) {
    if (!j.contains(key)) continue;
    absl::StatusOr<SecretSourceConfig> source =
        ParseSecretSource(j.at(key), absl::StrCat(path, ".", key), base_dir);
    if (!source.ok()) return source.status();
    (std::string(key) == "jwt_secret" ? widget.jwt_secret : widget.email_hash_secret) =
        *std::move(source);
  }
  return widget;
}

// Finds the first key that appears twice in one object, which nlohmann/json
// would otherwise accept, keeping the last value: a repeated "widgets" or
// "file" would silently drop a setting, as an unknown key would. Follows the
// parser's events (objects and arrays report their start and end, scalars a
// value; a finished object or array reports no value) to know the path.
class DuplicateKeyFinder {
 public:
  bool operator()(int /*depth*/, Json::parse_event_t event, Json& parsed) {
    switch (event) {
      case Json::parse_event_t::object_start:
      case Json::parse_event_t::array_start:
        StartElement();
        frames_.emplace_back().is_array = event == Json::parse_event_t::array_start;
        break;
      case Json::parse_event_t::object_end:
      case Json::parse_event_t::array_end:
        frames_.pop_back();
        break;
      case Json::parse_event_t::key: {
        Frame& object = frames_.back();
        object.key = parsed.get<std::string>();
        if (!object.keys.insert(object.key).second && !first_duplicate_.has_value()) {
          first_duplicate_ = Path();
        }
        break;
      }
      case Json::parse_event_t::value:
        StartElement();
        break;
    }
    return true;
  }

  // The path of the first repeated key, e.g. "widgets[1].jwt_secret.file".
  const std::optional<std::string>& first_duplicate() const { return first_duplicate_; }

 private:
  struct Frame {
    bool is_array = false;
    std::size_t index = 0;         // arrays: the number of elements started
    std::string key;               // objects: the current key
    std::set<std::string> keys{};  // objects: the keys seen
  };

  void StartElement() {
    if (!frames_.empty() && frames_.back().is_array) ++frames_.back().index;
  }

  std::string Path() const {
    std::string path;
    for (const Frame& f : frames_) {
      if (f.is_array) {
        absl::StrAppend(&path, "[", f.index - 1, "]");
      } else {
        absl::StrAppend(&path, path.empty() ? "" : ".", f.key);
      }
    }
    return frames_.size() == 1 ? absl::StrCat("(root).", path) : path;
  }

  std::vector<Frame> frames_;
  std::optional<std::string> first_duplicate_;
};

}  // namespace

absl::StatusOr<ServerConfig> ParseServerConfig(absl::string_view json_text,
                                               absl::string_view base_dir) {
  // Exceptions stay inside this function: nlohmann/json reports parse errors
  // by throwing, and every other layer speaks absl::Status. Not only
  // parse_error: a number too large for a double (1e999) throws out_of_range,
  // so catch the base class.
  Json root;
  DuplicateKeyFinder duplicates;
  try {
    root = Json::parse(json_text.begin(), json_text.end(), std::ref(duplicates));
  } catch (const Json::exception& e) {
    return absl::InvalidArgumentError(absl::StrCat("invalid JSON: ", e.what()));
  }
  if (duplicates.first_duplicate().has_value()) {
    return Error(*duplicates.first_duplicate(), "duplicate key");
  }
  if (!root.is_object()) return Error("(root)", "must be a JSON object");
  if (absl::Status s = CheckJsonKeys(root, "(root)", {"widgets"}); !s.ok()) return s;

  ServerConfig config;
  if (!root.contains("widgets")) return config;
  const Json& widgets = root.at("widgets");
  if (!widgets.is_array()) return Error("widgets", "must be an array");
  std::set<std::string> seen;
  for (std::size_t i = 0; i < widgets.size(); ++i) {
    const std::string path = absl::StrCat("widgets[", i, "]");
    absl::StatusOr<WidgetConfig> widget = ParseWidget(widgets[i], path, base_dir);
    if (!widget.ok()) return widget.status();
    if (!seen.insert(widget->app_id).second) {
      return Error(absl::StrCat(path, ".app_id"), "is listed twice");
    }
    config.widgets.push_back(*std::move(widget));
  }
  return config;
}

absl::StatusOr<ServerConfig> LoadServerConfigFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat(path, ": cannot open the config file"));
  std::stringstream text;
  text << in.rdbuf();
  const std::size_t slash = path.rfind('/');
  const std::string base_dir = slash == std::string::npos ? "." : path.substr(0, slash);
  absl::StatusOr<ServerConfig> config = ParseServerConfig(text.str(), base_dir);
  if (!config.ok()) {
    return absl::Status(config.status().code(),
                        absl::StrCat(path, ": ", config.status().message()));
  }
  return config;
}

}  // namespace identity::config
