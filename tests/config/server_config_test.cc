// ParseServerConfig / LoadServerConfigFile: the format, every error class with
// its JSON path prefix, unknown keys, and the file itself.

#include <unistd.h>

#include <ostream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/config/server_config.h"
#include "tests/config/config_test_files.h"
#include "tests/support/temp_dir.h"

namespace identity::config {
namespace {

using config_testing::WriteFile;
using ::testing::HasSubstr;
using ::testing::StartsWith;

constexpr absl::string_view kReadmeExample = R"json({
  "widgets": [
    {
      "app_id": "demo-widget",
      "email_hash_secret": {"file": "secrets/demo-widget.email_hash"},
      "jwt_secret": {"env": "DEMO_WIDGET_JWT_SECRET"}
    },
    { "app_id": "registered-later" }
  ]
})json";

TEST(ParseServerConfigTest, ParsesTheReadmeExample) {
  absl::StatusOr<ServerConfig> config = ParseServerConfig(kReadmeExample, "/etc/identityd");
  ASSERT_TRUE(config.ok()) << config.status();
  ASSERT_EQ(config->widgets.size(), 2u);

  const WidgetConfig& demo = config->widgets[0];
  EXPECT_EQ(demo.app_id, "demo-widget");
  EXPECT_EQ(demo.json_path, "widgets[0]");
  ASSERT_TRUE(demo.email_hash_secret.has_value());
  EXPECT_EQ(demo.email_hash_secret->type, SecretSourceConfig::Type::kFile);
  EXPECT_EQ(demo.email_hash_secret->location, "/etc/identityd/secrets/demo-widget.email_hash");
  EXPECT_EQ(demo.email_hash_secret->json_path, "widgets[0].email_hash_secret.file");
  ASSERT_TRUE(demo.jwt_secret.has_value());
  EXPECT_EQ(demo.jwt_secret->type, SecretSourceConfig::Type::kEnv);
  EXPECT_EQ(demo.jwt_secret->location, "DEMO_WIDGET_JWT_SECRET");
  EXPECT_EQ(demo.jwt_secret->json_path, "widgets[0].jwt_secret.env");

  const WidgetConfig& later = config->widgets[1];
  EXPECT_EQ(later.app_id, "registered-later");
  EXPECT_EQ(later.json_path, "widgets[1]");
  EXPECT_FALSE(later.email_hash_secret.has_value());
  EXPECT_FALSE(later.jwt_secret.has_value());
}

TEST(ParseServerConfigTest, EveryKeyIsOptional) {
  for (absl::string_view text : {"{}", R"({"widgets": []})", " \n{ }\n"}) {
    absl::StatusOr<ServerConfig> config = ParseServerConfig(text, ".");
    ASSERT_TRUE(config.ok()) << text << ": " << config.status();
    EXPECT_TRUE(config->widgets.empty());
  }
}

TEST(ParseServerConfigTest, AbsoluteSecretPathsAreKept) {
  absl::StatusOr<ServerConfig> config = ParseServerConfig(
      R"({"widgets": [{"app_id": "w", "jwt_secret": {"file": "/run/secrets/w.jwt"}}]})", "/etc");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->widgets[0].jwt_secret->location, "/run/secrets/w.jwt");
}

TEST(ParseServerConfigTest, RelativeSecretPathsResolveAgainstTheBaseDir) {
  absl::StatusOr<ServerConfig> config = ParseServerConfig(
      R"({"widgets": [{"app_id": "w", "jwt_secret": {"file": "../keys/w.jwt"}}]})", "conf");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->widgets[0].jwt_secret->location, "conf/../keys/w.jwt");
}

// One bad document and the start its error message must have.
struct BadConfig {
  std::string name;
  std::string json;
  std::string message_prefix;
};

// Test names carry the case's name (ctest shows it), not a dump of bytes.
void PrintTo(const BadConfig& bad, std::ostream* os) {
  *os << "expects \"" << bad.message_prefix << "\"";
}

class ParseServerConfigErrorTest : public ::testing::TestWithParam<BadConfig> {};

TEST_P(ParseServerConfigErrorTest, IsInvalidArgumentNamingThePath) {
  const absl::StatusOr<ServerConfig> config = ParseServerConfig(GetParam().json, "/etc/identityd");
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(config.status().message()), StartsWith(GetParam().message_prefix));
}

const std::string kLongAppId(129, 'a');

INSTANTIATE_TEST_SUITE_P(
    EveryErrorClass, ParseServerConfigErrorTest,
    ::testing::ValuesIn(std::vector<BadConfig>{
        {"NotJson", "widgets: []", "invalid JSON: "},
        {"Empty", "", "invalid JSON: "},
        {"TrailingGarbage", "{} {}", "invalid JSON: "},
        {"UnterminatedObject", R"({"widgets": [)", "invalid JSON: "},
        // nlohmann/json throws out_of_range, not parse_error, for these
        // (found by tests/fuzz/server_config_fuzzer).
        {"NumberTooLargeForADouble", R"({"widgets": [], "n": 1e999})", "invalid JSON: "},
        {"NumberTooLargeInAWidget", R"({"widgets": [{"app_id": -2.5e5555}]})", "invalid JSON: "},
        {"RootArray", "[]", "(root): must be a JSON object"},
        {"RootString", R"("widgets")", "(root): must be a JSON object"},
        {"RootNull", "null", "(root): must be a JSON object"},
        {"UnknownRootKey", R"({"widgets": [], "listen": "0.0.0.0:1"})",
         "(root).listen: unknown key"},
        {"MisspelledWidgets", R"({"widget": []})", "(root).widget: unknown key"},
        {"WidgetsNotArray", R"({"widgets": {"app_id": "w"}})", "widgets: must be an array"},
        {"WidgetsNull", R"({"widgets": null})", "widgets: must be an array"},
        {"WidgetNotObject", R"({"widgets": ["w"]})", "widgets[0]: must be an object"},
        {"AppIdMissing", R"({"widgets": [{}]})", "widgets[0].app_id: is required"},
        {"AppIdNotString", R"({"widgets": [{"app_id": 7}]})",
         "widgets[0].app_id: is required and must be a string"},
        {"AppIdEmpty", R"({"widgets": [{"app_id": ""}]})", "widgets[0].app_id: is required"},
        {"AppIdBadCharacter", R"({"widgets": [{"app_id": "demo widget"}]})",
         "widgets[0].app_id: must contain only"},
        {"AppIdTooLong", R"({"widgets": [{"app_id": ")" + kLongAppId + R"("}]})",
         "widgets[0].app_id: must be at most 128"},
        {"DuplicateAppId", R"({"widgets": [{"app_id": "w"}, {"app_id": "x"}, {"app_id": "w"}]})",
         "widgets[2].app_id: is listed twice"},
        {"UnknownWidgetKey", R"({"widgets": [{"app_id": "w", "jwt_secrets": {"env": "E"}}]})",
         "widgets[0].jwt_secrets: unknown key"},
        {"SourceNotObject", R"({"widgets": [{"app_id": "w", "jwt_secret": "E"}]})",
         "widgets[0].jwt_secret: must be an object"},
        {"SourceEmpty", R"({"widgets": [{"app_id": "w", "email_hash_secret": {}}]})",
         "widgets[0].email_hash_secret: set exactly one of file or env"},
        {"SourceBoth",
         R"({"widgets": [{"app_id": "w", "jwt_secret": {"file": "f", "env": "E"}}]})",
         "widgets[0].jwt_secret: set exactly one of file or env"},
        {"SourceFileEmpty", R"({"widgets": [{"app_id": "w", "jwt_secret": {"file": ""}}]})",
         "widgets[0].jwt_secret.file: must be a non-empty string"},
        {"SourceFileNotString", R"({"widgets": [{"app_id": "w", "jwt_secret": {"file": 1}}]})",
         "widgets[0].jwt_secret.file: must be a non-empty string"},
        {"SourceEnvNotString",
         R"({"widgets": [{"app_id": "w", "email_hash_secret": {"env": ["E"]}}]})",
         "widgets[0].email_hash_secret.env: must be a non-empty string"},
        {"SourceUnknownKey",
         R"({"widgets": [{"app_id": "w", "jwt_secret": {"file": "f", "mode": "0600"}}]})",
         "widgets[0].jwt_secret.mode: unknown key"},
        {"DuplicateRootKey", R"({"widgets": [{"app_id": "a"}], "widgets": []})",
         "(root).widgets: duplicate key"},
        {"DuplicateWidgetKey", R"({"widgets": [{"app_id": "a"}, {"app_id": "b", "app_id": "c"}]})",
         "widgets[1].app_id: duplicate key"},
        {"DuplicateSourceKey",
         R"({"widgets": [{"app_id": "a", "jwt_secret": {"env": "A"}},
                         {"app_id": "b", "email_hash_secret": {"env": "B"},
                          "jwt_secret": {"file": "x", "file": "y"}}]})",
         "widgets[1].jwt_secret.file: duplicate key"},
        {"DuplicateAfterNestedArrays",
         R"({"widgets": [{"app_id": "a"}, {"app_id": "b"}, {"app_id": "c",
              "jwt_secret": {"env": "C"}, "jwt_secret": {"env": "D"}}]})",
         "widgets[2].jwt_secret: duplicate key"},
        {"ErrorInALaterWidget",
         R"({"widgets": [{"app_id": "a"}, {"app_id": "b", "jwt_secret": {}}]})",
         "widgets[1].jwt_secret: set exactly one of file or env"},
    }),
    [](const ::testing::TestParamInfo<BadConfig>& info) { return info.param.name; });

TEST(ParseServerConfigTest, AnInlineSecretIsRejectedAndNotEchoed) {
  // A secret written into the config by mistake: refused as an unknown key,
  // and the error (which reaches logs) does not repeat it.
  const std::string secret = "0123456789abcdef0123456789abcdef";
  for (const std::string& json :
       {R"({"widgets": [{"app_id": "w", "email_hash_secret": {"secret": ")" + secret + R"("}}]})",
        R"({"widgets": [{"app_id": "w", "email_hash_secret": ")" + secret + R"("}]})",
        R"({"widgets": [{"app_id": "w", "jwt_secret": {"value": ")" + secret + R"("}}]})"}) {
    const absl::StatusOr<ServerConfig> config = ParseServerConfig(json, ".");
    ASSERT_FALSE(config.ok()) << json;
    EXPECT_EQ(config.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(std::string(config.status().message()), StartsWith("widgets[0]."));
    EXPECT_FALSE(absl::StrContains(config.status().message(), secret))
        << config.status().message();
  }
}

TEST(LoadServerConfigFileTest, ReadsTheFileAndResolvesPathsAgainstItsFolder) {
  identity::testing::TempDir dir;
  const std::string path = dir.File("identityd.json");
  WriteFile(path, kReadmeExample);
  absl::StatusOr<ServerConfig> config = LoadServerConfigFile(path);
  ASSERT_TRUE(config.ok()) << config.status();
  ASSERT_EQ(config->widgets.size(), 2u);
  EXPECT_EQ(config->widgets[0].email_hash_secret->location,
            dir.path() + "/secrets/demo-widget.email_hash");
}

TEST(LoadServerConfigFileTest, APathWithoutAFolderResolvesAgainstTheWorkingDirectory) {
  identity::testing::TempDir dir;
  const std::string path = dir.File("identityd.json");
  WriteFile(path, R"({"widgets": [{"app_id": "w", "jwt_secret": {"file": "w.jwt"}}]})");
  char cwd[4096];
  ASSERT_NE(::getcwd(cwd, sizeof(cwd)), nullptr);
  ASSERT_EQ(::chdir(dir.path().c_str()), 0);
  absl::StatusOr<ServerConfig> config = LoadServerConfigFile("identityd.json");
  ASSERT_EQ(::chdir(cwd), 0);
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->widgets[0].jwt_secret->location, "./w.jwt");
}

TEST(LoadServerConfigFileTest, MissingFileIsNotFoundNamingThePath) {
  identity::testing::TempDir dir;
  const std::string path = dir.File("no-such-config.json");
  const absl::StatusOr<ServerConfig> config = LoadServerConfigFile(path);
  EXPECT_EQ(config.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(config.status().message()), StartsWith(path + ": "));
}

TEST(LoadServerConfigFileTest, ErrorsInTheFileStartWithItsPath) {
  identity::testing::TempDir dir;
  const std::string path = dir.File("identityd.json");
  WriteFile(path, R"({"widgets": [{"app_id": "w", "jwt_secret": {"file": "a", "env": "B"}}]})");
  const absl::StatusOr<ServerConfig> config = LoadServerConfigFile(path);
  EXPECT_EQ(config.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(config.status().message(),
            path + ": widgets[0].jwt_secret: set exactly one of file or env");

  WriteFile(path, "{\"widgets\": [");
  EXPECT_THAT(std::string(LoadServerConfigFile(path).status().message()),
              StartsWith(path + ": invalid JSON: "));
}

}  // namespace
}  // namespace identity::config
