// ReadMasterKey: the key that seals the state directory, from a private file
// (--master_key_file) or IDENTITYD_MASTER_KEY. A file others could read or
// replace, or a trivially weak key (all zero first of all), is refused;
// errors name the flag and file or the variable, never the key. Run as root
// (as the suite is): a foreign owner is made with chown to uid 65534.

#include "server/config/master_key.h"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/config/config_test_files.h"
#include "tests/support/temp_dir.h"

namespace identity::config {
namespace {

using config_testing::WriteFile;
using ::testing::HasSubstr;
using ::testing::Not;

// 32 bytes that look random (the SHA-256 of "identityd master key test").
constexpr char kGoodKeyHex[] = "1069a1dcdd423eeb9fa1c3c826a08825fd311d76900be9cfee32dc0fa2d83087";

class MasterKeyTest : public ::testing::Test {
 protected:
  void TearDown() override { ::unsetenv(kMasterKeyEnv); }

  // Writes `text` as the key file (mode `mode`) and reads it.
  absl::StatusOr<crypto::SecretBytes> ReadFile(const std::string& text, mode_t mode = 0600) {
    WriteFile(path_, text, mode);
    return ReadMasterKey(path_);
  }

  // Expects `status` to be `code`, naming the file and the flag, not `key`.
  void ExpectRefusedNamingTheFile(const absl::Status& status, absl::StatusCode code,
                                  const std::string& key, const std::string& why) {
    EXPECT_EQ(status.code(), code) << status;
    EXPECT_THAT(std::string(status.message()), HasSubstr(path_));
    EXPECT_THAT(std::string(status.message()), HasSubstr(why));
    if (!key.empty()) {
      EXPECT_THAT(std::string(status.message()), Not(HasSubstr(key)));
    }
  }

  testing::TempDir dir_;
  const std::string path_ = dir_.File("master.key");
};

TEST_F(MasterKeyTest, ReadsAKeyFromAFileOrTheVariable) {
  absl::StatusOr<crypto::SecretBytes> from_file = ReadFile(std::string(kGoodKeyHex) + "\n");
  ASSERT_TRUE(from_file.ok()) << from_file.status();
  EXPECT_EQ(from_file->size(), 32u);
  ::setenv(kMasterKeyEnv, kGoodKeyHex, 1);
  absl::StatusOr<crypto::SecretBytes> from_env = ReadMasterKey("");
  ASSERT_TRUE(from_env.ok()) << from_env.status();
  EXPECT_EQ(from_env->view(), from_file->view());
}

TEST_F(MasterKeyTest, NoKeyNamesTheFlagAndTheVariable) {
  const absl::Status status = ReadMasterKey("").status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(status.message()), HasSubstr("--master_key_file"));
  EXPECT_THAT(std::string(status.message()), HasSubstr(kMasterKeyEnv));
}

TEST_F(MasterKeyTest, AKeyThatIsNot64HexCharactersIsRefused) {
  for (const std::string& text : {std::string(kGoodKeyHex).substr(0, 62),
                                  absl::StrCat(kGoodKeyHex, "00"),
                                  absl::StrCat("zz", std::string(kGoodKeyHex).substr(2))}) {
    ExpectRefusedNamingTheFile(ReadFile(text).status(), absl::StatusCode::kInvalidArgument, text,
                               "must hold 64 hex characters");
  }
}

// Issue 11: an all-zero master key was accepted.
TEST_F(MasterKeyTest, AnAllZeroKeyIsRefusedFromAFileAndFromTheVariable) {
  const std::string zero(64, '0');
  ExpectRefusedNamingTheFile(ReadFile(zero + "\n").status(), absl::StatusCode::kInvalidArgument,
                             "", "trivially weak");
  const absl::Status status = ReadFile(zero).status();
  EXPECT_THAT(std::string(status.message()), HasSubstr("(--master_key_file)"));
  EXPECT_THAT(std::string(status.message()), HasSubstr("openssl rand -hex 32"));

  ::setenv(kMasterKeyEnv, zero.c_str(), 1);
  const absl::Status from_env = ReadMasterKey("").status();
  EXPECT_EQ(from_env.code(), absl::StatusCode::kInvalidArgument) << from_env;
  EXPECT_THAT(std::string(from_env.message()),
              HasSubstr(absl::StrCat("environment variable ", kMasterKeyEnv, ": trivially weak")));
}

TEST_F(MasterKeyTest, OtherTriviallyWeakKeysAreRefused) {
  std::string counting;       // 00 01 02 ... 1f, the test-vector key
  std::string counting_down;  // ff fc f9 ...: any fixed step
  for (int i = 0; i < 32; ++i) {
    absl::StrAppend(&counting, absl::Hex(i, absl::kZeroPad2));
    absl::StrAppend(&counting_down, absl::Hex(0xff - 3 * i, absl::kZeroPad2));
  }
  std::string seven_values;  // a pattern of 7 distinct bytes, repeated
  for (int i = 0; i < 32; ++i) {
    absl::StrAppend(&seven_values, absl::Hex(i % 7 * 0x21, absl::kZeroPad2));
  }
  for (const std::string& key :
       {std::string(64, 'f'), std::string(64, 'F'), std::string(64, '4'),
        absl::StrCat("4141414141414141414141414141414141414141414141414141414141414141"),
        std::string("deadbeefdeadbeefdeadbeefdeadbeefdeadbeefdeadbeefdeadbeefdeadbeef"), counting,
        counting_down, seven_values}) {
    SCOPED_TRACE(key);
    ExpectRefusedNamingTheFile(ReadFile(key).status(), absl::StatusCode::kInvalidArgument, key,
                               "trivially weak");
  }
}

TEST_F(MasterKeyTest, AFileOthersCouldReadIsRefused) {
  for (mode_t mode : {0640, 0604, 0644, 0660, 0620}) {
    SCOPED_TRACE(mode);
    ExpectRefusedNamingTheFile(ReadFile(kGoodKeyHex, mode).status(),
                               absl::StatusCode::kFailedPrecondition, kGoodKeyHex,
                               "--master_key_file: secret file " + path_ +
                                   ": accessible to group or others");
  }
  EXPECT_TRUE(ReadFile(kGoodKeyHex, 0400).ok());
}

TEST_F(MasterKeyTest, AFileSomeoneElseOwnsIsRefused) {
  ASSERT_EQ(::geteuid(), 0u) << "this test chowns a file: run as root";
  WriteFile(path_, kGoodKeyHex);
  ASSERT_EQ(::chown(path_.c_str(), 65534, 65534), 0);
  ExpectRefusedNamingTheFile(ReadMasterKey(path_).status(), absl::StatusCode::kFailedPrecondition,
                             kGoodKeyHex, "owned by uid 65534");
}

// Decided: the key file may be reached through a symbolic link (Kubernetes
// mounts secrets so); the file it leads to is what is checked.
TEST_F(MasterKeyTest, ALinkToAPrivateFileIsFollowedAndTheFileChecked) {
  WriteFile(path_, kGoodKeyHex);
  const std::string link = dir_.File("link.key");
  std::filesystem::create_symlink(path_, link);
  EXPECT_TRUE(ReadMasterKey(link).ok());
  ASSERT_EQ(::chmod(path_.c_str(), 0644), 0);
  const absl::Status status = ReadMasterKey(link).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition) << status;
}

}  // namespace
}  // namespace identity::config
