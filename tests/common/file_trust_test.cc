// CheckTrusted: the StrictModes-like rule for what identityd trusts with
// secrets (state directory, its files, the master key file).

#include "server/common/file_trust.h"

#include <sys/stat.h>
#include <unistd.h>

#include <string>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace identity {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

struct stat Stat(mode_t type, mode_t mode, uid_t uid = ::geteuid()) {
  struct stat st = {};
  st.st_mode = type | mode;
  st.st_uid = uid;
  return st;
}

std::string Message(const absl::Status& s) { return std::string(s.message()); }

TEST(FileTrustTest, PrivateFilesAndFoldersOfTheOwnerOrRootAreTrusted) {
  EXPECT_TRUE(CheckTrusted(Stat(S_IFREG, 0600), "f", TrustedKind::kFile).ok());
  EXPECT_TRUE(CheckTrusted(Stat(S_IFREG, 0400), "f", TrustedKind::kFile).ok());
  EXPECT_TRUE(CheckTrusted(Stat(S_IFREG, 0600, 0), "f", TrustedKind::kFile).ok());
  EXPECT_TRUE(CheckTrusted(Stat(S_IFDIR, 0700), "d", TrustedKind::kDirectory).ok());
  // A folder others may read but not change: its entries cannot be swapped.
  EXPECT_TRUE(CheckTrusted(Stat(S_IFDIR, 0755), "d", TrustedKind::kDirectory).ok());
}

TEST(FileTrustTest, AFileAnyoneElseMayAccessIsRefusedWithTheFix) {
  for (mode_t mode : {0640, 0604, 0660, 0644, 0610}) {
    const absl::Status s = CheckTrusted(Stat(S_IFREG, mode), "STATE/KEYCHECK", TrustedKind::kFile);
    EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition) << std::oct << mode;
    EXPECT_THAT(Message(s), StartsWith("STATE/KEYCHECK: accessible to group or others"));
    EXPECT_THAT(Message(s), HasSubstr("chmod 600 STATE/KEYCHECK"));
  }
}

TEST(FileTrustTest, AFolderOthersMayWriteIsRefusedWithTheFix) {
  for (mode_t mode : {0770, 0702, 0777, 01777}) {
    const absl::Status s =
        CheckTrusted(Stat(S_IFDIR, mode), "STATE/widgets", TrustedKind::kDirectory);
    EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition) << std::oct << mode;
    EXPECT_THAT(Message(s), StartsWith("STATE/widgets: writable by group or others"));
    EXPECT_THAT(Message(s), HasSubstr("chmod 700 STATE/widgets"));
  }
}

TEST(FileTrustTest, AnotherOwnerIsRefused) {
  const uid_t other = ::geteuid() + 1000;
  const absl::Status s = CheckTrusted(Stat(S_IFREG, 0600, other), "key", TrustedKind::kFile);
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(Message(s), StartsWith("key: owned by uid " + std::to_string(other)));
}

TEST(FileTrustTest, TheWrongKindIsRefused) {
  EXPECT_THAT(Message(CheckTrusted(Stat(S_IFDIR, 0700), "x", TrustedKind::kFile)),
              StartsWith("x: not a regular file"));
  EXPECT_THAT(Message(CheckTrusted(Stat(S_IFLNK, 0777), "x", TrustedKind::kFile)),
              StartsWith("x: not a regular file"));
  EXPECT_THAT(Message(CheckTrusted(Stat(S_IFREG, 0600), "x", TrustedKind::kDirectory)),
              StartsWith("x: not a directory"));
}

}  // namespace
}  // namespace identity
