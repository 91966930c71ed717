// Unit tests of the state directory's layout and trust rules: Create makes a
// new directory and nothing else; Open never makes or repairs one, refuses a
// directory that is not initialised or was emptied (naming what is missing),
// and refuses an owner, mode or symbolic link that would let someone else
// replace, remove or redirect what identityd reads. Run as root (as the suite
// is): a foreign owner is made with chown to uid 65534 ("nobody").

#include "server/store/state_directory.h"

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/store/store_test_util.h"
#include "tests/support/temp_dir.h"

namespace identity::store {
namespace {

using ::identity::store::testing::FilesUnder;
using ::identity::store::testing::OverwriteFile;
using ::identity::store::testing::ReadWholeFile;
using ::testing::HasSubstr;

constexpr uid_t kForeignUid = 65534;
constexpr char kKeyCheck[] = "key check bytes";

mode_t ModeOf(const std::string& path) {
  struct stat st {};
  EXPECT_EQ(::lstat(path.c_str(), &st), 0) << path;
  return st.st_mode & 07777;
}

class StateDirectoryTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_EQ(::geteuid(), 0u) << "these tests chown files: run as root"; }

  std::string Path(absl::string_view name = "") const {
    return name.empty() ? state_ : absl::StrCat(state_, "/", name);
  }

  // Creates the state directory and one widget file "w", then closes it.
  void MakeInitialised() {
    absl::StatusOr<std::unique_ptr<StateDirectory>> dir = StateDirectory::Create(Path(), kKeyCheck);
    ASSERT_TRUE(dir.ok()) << dir.status();
    ASSERT_TRUE((*dir)->WriteWidget("w", "widget bytes").ok());
  }

  // Opens the state directory expecting `code` and a message holding each of
  // `parts`; checks that the refusal created and changed nothing.
  void ExpectOpenRefused(absl::StatusCode code, std::initializer_list<std::string> parts) {
    const bool existed = std::filesystem::exists(Path());
    const std::vector<std::string> before =
        existed ? FilesUnder(Path()) : std::vector<std::string>{};
    absl::StatusOr<std::unique_ptr<StateDirectory>> dir = StateDirectory::Open(Path());
    ASSERT_FALSE(dir.ok());
    EXPECT_EQ(dir.status().code(), code) << dir.status();
    for (const std::string& part : parts) {
      EXPECT_THAT(std::string(dir.status().message()), HasSubstr(part));
    }
    EXPECT_EQ(std::filesystem::exists(Path()), existed);
    if (existed) {
      EXPECT_EQ(FilesUnder(Path()), before) << "a refused open made a file";
    }
  }

  identity::testing::TempDir temp_;
  const std::string state_ = temp_.File("state");
};

TEST_F(StateDirectoryTest, CreateMakesAPrivateInitialisedDirectory) {
  MakeInitialised();
  EXPECT_EQ(ModeOf(Path()), 0700);
  EXPECT_EQ(ModeOf(Path("widgets")), 0700);
  EXPECT_EQ(ModeOf(Path("KEYCHECK")), 0600);
  EXPECT_EQ(ModeOf(Path("LOCK")), 0600);
  EXPECT_EQ(ModeOf(Path("widgets/w.widget")), 0600);
  absl::StatusOr<std::unique_ptr<StateDirectory>> dir = StateDirectory::Open(Path());
  ASSERT_TRUE(dir.ok()) << dir.status();
  EXPECT_EQ(*(*dir)->ReadKeyCheck(), kKeyCheck);
  EXPECT_EQ((*dir)->ListWidgets()->widget_app_ids, std::vector<std::string>{"w"});
}

TEST_F(StateDirectoryTest, CreateRefusesAnythingThatExists) {
  // An empty folder (a mount point, a `mkdir -p`): never adopted.
  ASSERT_EQ(::mkdir(Path().c_str(), 0700), 0);
  absl::StatusOr<std::unique_ptr<StateDirectory>> dir = StateDirectory::Create(Path(), kKeyCheck);
  EXPECT_TRUE(absl::IsAlreadyExists(dir.status())) << dir.status();
  EXPECT_TRUE(std::filesystem::is_empty(Path()));
  ASSERT_EQ(::rmdir(Path().c_str()), 0);
  // An initialised one: left as it is.
  MakeInitialised();
  const std::vector<std::string> before = FilesUnder(Path());
  dir = StateDirectory::Create(Path(), "another key check");
  EXPECT_TRUE(absl::IsAlreadyExists(dir.status())) << dir.status();
  EXPECT_EQ(FilesUnder(Path()), before);
  EXPECT_EQ(ReadWholeFile(Path("KEYCHECK")), kKeyCheck);
}

TEST_F(StateDirectoryTest, CreateWithoutTheParentMakesNothing) {
  const std::string path = temp_.File("no/such/parent");
  absl::StatusOr<std::unique_ptr<StateDirectory>> dir = StateDirectory::Create(path, kKeyCheck);
  EXPECT_TRUE(absl::IsUnavailable(dir.status())) << dir.status();
  EXPECT_THAT(std::string(dir.status().message()), HasSubstr(path));
  EXPECT_FALSE(std::filesystem::exists(temp_.File("no")));
}

TEST_F(StateDirectoryTest, OpenNeverCreatesADirectory) {
  ExpectOpenRefused(absl::StatusCode::kNotFound, {Path(), "does not exist"});
  ASSERT_EQ(::mkdir(Path().c_str(), 0700), 0);
  ExpectOpenRefused(absl::StatusCode::kNotFound, {Path(), "not an initialised state directory"});
  EXPECT_TRUE(std::filesystem::is_empty(Path())) << "a refused open made its LOCK";
}

// The attack of issue 11: someone who could write the directory removed
// widgets/ and KEYCHECK, and identityd started empty, initialising afresh.
TEST_F(StateDirectoryTest, RemovedWidgetsAndKeyCheckAreRefusedNotReinitialised) {
  MakeInitialised();
  std::filesystem::remove_all(Path("widgets"));
  std::filesystem::remove(Path("KEYCHECK"));
  ExpectOpenRefused(absl::StatusCode::kDataLoss,
                    {absl::StrCat(Path("KEYCHECK"), " and ", Path("widgets"), ": missing"),
                     absl::StrCat("but ", Path("LOCK"), " exists"), "Restore it from a backup"});
  EXPECT_FALSE(std::filesystem::exists(Path("KEYCHECK")));
  EXPECT_FALSE(std::filesystem::exists(Path("widgets")));
}

TEST_F(StateDirectoryTest, EitherHalfWithoutTheOtherIsRefused) {
  MakeInitialised();
  const std::string key_check = ReadWholeFile(Path("KEYCHECK"));
  std::filesystem::remove(Path("KEYCHECK"));
  ExpectOpenRefused(absl::StatusCode::kDataLoss, {absl::StrCat(Path("KEYCHECK"), ": missing")});
  // Without LOCK either: widgets/ alone still shows an initialised directory.
  std::filesystem::remove(Path("LOCK"));
  ExpectOpenRefused(absl::StatusCode::kDataLoss, {absl::StrCat(Path("KEYCHECK"), ": missing")});
  OverwriteFile(Path("KEYCHECK"), key_check);
  ASSERT_EQ(::chmod(Path("KEYCHECK").c_str(), 0600), 0);
  std::filesystem::remove_all(Path("widgets"));
  ExpectOpenRefused(absl::StatusCode::kDataLoss,
                    {absl::StrCat(Path("widgets"), ": missing, but ", Path("KEYCHECK"))});
}

TEST_F(StateDirectoryTest, AMissingLockIsMadeAgain) {
  MakeInitialised();
  std::filesystem::remove(Path("LOCK"));
  absl::StatusOr<std::unique_ptr<StateDirectory>> dir = StateDirectory::Open(Path());
  ASSERT_TRUE(dir.ok()) << dir.status();
  EXPECT_EQ(ModeOf(Path("LOCK")), 0600);
}

TEST_F(StateDirectoryTest, FoldersWritableByGroupOrOthersAreRefused) {
  MakeInitialised();
  ASSERT_EQ(::chmod(Path().c_str(), 0777), 0);
  ExpectOpenRefused(absl::StatusCode::kFailedPrecondition,
                    {Path(), "writable by group or others (mode 0777)", "chmod 700"});
  ASSERT_EQ(::chmod(Path().c_str(), 0720), 0);
  ExpectOpenRefused(absl::StatusCode::kFailedPrecondition, {Path(), "(mode 0720)"});
  ASSERT_EQ(::chmod(Path().c_str(), 0700), 0);
  ASSERT_EQ(::chmod(Path("widgets").c_str(), 0770), 0);
  ExpectOpenRefused(absl::StatusCode::kFailedPrecondition,
                    {Path("widgets"), "writable by group or others (mode 0770)"});
  ASSERT_EQ(::chmod(Path("widgets").c_str(), 0702), 0);
  ExpectOpenRefused(absl::StatusCode::kFailedPrecondition, {Path("widgets"), "(mode 0702)"});
}

// Decided: a folder others may list but not change is accepted (its files
// are still checked one by one); identityd makes its folders 0700.
TEST_F(StateDirectoryTest, FoldersOthersMayOnlyReadAreAccepted) {
  MakeInitialised();
  ASSERT_EQ(::chmod(Path().c_str(), 0755), 0);
  ASSERT_EQ(::chmod(Path("widgets").c_str(), 0750), 0);
  absl::StatusOr<std::unique_ptr<StateDirectory>> dir = StateDirectory::Open(Path());
  ASSERT_TRUE(dir.ok()) << dir.status();
  EXPECT_TRUE((*dir)->ReadWidget("w").ok());
}

TEST_F(StateDirectoryTest, ForeignOwnersAreRefused) {
  MakeInitialised();
  for (const std::string& path : {Path(), Path("widgets"), Path("LOCK")}) {
    SCOPED_TRACE(path);
    ASSERT_EQ(::chown(path.c_str(), kForeignUid, kForeignUid), 0);
    ExpectOpenRefused(absl::StatusCode::kFailedPrecondition,
                      {path, "owned by uid 65534, but identityd runs as uid 0"});
    ASSERT_EQ(::chown(path.c_str(), 0, 0), 0);
  }
  EXPECT_TRUE(StateDirectory::Open(Path()).ok());
}

TEST_F(StateDirectoryTest, LockOpenToGroupOrOthersIsRefused) {
  MakeInitialised();
  ASSERT_EQ(::chmod(Path("LOCK").c_str(), 0640), 0);
  ExpectOpenRefused(absl::StatusCode::kFailedPrecondition,
                    {Path("LOCK"), "accessible to group or others (mode 0640)", "chmod 600"});
}

// Widget files and KEYCHECK are checked when read: the sealed secrets'
// ciphertext is for identityd's user alone, and a file someone else owns
// could have been replaced by them.
TEST_F(StateDirectoryTest, FilesReadAreCheckedOneByOne) {
  MakeInitialised();
  absl::StatusOr<std::unique_ptr<StateDirectory>> dir = StateDirectory::Open(Path());
  ASSERT_TRUE(dir.ok()) << dir.status();
  const std::string widget = Path("widgets/w.widget");
  ASSERT_EQ(::chown(widget.c_str(), kForeignUid, kForeignUid), 0);
  absl::StatusOr<std::string> read = (*dir)->ReadWidget("w");
  EXPECT_TRUE(absl::IsFailedPrecondition(read.status())) << read.status();
  EXPECT_THAT(std::string(read.status().message()),
              HasSubstr(absl::StrCat(widget, ": owned by uid 65534")));
  ASSERT_EQ(::chown(widget.c_str(), 0, 0), 0);
  for (mode_t mode : {0640, 0604, 0660, 0610}) {
    ASSERT_EQ(::chmod(widget.c_str(), mode), 0);
    read = (*dir)->ReadWidget("w");
    EXPECT_TRUE(absl::IsFailedPrecondition(read.status())) << read.status();
    EXPECT_THAT(std::string(read.status().message()),
                HasSubstr(absl::StrCat(widget, ": accessible to group or others")));
  }
  ASSERT_EQ(::chmod(widget.c_str(), 0400), 0);  // stricter than identityd makes it: fine
  EXPECT_TRUE((*dir)->ReadWidget("w").ok());

  ASSERT_EQ(::chmod(Path("KEYCHECK").c_str(), 0644), 0);
  absl::StatusOr<std::string> key_check = (*dir)->ReadKeyCheck();
  EXPECT_TRUE(absl::IsFailedPrecondition(key_check.status())) << key_check.status();
  EXPECT_THAT(std::string(key_check.status().message()), HasSubstr(Path("KEYCHECK")));
}

// Decided: no symbolic link is followed to or in the state directory, since
// whoever can change a link can point the store at files of their own.
TEST_F(StateDirectoryTest, SymbolicLinksAreRefused) {
  MakeInitialised();
  const std::string link = temp_.File("link-to-state");
  std::filesystem::create_directory_symlink(Path(), link);
  absl::StatusOr<std::unique_ptr<StateDirectory>> dir = StateDirectory::Open(link);
  EXPECT_TRUE(absl::IsFailedPrecondition(dir.status())) << dir.status();
  EXPECT_THAT(std::string(dir.status().message()),
              HasSubstr(absl::StrCat(link, ": a symbolic link")));
  // A trailing slash would make the kernel follow the link: not here.
  dir = StateDirectory::Open(absl::StrCat(link, "/"));
  EXPECT_TRUE(absl::IsFailedPrecondition(dir.status())) << dir.status();
  EXPECT_TRUE(
      absl::IsAlreadyExists(StateDirectory::Create(absl::StrCat(link, "//"), kKeyCheck).status()));

  // widgets/ pointing at a folder of someone else's choosing.
  std::filesystem::rename(Path("widgets"), temp_.File("elsewhere"));
  std::filesystem::create_directory_symlink(temp_.File("elsewhere"), Path("widgets"));
  ExpectOpenRefused(absl::StatusCode::kFailedPrecondition,
                    {absl::StrCat(Path("widgets"), ": a symbolic link")});
  std::filesystem::remove(Path("widgets"));
  std::filesystem::rename(temp_.File("elsewhere"), Path("widgets"));

  std::filesystem::rename(Path("LOCK"), temp_.File("LOCK"));
  std::filesystem::create_symlink(temp_.File("LOCK"), Path("LOCK"));
  ExpectOpenRefused(absl::StatusCode::kFailedPrecondition,
                    {absl::StrCat(Path("LOCK"), ": a symbolic link")});
  std::filesystem::remove(Path("LOCK"));

  dir = StateDirectory::Open(Path());
  ASSERT_TRUE(dir.ok()) << dir.status();
  const std::string widget = Path("widgets/w.widget");
  std::filesystem::rename(widget, temp_.File("w.widget"));
  std::filesystem::create_symlink(temp_.File("w.widget"), widget);
  absl::StatusOr<std::string> read = (*dir)->ReadWidget("w");
  EXPECT_TRUE(absl::IsFailedPrecondition(read.status())) << read.status();
  EXPECT_THAT(std::string(read.status().message()),
              HasSubstr(absl::StrCat(widget, ": a symbolic link")));
  std::filesystem::rename(Path("KEYCHECK"), temp_.File("KEYCHECK"));
  std::filesystem::create_symlink(temp_.File("KEYCHECK"), Path("KEYCHECK"));
  absl::StatusOr<std::string> key_check = (*dir)->ReadKeyCheck();
  EXPECT_TRUE(absl::IsFailedPrecondition(key_check.status())) << key_check.status();
}

}  // namespace
}  // namespace identity::store
