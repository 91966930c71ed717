// ReadInitialSecretKey: a widget's initial secret from its file or
// environment variable, checked against its kind's rules; the key is the
// hex-decoded bytes of an email-hash secret and the displayed characters of a
// JWT secret; an error names the entry's JSON path, never the secret. (That a
// bad entry leaves the state untouched is start-up's part, tested end to end
// in tests/store/state_dir_integration_test.cc,
// BadSeedSecretRefusesTheStartAndWritesNothing.)

#include <cstdlib>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/config/initial_secret_reader.h"
#include "server/config/server_config.h"
#include "server/crypto/hex.h"
#include "server/crypto/secret_bytes.h"
#include "tests/config/config_test_files.h"
#include "tests/support/temp_dir.h"

namespace identity::config {
namespace {

using config_testing::WriteFile;
using widget::SecretKind;
using ::testing::StartsWith;

// Test-only secrets, as the vendor would display them.
constexpr absl::string_view kHashSecretHex =
    "00112233445566778899AABBCCDDEEFF00112233445566778899aabbccddeeff";
constexpr absl::string_view kJwtSecret = "test-only JWT secret, printable ~!";
constexpr const char* kJwtEnv = "IDENTITYD_SEEDER_TEST_JWT";
constexpr const char* kHashEnv = "IDENTITYD_SEEDER_TEST_HASH";

class ReadInitialSecretKeyTest : public ::testing::Test {
 protected:
  void TearDown() override {
    ::unsetenv(kJwtEnv);
    ::unsetenv(kHashEnv);
  }

  // Parses `json` with secret files resolved against the temp dir.
  ServerConfig Parse(absl::string_view json) {
    absl::StatusOr<ServerConfig> config = ParseServerConfig(json, dir_.path());
    EXPECT_TRUE(config.ok()) << config.status();
    return config.ok() ? *std::move(config) : ServerConfig{};
  }

  // Reads every initial secret of `config` as start-up does (widget by
  // widget, the email-hash secret first); the first error, if any.
  static absl::Status ReadAll(const ServerConfig& config) {
    for (const WidgetConfig& widget : config.widgets) {
      const std::pair<const std::optional<SecretSourceConfig>*, SecretKind> slots[] = {
          {&widget.email_hash_secret, SecretKind::kEmailHash},
          {&widget.jwt_secret, SecretKind::kJwt}};
      for (const auto& [source, kind] : slots) {
        if (!source->has_value()) continue;
        if (absl::Status s = ReadInitialSecretKey(**source, kind).status(); !s.ok()) return s;
      }
    }
    return absl::OkStatus();
  }

  // Reading the secrets of `json` fails with `code`, an error starting with
  // `prefix` and no trace of `secret`.
  void ExpectRefused(absl::string_view json, absl::StatusCode code, const std::string& prefix,
                     absl::string_view secret) {
    const absl::Status s = ReadAll(Parse(json));
    EXPECT_EQ(s.code(), code) << s;
    EXPECT_THAT(std::string(s.message()), StartsWith(prefix));
    if (!secret.empty()) {
      EXPECT_FALSE(absl::StrContains(s.message(), secret)) << s.message();
    }
  }

  identity::testing::TempDir dir_;
};

TEST_F(ReadInitialSecretKeyTest, ReadsEachKindsKey) {
  WriteFile(dir_.File("demo.email_hash"), absl::StrCat(kHashSecretHex, "\n"));
  ASSERT_EQ(::setenv(kJwtEnv, std::string(kJwtSecret).c_str(), 1), 0);
  const ServerConfig config = Parse(absl::StrCat(R"({"widgets": [
      {"app_id": "demo", "email_hash_secret": {"file": "demo.email_hash"},
       "jwt_secret": {"env": ")", kJwtEnv, R"("}}]})"));
  ASSERT_EQ(config.widgets.size(), 1u);

  // The email-hash secret is hex-decoded (either case) before use.
  absl::StatusOr<crypto::SecretBytes> hash =
      ReadInitialSecretKey(*config.widgets[0].email_hash_secret, SecretKind::kEmailHash);
  ASSERT_TRUE(hash.ok()) << hash.status();
  absl::StatusOr<crypto::SecretBytes> decoded = crypto::StrictHexDecode(kHashSecretHex);
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(hash->view(), decoded->view());

  // The JWT secret is used as displayed.
  absl::StatusOr<crypto::SecretBytes> jwt =
      ReadInitialSecretKey(*config.widgets[0].jwt_secret, SecretKind::kJwt);
  ASSERT_TRUE(jwt.ok()) << jwt.status();
  EXPECT_EQ(jwt->view(), kJwtSecret);
}

TEST_F(ReadInitialSecretKeyTest, ABadSecretInTheLastWidgetIsNamedByItsPath) {
  WriteFile(dir_.File("good.email_hash"), kHashSecretHex);
  ASSERT_EQ(::setenv(kJwtEnv, std::string(kJwtSecret).c_str(), 1), 0);
  const std::string bad_hex = "00112233445566778899aabbccddeeffXX";  // not hex
  WriteFile(dir_.File("bad.email_hash"), bad_hex);
  ExpectRefused(absl::StrCat(R"({"widgets": [
      {"app_id": "good", "email_hash_secret": {"file": "good.email_hash"},
       "jwt_secret": {"env": ")", kJwtEnv, R"("}},
      {"app_id": "no-secrets"},
      {"app_id": "bad", "email_hash_secret": {"file": "bad.email_hash"}}]})"),
                absl::StatusCode::kInvalidArgument,
                "widgets[2].email_hash_secret.file: email-hash secret must contain only hex",
                bad_hex);
}

TEST_F(ReadInitialSecretKeyTest, EmailHashSecretRules) {
  struct Case {
    std::string content;
    std::string message;
  };
  for (const Case& c : {
           Case{"0011223344556677889", "email-hash secret must be hex with an even number"},
           Case{"00112233445566778899aabbccddee", "email-hash secret must decode to 16..64 bytes"},
           Case{std::string(130, 'a'), "email-hash secret must decode to 16..64 bytes"},
           Case{"00112233 445566778899aabbccddeeff", "email-hash secret must"},
           Case{"0x00112233445566778899aabbccddeeff", "email-hash secret must contain only hex"},
       }) {
    WriteFile(dir_.File("w.email_hash"), c.content);
    ExpectRefused(
        R"({"widgets": [{"app_id": "w", "email_hash_secret": {"file": "w.email_hash"}}]})",
        absl::StatusCode::kInvalidArgument, "widgets[0].email_hash_secret.file: " + c.message,
        c.content);
  }
}

TEST_F(ReadInitialSecretKeyTest, JwtSecretRules) {
  struct Case {
    std::string value;
    std::string message;
  };
  for (const Case& c : {
           Case{"short-secret", "JWT secret must be 16..256 characters; got 12"},
           Case{std::string(257, 'j'), "JWT secret must be 16..256 characters; got 257"},
           Case{"a JWT secret with a\ttab in it", "JWT secret must be printable ASCII"},
           Case{"a JWT secret with caf\xC3\xA9 in it", "JWT secret must be printable ASCII"},
       }) {
    ASSERT_EQ(::setenv(kJwtEnv, c.value.c_str(), 1), 0);
    ExpectRefused(absl::StrCat(R"({"widgets": [{"app_id": "w", "jwt_secret": {"env": ")", kJwtEnv,
                               R"("}}]})"),
                  absl::StatusCode::kInvalidArgument, "widgets[0].jwt_secret.env: " + c.message,
                  c.value);
  }
}

TEST_F(ReadInitialSecretKeyTest, MissingSourcesAreNotFoundNamingTheEntry) {
  ::unsetenv(kJwtEnv);
  ExpectRefused(absl::StrCat(R"({"widgets": [{"app_id": "w", "jwt_secret": {"env": ")", kJwtEnv,
                             R"("}}]})"),
                absl::StatusCode::kNotFound,
                absl::StrCat("widgets[0].jwt_secret.env: environment variable ", kJwtEnv), "");
  ExpectRefused(R"({"widgets": [{"app_id": "w"}, {"app_id": "v",
                   "email_hash_secret": {"file": "missing.email_hash"}}]})",
                absl::StatusCode::kNotFound,
                "widgets[1].email_hash_secret.file: cannot open secret file " + dir_.path() +
                    "/missing.email_hash",
                "");
}

TEST_F(ReadInitialSecretKeyTest, ASecretOfTheWrongKindIsRefused) {
  // A JWT secret (not hex) configured as an email-hash secret.
  ASSERT_EQ(::setenv(kHashEnv, std::string(kJwtSecret).c_str(), 1), 0);
  ExpectRefused(absl::StrCat(R"({"widgets": [{"app_id": "w", "email_hash_secret": {"env": ")",
                             kHashEnv, R"("}}]})"),
                absl::StatusCode::kInvalidArgument, "widgets[0].email_hash_secret.env: ",
                kJwtSecret);
}

TEST_F(ReadInitialSecretKeyTest, EndToEndFromAConfigFile) {
  WriteFile(dir_.File("w.jwt"), absl::StrCat(kJwtSecret, "\r\n"));
  WriteFile(dir_.File("identityd.json"),
            R"({"widgets": [{"app_id": "w", "jwt_secret": {"file": "w.jwt"}}]})");
  absl::StatusOr<ServerConfig> config = LoadServerConfigFile(dir_.File("identityd.json"));
  ASSERT_TRUE(config.ok()) << config.status();
  ASSERT_EQ(config->widgets.size(), 1u);
  absl::StatusOr<crypto::SecretBytes> jwt =
      ReadInitialSecretKey(*config->widgets[0].jwt_secret, SecretKind::kJwt);
  ASSERT_TRUE(jwt.ok()) << jwt.status();
  EXPECT_EQ(jwt->view(), kJwtSecret);
}

}  // namespace
}  // namespace identity::config
