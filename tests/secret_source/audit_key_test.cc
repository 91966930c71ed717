// ReadAuditKey: the audit key from a file or an environment variable, as
// identityd and `identityctl audit-hash` both read it; errors name the source
// and never the key.

#include "server/secret_source/audit_key.h"

#include <cstdlib>
#include <string>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/config/config_test_files.h"
#include "tests/support/temp_dir.h"

namespace identity::secret_source {
namespace {

using config_testing::WriteFile;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kKeyHex[] = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
constexpr char kEnv[] = "IDENTITYD_AUDIT_KEY_TEST_ONLY";

TEST(ReadAuditKeyTest, FromAFileOrTheVariableTheSameHasher) {
  testing::TempDir dir;
  WriteFile(dir.File("audit.key"), std::string(kKeyHex) + "\n");
  absl::StatusOr<crypto::EmailHasher> from_file = ReadAuditKey(dir.File("audit.key"), kEnv);
  ASSERT_TRUE(from_file.ok()) << from_file.status();
  ::setenv(kEnv, kKeyHex, 1);
  absl::StatusOr<crypto::EmailHasher> from_env = ReadAuditKey("", kEnv);
  ::unsetenv(kEnv);
  ASSERT_TRUE(from_env.ok()) << from_env.status();
  EXPECT_EQ(from_file->Hash("jane@example.com"), from_env->Hash("jane@example.com"));
  EXPECT_EQ(from_file->Hash("jane@example.com"),
            crypto::EmailHasher::FromHexSecret(kKeyHex)->Hash("jane@example.com"));
}

TEST(ReadAuditKeyTest, NoKeyGivenIsNotFound) {
  ::unsetenv(kEnv);
  EXPECT_EQ(ReadAuditKey("", kEnv).status().code(), absl::StatusCode::kNotFound);
}

TEST(ReadAuditKeyTest, AMissingFileOrABadKeyNamesTheSourceNeverTheKey) {
  testing::TempDir dir;
  const absl::Status missing = ReadAuditKey(dir.File("absent.key"), kEnv).status();
  EXPECT_EQ(missing.code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(missing.message()), HasSubstr("absent.key"));

  const std::string bad = "not-hex-but-secret-enough";
  WriteFile(dir.File("bad.key"), bad);
  const absl::Status from_file = ReadAuditKey(dir.File("bad.key"), kEnv).status();
  EXPECT_EQ(from_file.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(from_file.message()), HasSubstr("bad.key"));
  EXPECT_THAT(std::string(from_file.message()), Not(HasSubstr(bad)));

  ::setenv(kEnv, bad.c_str(), 1);
  const absl::Status from_env = ReadAuditKey("", kEnv).status();
  ::unsetenv(kEnv);
  EXPECT_EQ(from_env.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(from_env.message()), HasSubstr(kEnv));
  EXPECT_THAT(std::string(from_env.message()), Not(HasSubstr(bad)));
}

}  // namespace
}  // namespace identity::secret_source
