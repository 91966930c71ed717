// SeedKeyring: the initial secrets become version 1 of each widget, from files
// and environment variables; any bad entry leaves the keyring untouched, and
// the error names the entry's JSON path, never the secret.

#include <cstdlib>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/config/keyring_seeder.h"
#include "server/config/server_config.h"
#include "server/crypto/email_hasher.h"
#include "server/crypto/fingerprint.h"
#include "server/crypto/jwt_signer.h"
#include "server/crypto/secret_bytes.h"
#include "server/keyring/keyring.h"
#include "tests/config/config_test_files.h"
#include "tests/support/temp_dir.h"

namespace identity::config {
namespace {

using config_testing::WriteFile;
using keyring::Keyring;
using keyring::SecretKind;
using ::testing::HasSubstr;
using ::testing::StartsWith;
using ::testing::UnorderedElementsAre;

// Test-only secrets, as the vendor would display them.
constexpr absl::string_view kHashSecretHex =
    "00112233445566778899AABBCCDDEEFF00112233445566778899aabbccddeeff";
constexpr absl::string_view kJwtSecret = "test-only JWT secret, printable ~!";
constexpr const char* kJwtEnv = "IDENTITYD_SEEDER_TEST_JWT";
constexpr const char* kHashEnv = "IDENTITYD_SEEDER_TEST_HASH";

const absl::Time kNow = absl::FromUnixSeconds(1760000000);

class SeedKeyringTest : public ::testing::Test {
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

  // Seeding `json` fails with `code`, an error starting with `prefix`, no
  // trace of `secret`, and an empty keyring.
  void ExpectRefused(absl::string_view json, absl::StatusCode code, const std::string& prefix,
                     absl::string_view secret) {
    Keyring keyring;
    const absl::Status s = SeedKeyring(Parse(json), keyring, kNow);
    EXPECT_EQ(s.code(), code) << s;
    EXPECT_THAT(std::string(s.message()), StartsWith(prefix));
    if (!secret.empty()) {
      EXPECT_FALSE(absl::StrContains(s.message(), secret)) << s.message();
    }
    EXPECT_EQ(keyring.size(), 0u) << "a refused config changed the keyring";
  }

  identity::testing::TempDir dir_;
};

TEST_F(SeedKeyringTest, InstallsEverySecretAsVersionOne) {
  WriteFile(dir_.File("demo.email_hash"), absl::StrCat(kHashSecretHex, "\n"));
  ASSERT_EQ(::setenv(kJwtEnv, std::string(kJwtSecret).c_str(), 1), 0);
  const ServerConfig config = Parse(absl::StrCat(R"({"widgets": [
      {"app_id": "demo", "email_hash_secret": {"file": "demo.email_hash"},
       "jwt_secret": {"env": ")", kJwtEnv, R"("}},
      {"app_id": "later"}]})"));
  Keyring keyring;
  ASSERT_TRUE(SeedKeyring(config, keyring, kNow).ok());
  EXPECT_THAT(keyring.AppIds(), UnorderedElementsAre("demo", "later"));

  // The email-hash secret is hex-decoded (either case) before use.
  absl::StatusOr<std::shared_ptr<const keyring::SecretVersion>> hash =
      keyring.Current("demo", SecretKind::kEmailHash);
  ASSERT_TRUE(hash.ok()) << hash.status();
  EXPECT_EQ((*hash)->version(), 1u);
  EXPECT_EQ((*hash)->created_at(), kNow);
  absl::StatusOr<crypto::EmailHasher> reference_hasher =
      crypto::EmailHasher::FromHexSecret(kHashSecretHex);
  ASSERT_TRUE(reference_hasher.ok());
  ASSERT_NE((*hash)->email_hasher(), nullptr);
  EXPECT_EQ((*hash)->email_hasher()->Hash("Jane.Doe+1@example.com"),
            reference_hasher->Hash("Jane.Doe+1@example.com"));

  // The JWT secret is used as displayed.
  absl::StatusOr<std::shared_ptr<const keyring::SecretVersion>> jwt =
      keyring.Current("demo", SecretKind::kJwt);
  ASSERT_TRUE(jwt.ok()) << jwt.status();
  EXPECT_EQ((*jwt)->version(), 1u);
  EXPECT_EQ((*jwt)->fingerprint(),
            crypto::Fingerprint(crypto::SecretBytes::Copy(kJwtSecret).span()));
  crypto::WidgetClaims claims;
  claims.email = "jane@example.com";
  claims.audience = "demo";
  absl::StatusOr<crypto::JwtSigner> reference_signer = crypto::JwtSigner::FromSecret(kJwtSecret);
  ASSERT_TRUE(reference_signer.ok());
  ASSERT_NE((*jwt)->jwt_signer(), nullptr);
  EXPECT_EQ(*(*jwt)->jwt_signer()->Sign(claims), *reference_signer->Sign(claims));

  // A widget listed without secrets is registered, without secrets.
  for (SecretKind kind : keyring::kAllSecretKinds) {
    EXPECT_EQ(keyring.Current("later", kind).status().code(),
              absl::StatusCode::kFailedPrecondition);
  }
}

TEST_F(SeedKeyringTest, AnEmptyConfigLeavesAnEmptyKeyring) {
  Keyring keyring;
  EXPECT_TRUE(SeedKeyring(ServerConfig{}, keyring, kNow).ok());
  EXPECT_EQ(keyring.size(), 0u);
}

TEST_F(SeedKeyringTest, ABadSecretInTheLastWidgetLeavesTheKeyringEmpty) {
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

TEST_F(SeedKeyringTest, EmailHashSecretRules) {
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
                  absl::StatusCode::kInvalidArgument,
                  "widgets[0].email_hash_secret.file: " + c.message, c.content);
  }
}

TEST_F(SeedKeyringTest, JwtSecretRules) {
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

TEST_F(SeedKeyringTest, MissingSourcesAreNotFoundNamingTheEntry) {
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

TEST_F(SeedKeyringTest, ASecretOfTheWrongKindIsRefused) {
  // A JWT secret (not hex) configured as an email-hash secret.
  ASSERT_EQ(::setenv(kHashEnv, std::string(kJwtSecret).c_str(), 1), 0);
  ExpectRefused(absl::StrCat(R"({"widgets": [{"app_id": "w", "email_hash_secret": {"env": ")",
                             kHashEnv, R"("}}]})"),
                absl::StatusCode::kInvalidArgument, "widgets[0].email_hash_secret.env: ",
                kJwtSecret);
}

TEST_F(SeedKeyringTest, EndToEndFromAConfigFile) {
  WriteFile(dir_.File("w.jwt"), absl::StrCat(kJwtSecret, "\r\n"));
  WriteFile(dir_.File("identityd.json"),
            R"({"widgets": [{"app_id": "w", "jwt_secret": {"file": "w.jwt"}}]})");
  absl::StatusOr<ServerConfig> config = LoadServerConfigFile(dir_.File("identityd.json"));
  ASSERT_TRUE(config.ok()) << config.status();
  Keyring keyring;
  ASSERT_TRUE(SeedKeyring(*config, keyring, kNow).ok());
  absl::StatusOr<std::shared_ptr<const keyring::SecretVersion>> jwt =
      keyring.Current("w", SecretKind::kJwt);
  ASSERT_TRUE(jwt.ok());
  EXPECT_EQ((*jwt)->fingerprint(),
            crypto::Fingerprint(crypto::SecretBytes::Copy(kJwtSecret).span()));
}

}  // namespace
}  // namespace identity::config
