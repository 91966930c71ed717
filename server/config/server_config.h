#ifndef IDENTITY_SERVER_CONFIG_SERVER_CONFIG_H_
#define IDENTITY_SERVER_CONFIG_SERVER_CONFIG_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace identity::config {

// Where one initial secret is read from: a file or an environment variable.
// Never the secret itself: secrets do not belong in config files or argv.
struct SecretSourceConfig {
  enum class Type { kFile, kEnv };
  Type type = Type::kFile;
  // The file path (relative paths resolved against the config file's folder)
  // or the environment variable's name.
  std::string location;
  // The JSON path of this entry, e.g. "widgets[0].jwt_secret", for errors.
  std::string json_path;
};

// One widget: its App ID and where each of its initial secrets comes from. A
// widget without secrets is registered (calls get FAILED_PRECONDITION, not
// NOT_FOUND) and can receive its secrets through RotateSecret.
struct WidgetConfig {
  std::string app_id;
  std::optional<SecretSourceConfig> email_hash_secret;
  std::optional<SecretSourceConfig> jwt_secret;
  std::string json_path;  // "widgets[N]"
};

// The identityd configuration file (JSON). Format, with every key optional:
//
//   {
//     "widgets": [
//       {
//         "app_id": "demo-widget",
//         "email_hash_secret": {"file": "secrets/demo-widget.email_hash"},
//         "jwt_secret": {"env": "DEMO_WIDGET_JWT_SECRET"}
//       }
//     ]
//   }
//
// Unknown keys are errors (a typo must not silently drop a setting), and so
// is a key repeated in one object (the parser would keep only the last).
struct ServerConfig {
  std::vector<WidgetConfig> widgets;
};

// Parses a configuration document. `base_dir` resolves relative secret file
// paths. Errors are kInvalidArgument and start with the JSON path of the
// offending element, e.g. "widgets[2].jwt_secret: set exactly one of file or
// env".
absl::StatusOr<ServerConfig> ParseServerConfig(absl::string_view json_text,
                                               absl::string_view base_dir);

// Reads and parses the configuration file at `path`; errors start with it.
absl::StatusOr<ServerConfig> LoadServerConfigFile(const std::string& path);

}  // namespace identity::config

#endif  // IDENTITY_SERVER_CONFIG_SERVER_CONFIG_H_
