// Fuzzes the JSON config parser (config::ParseServerConfig), relative paths
// resolved against a fixed folder.
//
// Properties, beyond "no crash, no sanitizer report":
//  * a refusal is INVALID_ARGUMENT with a message;
//  * a parsed config keeps the documented rules: valid and distinct app_ids,
//    "widgets[N]" paths in order, each secret source a non-empty location
//    whose path names its key ("widgets[N].jwt_secret.env"), relative file
//    paths resolved inside the config's folder;
//  * writing the parsed config back as JSON and parsing that gives the same
//    config (no setting is lost or altered between file and memory).

#include <cstddef>
#include <cstdint>
#include <optional>
#include <set>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "nlohmann/json.hpp"
#include "server/config/server_config.h"
#include "server/widget/app_id.h"
#include "tests/fuzz/fuzz_support.h"

namespace identity::fuzz {
namespace {

using config::SecretSourceConfig;
using config::ServerConfig;
using config::WidgetConfig;

constexpr absl::string_view kBaseDir = "/etc/identityd";

nlohmann::json SourceToJson(const SecretSourceConfig& source) {
  return {{source.type == SecretSourceConfig::Type::kFile ? "file" : "env", source.location}};
}

nlohmann::json ToJson(const ServerConfig& config) {
  nlohmann::json widgets = nlohmann::json::array();
  for (const WidgetConfig& w : config.widgets) {
    nlohmann::json widget = {{"app_id", w.app_id}};
    if (w.email_hash_secret) widget["email_hash_secret"] = SourceToJson(*w.email_hash_secret);
    if (w.jwt_secret) widget["jwt_secret"] = SourceToJson(*w.jwt_secret);
    widgets.push_back(std::move(widget));
  }
  return {{"widgets", std::move(widgets)}};
}

void CheckSource(const SecretSourceConfig& source, const std::string& path) {
  const bool file = source.type == SecretSourceConfig::Type::kFile;
  FUZZ_CHECK(source.json_path == absl::StrCat(path, file ? ".file" : ".env"), source.json_path);
  FUZZ_CHECK(!source.location.empty(), source.json_path);
  if (file) {
    // Absolute as written, or resolved inside the config's folder.
    FUZZ_CHECK(absl::StartsWith(source.location, "/"), absl::CEscape(source.location));
  }
}

bool SameSource(const std::optional<SecretSourceConfig>& a,
                const std::optional<SecretSourceConfig>& b) {
  if (a.has_value() != b.has_value()) return false;
  return !a.has_value() || (a->type == b->type && a->location == b->location &&
                            a->json_path == b->json_path);
}

void Check(absl::string_view text) {
  const absl::StatusOr<ServerConfig> config = config::ParseServerConfig(text, kBaseDir);
  if (!config.ok()) {
    FUZZ_CHECK(config.status().code() == absl::StatusCode::kInvalidArgument,
               config.status().ToString());
    FUZZ_CHECK(!config.status().message().empty(), "an error without a message");
    return;
  }
  std::set<std::string> app_ids;
  for (std::size_t i = 0; i < config->widgets.size(); ++i) {
    const WidgetConfig& w = config->widgets[i];
    FUZZ_CHECK(w.json_path == absl::StrCat("widgets[", i, "]"), w.json_path);
    FUZZ_CHECK(widget::ValidateAppId(w.app_id).ok(), absl::CEscape(w.app_id));
    FUZZ_CHECK(app_ids.insert(w.app_id).second, "an app_id listed twice was accepted");
    if (w.email_hash_secret) CheckSource(*w.email_hash_secret, w.json_path + ".email_hash_secret");
    if (w.jwt_secret) CheckSource(*w.jwt_secret, w.json_path + ".jwt_secret");
  }

  // Every file location is absolute now, so another folder changes nothing.
  const std::string written = ToJson(*config).dump();
  const absl::StatusOr<ServerConfig> again = config::ParseServerConfig(written, "/elsewhere");
  FUZZ_CHECK(again.ok(), absl::StrCat(again.status().ToString(), " for ", written));
  FUZZ_CHECK(again->widgets.size() == config->widgets.size(), written);
  for (std::size_t i = 0; i < config->widgets.size(); ++i) {
    const WidgetConfig& a = config->widgets[i];
    const WidgetConfig& b = again->widgets[i];
    FUZZ_CHECK(a.app_id == b.app_id && a.json_path == b.json_path &&
                   SameSource(a.email_hash_secret, b.email_hash_secret) &&
                   SameSource(a.jwt_secret, b.jwt_secret),
               absl::StrCat("round trip changed widgets[", i, "]: ", written));
  }
}

}  // namespace
}  // namespace identity::fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  identity::fuzz::Check(identity::fuzz::AsView(data, size));
  return 0;
}
