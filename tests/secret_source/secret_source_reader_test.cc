// ReadSecretFile / ReadSecretEnv: what is trimmed, size limits, missing and
// unreadable sources, and that no error or warning repeats the secret.

#include <unistd.h>

#include <cstdlib>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/secret_source/secret_source_reader.h"
#include "tests/config/config_test_files.h"
#include "tests/support/temp_dir.h"

namespace identity::secret_source {
namespace {

using config_testing::WriteFile;
using ::testing::HasSubstr;
using ::testing::StartsWith;

constexpr absl::string_view kSecret = "a-test-only-secret-0123456789";

TEST(TrimOneTrailingNewlineTest, RemovesExactlyOneLineEnding) {
  EXPECT_EQ(TrimOneTrailingNewline("abc"), "abc");
  EXPECT_EQ(TrimOneTrailingNewline("abc\n"), "abc");
  EXPECT_EQ(TrimOneTrailingNewline("abc\r\n"), "abc");
  EXPECT_EQ(TrimOneTrailingNewline("abc\n\n"), "abc\n");
  EXPECT_EQ(TrimOneTrailingNewline("abc\r"), "abc\r");
  EXPECT_EQ(TrimOneTrailingNewline("abc \n"), "abc ");
  EXPECT_EQ(TrimOneTrailingNewline(" abc"), " abc");
  EXPECT_EQ(TrimOneTrailingNewline("\n"), "");
  EXPECT_EQ(TrimOneTrailingNewline(""), "");
}

class ReadSecretFileTest : public ::testing::Test {
 protected:
  std::string Write(absl::string_view content, mode_t mode = 0600) {
    const std::string path = dir_.File("secret");
    WriteFile(path, content, mode);
    return path;
  }
  identity::testing::TempDir dir_;
};

TEST_F(ReadSecretFileTest, ReadsTheContentAsIs) {
  absl::StatusOr<crypto::SecretBytes> s = ReadSecretFile(Write(kSecret));
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->view(), kSecret);
}

TEST_F(ReadSecretFileTest, RemovesOneTrailingNewlineOnly) {
  const std::string secret(kSecret);
  EXPECT_EQ(ReadSecretFile(Write(secret + "\n"))->view(), secret);
  EXPECT_EQ(ReadSecretFile(Write(secret + "\r\n"))->view(), secret);
  EXPECT_EQ(ReadSecretFile(Write(secret + "\n\n"))->view(), secret + "\n");
  EXPECT_EQ(ReadSecretFile(Write(" " + secret + " "))->view(), " " + secret + " ");
}

TEST_F(ReadSecretFileTest, EmptyFileIsInvalidArgument) {
  for (absl::string_view content : {"", "\n", "\r\n"}) {
    const std::string path = Write(content);
    const absl::Status s = ReadSecretFile(path).status();
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(std::string(s.message()), HasSubstr(path));
    EXPECT_THAT(std::string(s.message()), HasSubstr("empty"));
  }
}

TEST_F(ReadSecretFileTest, SizeLimit) {
  EXPECT_TRUE(ReadSecretFile(Write(std::string(kMaxSecretFileBytes, 'k'))).ok());
  const absl::Status s = ReadSecretFile(Write(std::string(kMaxSecretFileBytes + 1, 'k'))).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(s.message()), HasSubstr("larger than 4096 bytes"));
  EXPECT_FALSE(absl::StrContains(s.message(), "kkkk"));
  // Much larger than the buffer: still refused, without reading it all.
  EXPECT_EQ(ReadSecretFile(Write(std::string(1 << 20, 'k'))).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(ReadSecretFileTest, MissingFileIsNotFoundNamingThePath) {
  const std::string path = dir_.File("missing");
  const absl::Status s = ReadSecretFile(path).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(s.message()), StartsWith("cannot open secret file " + path));
}

TEST_F(ReadSecretFileTest, UnreadableFileIsPermissionDenied) {
  if (::geteuid() == 0) GTEST_SKIP() << "root reads files whatever their mode";
  const std::string path = Write(kSecret, 0000);
  EXPECT_EQ(ReadSecretFile(path).status().code(), absl::StatusCode::kPermissionDenied);
}

TEST_F(ReadSecretFileTest, ADirectoryIsAnErrorNotACrash) {
  const absl::Status s = ReadSecretFile(dir_.path()).status();
  EXPECT_FALSE(s.ok());
  EXPECT_THAT(std::string(s.message()), HasSubstr(dir_.path()));
}

TEST_F(ReadSecretFileTest, WarnsAboutAFileOthersCanReadWithoutShowingIt) {
  const std::string path = Write(kSecret, 0644);
  ::testing::internal::CaptureStderr();
  absl::StatusOr<crypto::SecretBytes> s = ReadSecretFile(path);
  const std::string log = ::testing::internal::GetCapturedStderr();
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_THAT(log, HasSubstr("WARNING"));
  EXPECT_THAT(log, HasSubstr(path));
  EXPECT_THAT(log, HasSubstr("chmod 600"));
  EXPECT_FALSE(absl::StrContains(log, kSecret));
}

TEST_F(ReadSecretFileTest, NoWarningForAPrivateFile) {
  const std::string path = Write(kSecret, 0600);
  ::testing::internal::CaptureStderr();
  ASSERT_TRUE(ReadSecretFile(path).ok());
  EXPECT_EQ(::testing::internal::GetCapturedStderr(), "");
}

class ReadSecretEnvTest : public ::testing::Test {
 protected:
  static constexpr const char* kName = "IDENTITYD_TEST_SECRET_SOURCE";
  void TearDown() override { ::unsetenv(kName); }
};

TEST_F(ReadSecretEnvTest, ReadsTheValueAndRemovesOneTrailingNewline) {
  ASSERT_EQ(::setenv(kName, std::string(kSecret).c_str(), 1), 0);
  EXPECT_EQ(ReadSecretEnv(kName)->view(), kSecret);
  ASSERT_EQ(::setenv(kName, (std::string(kSecret) + "\r\n").c_str(), 1), 0);
  EXPECT_EQ(ReadSecretEnv(kName)->view(), kSecret);
  ASSERT_EQ(::setenv(kName, (std::string(kSecret) + "\n\n").c_str(), 1), 0);
  EXPECT_EQ(ReadSecretEnv(kName)->view(), std::string(kSecret) + "\n");
}

TEST_F(ReadSecretEnvTest, UnsetOrEmptyIsNotFoundNamingTheVariable) {
  ::unsetenv(kName);
  absl::Status s = ReadSecretEnv(kName).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(s.message()), HasSubstr(kName));
  ASSERT_EQ(::setenv(kName, "", 1), 0);
  s = ReadSecretEnv(kName).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(s.message()), HasSubstr(kName));
}

}  // namespace
}  // namespace identity::secret_source
