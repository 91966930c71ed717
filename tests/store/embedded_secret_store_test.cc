// Unit tests of the embedded store on a real state directory: explicit
// initialisation, round trips, history, compare-and-set, the lock, and every
// way a damaged, emptied, swapped, replayed or untrusted file, or a wrong
// master key, must be refused without changing anything on disk. (The
// directory's layout and trust rules in detail: state_directory_test.cc.)

#include "server/store/embedded_secret_store.h"

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/crypto/fingerprint.h"
#include "server/crypto/random.h"
#include "server/store/internal/byte_codec.h"
#include "server/store/widget_file.h"
#include "tests/store/store_test_util.h"
#include "tests/support/temp_dir.h"

namespace identity::store {
namespace {

using ::identity::store::testing::FilesUnder;
using ::identity::store::testing::FindLeak;
using ::identity::store::testing::LeakForms;
using ::identity::store::testing::OverwriteFile;
using ::identity::store::testing::ReadWholeFile;
using ::testing::HasSubstr;
using widget::SecretKind;

crypto::SecretBytes RandomKey(std::size_t size = 32) {
  absl::StatusOr<crypto::SecretBytes> key = crypto::RandomSecretBytes(size);
  EXPECT_TRUE(key.ok());
  return *std::move(key);
}

StoredSecret Secret(SecretKind kind, std::uint64_t version, absl::string_view key,
                    absl::Time created_at = absl::FromUnixSeconds(1700000000)) {
  return StoredSecret{kind, version, created_at, crypto::SecretBytes::Copy(key)};
}

// A state directory and a master key, with helpers to open the store on them.
class EmbeddedSecretStoreTest : public ::testing::Test {
 protected:
  EmbeddedSecretStoreTest() : master_key_(RandomKey()) {}
  void SetUp() override {
    absl::Status made = EmbeddedSecretStore::Initialise(StatePath(), master_key_);
    ASSERT_TRUE(made.ok()) << made;
  }

  std::string StatePath() const { return state_.File("state"); }
  std::string WidgetPath(absl::string_view app_id) const {
    return absl::StrCat(StatePath(), "/widgets/", app_id, ".widget");
  }

  absl::StatusOr<std::unique_ptr<EmbeddedSecretStore>> Open(
      std::size_t previous_versions = EmbeddedSecretStore::kDefaultPreviousVersions) {
    return EmbeddedSecretStore::Open(StatePath(), master_key_, {previous_versions});
  }

  std::unique_ptr<EmbeddedSecretStore> OpenOrDie(
      std::size_t previous_versions = EmbeddedSecretStore::kDefaultPreviousVersions) {
    absl::StatusOr<std::unique_ptr<EmbeddedSecretStore>> store = Open(previous_versions);
    EXPECT_TRUE(store.ok()) << store.status();
    return store.ok() ? *std::move(store) : nullptr;
  }

  // Every file of the state directory with its bytes, to show that a refused
  // start changed nothing.
  std::map<std::string, std::string> Snapshot() const {
    std::map<std::string, std::string> out;
    for (const std::string& path : FilesUnder(StatePath())) out[path] = ReadWholeFile(path);
    return out;
  }

  // Registers widget "a" (email hash v1, JWT v1) and "b" (email hash v1) and
  // closes the store.
  void MakeTwoWidgets() {
    std::unique_ptr<EmbeddedSecretStore> store = OpenOrDie();
    ASSERT_NE(store, nullptr);
    StoredWidget a{"a", {}};
    a.secrets.push_back(Secret(SecretKind::kEmailHash, 1, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"));
    a.secrets.push_back(Secret(SecretKind::kJwt, 1, "jwt-secret-of-widget-a-0123456789"));
    ASSERT_TRUE(store->CreateWidget(a).ok());
    StoredWidget b{"b", {}};
    b.secrets.push_back(Secret(SecretKind::kEmailHash, 1, "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"));
    ASSERT_TRUE(store->CreateWidget(b).ok());
  }

  // Decodes a widget file, lets `edit` change it, and writes it back with a
  // correct checksum: the change is one the checksum cannot catch, so only
  // the sealing can.
  void EditWidgetFile(absl::string_view app_id,
                      const std::function<void(WidgetFileContents&)>& edit) {
    absl::StatusOr<WidgetFileContents> contents =
        DecodeWidgetFile(ReadWholeFile(WidgetPath(app_id)));
    ASSERT_TRUE(contents.ok()) << contents.status();
    edit(*contents);
    OverwriteFile(WidgetPath(app_id), EncodeWidgetFile(*contents));
  }

  // Opens the store expecting `code` with a message naming `path`, and checks
  // that the state directory is byte for byte what it was.
  void ExpectRefused(absl::StatusCode code, const std::string& path) {
    const std::map<std::string, std::string> before = Snapshot();
    absl::StatusOr<std::unique_ptr<EmbeddedSecretStore>> store = Open();
    ASSERT_FALSE(store.ok());
    EXPECT_EQ(store.status().code(), code) << store.status();
    EXPECT_THAT(std::string(store.status().message()), HasSubstr(path));
    EXPECT_EQ(Snapshot(), before) << "a refused open changed the state directory";
  }

  identity::testing::TempDir state_;
  crypto::SecretBytes master_key_;
};

TEST_F(EmbeddedSecretStoreTest, NewDirectoryIsInitialisedPrivate) {
  std::unique_ptr<EmbeddedSecretStore> store = OpenOrDie();
  ASSERT_NE(store, nullptr);
  EXPECT_TRUE(store->persistent());
  struct stat st {};
  ASSERT_EQ(::stat(StatePath().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700);
  EXPECT_TRUE(std::filesystem::exists(absl::StrCat(StatePath(), "/KEYCHECK")));
  absl::StatusOr<std::vector<StoredWidget>> all = store->LoadAll();
  ASSERT_TRUE(all.ok());
  EXPECT_TRUE(all->empty());
}

TEST_F(EmbeddedSecretStoreTest, InitialiseNeverReusesAnExistingDirectory) {
  MakeTwoWidgets();
  const std::map<std::string, std::string> before = Snapshot();
  absl::Status again = EmbeddedSecretStore::Initialise(StatePath(), master_key_);
  EXPECT_TRUE(absl::IsAlreadyExists(again)) << again;
  again = EmbeddedSecretStore::Initialise(StatePath(), RandomKey());
  EXPECT_TRUE(absl::IsAlreadyExists(again)) << again;
  EXPECT_EQ(Snapshot(), before);
  EXPECT_EQ(OpenOrDie()->LoadAll()->size(), 2u);
}

TEST_F(EmbeddedSecretStoreTest, OpenNeverInitialises) {
  identity::testing::TempDir other;
  const std::string path = other.File("fresh");
  absl::StatusOr<std::unique_ptr<EmbeddedSecretStore>> store =
      EmbeddedSecretStore::Open(path, master_key_, {});
  EXPECT_TRUE(absl::IsNotFound(store.status())) << store.status();
  EXPECT_THAT(std::string(store.status().message()), HasSubstr(path));
  EXPECT_FALSE(std::filesystem::exists(path));
}

// Issue 11: with widgets/ and KEYCHECK removed, identityd initialised the
// directory afresh and served no widget, saying only so at INFO.
TEST_F(EmbeddedSecretStoreTest, WidgetsAndKeyCheckRemovedAreRefusedNotReinitialised) {
  MakeTwoWidgets();
  std::filesystem::remove_all(absl::StrCat(StatePath(), "/widgets"));
  std::filesystem::remove(absl::StrCat(StatePath(), "/KEYCHECK"));
  ExpectRefused(absl::StatusCode::kDataLoss, absl::StrCat(StatePath(), "/KEYCHECK"));
  EXPECT_FALSE(std::filesystem::exists(absl::StrCat(StatePath(), "/KEYCHECK")));
}

TEST_F(EmbeddedSecretStoreTest, UntrustedWidgetFileIsRefusedNamingIt) {
  MakeTwoWidgets();
  ASSERT_EQ(::chown(WidgetPath("b").c_str(), 65534, 65534), 0);
  ExpectRefused(absl::StatusCode::kFailedPrecondition, WidgetPath("b"));
  ASSERT_EQ(::chown(WidgetPath("b").c_str(), 0, 0), 0);
  ASSERT_EQ(::chmod(WidgetPath("b").c_str(), 0644), 0);
  ExpectRefused(absl::StatusCode::kFailedPrecondition, WidgetPath("b"));
}

TEST_F(EmbeddedSecretStoreTest, ReopenReturnsEveryWidgetAndVersion) {
  MakeTwoWidgets();
  {
    std::unique_ptr<EmbeddedSecretStore> store = OpenOrDie();
    ASSERT_NE(store, nullptr);
    ASSERT_TRUE(store->CompareAndSet("a", 1, Secret(SecretKind::kJwt, 2,
                                                    "jwt-secret-of-widget-a-version-2",
                                                    absl::FromUnixMicros(1700000001234567)))
                    .ok());
    // A widget registered by its first rotation, with no CreateWidget.
    ASSERT_TRUE(
        store->CompareAndSet("c", 0, Secret(SecretKind::kJwt, 1, "jwt-secret-of-widget-c-xx"))
            .ok());
  }
  std::unique_ptr<EmbeddedSecretStore> store = OpenOrDie();
  ASSERT_NE(store, nullptr);
  absl::StatusOr<std::vector<StoredWidget>> all = store->LoadAll();
  ASSERT_TRUE(all.ok()) << all.status();
  ASSERT_EQ(all->size(), 3u);
  const StoredWidget& a = (*all)[0];
  EXPECT_EQ(a.app_id, "a");
  ASSERT_EQ(a.secrets.size(), 3u);
  EXPECT_EQ(a.secrets[0].kind, SecretKind::kEmailHash);
  EXPECT_EQ(a.secrets[0].key.view(), "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
  EXPECT_EQ(a.secrets[1].kind, SecretKind::kJwt);
  EXPECT_EQ(a.secrets[1].version, 2u);
  EXPECT_EQ(a.secrets[1].created_at, absl::FromUnixMicros(1700000001234567));
  EXPECT_EQ(a.secrets[1].key.view(), "jwt-secret-of-widget-a-version-2");
  EXPECT_EQ(a.secrets[2].version, 1u);
  EXPECT_EQ(a.secrets[2].key.view(), "jwt-secret-of-widget-a-0123456789");
  EXPECT_EQ((*all)[1].app_id, "b");
  EXPECT_EQ((*all)[2].app_id, "c");
  ASSERT_EQ((*all)[2].secrets.size(), 1u);
  EXPECT_EQ((*all)[2].secrets[0].key.view(), "jwt-secret-of-widget-c-xx");
}

TEST_F(EmbeddedSecretStoreTest, KeepsCurrentPlusPreviousVersions) {
  for (std::size_t previous : {std::size_t{0}, std::size_t{2}, std::size_t{5}}) {
    SCOPED_TRACE(absl::StrCat("previous_versions=", previous));
    identity::testing::TempDir dir;
    ASSERT_TRUE(EmbeddedSecretStore::Initialise(dir.File("s"), master_key_).ok());
    absl::StatusOr<std::unique_ptr<EmbeddedSecretStore>> store =
        EmbeddedSecretStore::Open(dir.File("s"), master_key_, {previous});
    ASSERT_TRUE(store.ok()) << store.status();
    std::vector<std::string> fingerprints;
    for (std::uint64_t v = 1; v <= 8; ++v) {
      const std::string key = absl::StrCat("email-hash-key-number-", v);
      fingerprints.push_back(crypto::Fingerprint(crypto::SecretBytes::Copy(key).span()));
      ASSERT_TRUE((*store)->CompareAndSet("w", v - 1, Secret(SecretKind::kEmailHash, v, key)).ok());
    }
    store->reset();
    store = EmbeddedSecretStore::Open(dir.File("s"), master_key_, {previous});
    ASSERT_TRUE(store.ok()) << store.status();
    absl::StatusOr<WidgetInfo> info = (*store)->GetWidget("w");
    ASSERT_TRUE(info.ok());
    ASSERT_EQ(info->versions.size(), previous + 1);
    for (std::size_t i = 0; i < info->versions.size(); ++i) {
      EXPECT_EQ(info->versions[i].version, 8 - i);
      EXPECT_EQ(info->versions[i].fingerprint, fingerprints[7 - i]);
    }
  }
}

TEST_F(EmbeddedSecretStoreTest, HistoryOfOneKindLeavesTheOtherAlone) {
  MakeTwoWidgets();
  std::unique_ptr<EmbeddedSecretStore> store = OpenOrDie(0);
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store->CompareAndSet("a", 1, Secret(SecretKind::kEmailHash, 2, "new-email-key-xx"))
                  .ok());
  absl::StatusOr<WidgetInfo> info = store->GetWidget("a");
  ASSERT_TRUE(info.ok());
  ASSERT_EQ(info->versions.size(), 2u);
  EXPECT_EQ(info->versions[0].kind, SecretKind::kEmailHash);
  EXPECT_EQ(info->versions[0].version, 2u);
  EXPECT_EQ(info->versions[1].kind, SecretKind::kJwt);
  EXPECT_EQ(info->versions[1].version, 1u);
}

TEST_F(EmbeddedSecretStoreTest, LoadWidgetGivesEveryKeptVersionWithItsKey) {
  MakeTwoWidgets();
  std::unique_ptr<EmbeddedSecretStore> store = OpenOrDie(1);
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store->CompareAndSet("a", 1, Secret(SecretKind::kEmailHash, 2, "new-email-key-xx"))
                  .ok());
  ASSERT_TRUE(store->CompareAndSet("a", 2, Secret(SecretKind::kEmailHash, 3, "newer-email-key-x"))
                  .ok());
  absl::StatusOr<StoredWidget> widget = store->LoadWidget("a");
  ASSERT_TRUE(widget.ok()) << widget.status();
  EXPECT_EQ(widget->app_id, "a");
  // Email hash 3 and the one kept previous version (2), then the JWT.
  ASSERT_EQ(widget->secrets.size(), 3u);
  EXPECT_EQ(widget->secrets[0].version, 3u);
  EXPECT_EQ(widget->secrets[0].key.view(), "newer-email-key-x");
  EXPECT_EQ(widget->secrets[1].version, 2u);
  EXPECT_EQ(widget->secrets[1].key.view(), "new-email-key-xx");
  EXPECT_EQ(widget->secrets[2].kind, SecretKind::kJwt);
  EXPECT_TRUE(absl::IsNotFound(store->LoadWidget("nope").status()));
}

TEST_F(EmbeddedSecretStoreTest, CompareAndSetRefusesAStaleVersionAndChangesNothing) {
  MakeTwoWidgets();
  std::unique_ptr<EmbeddedSecretStore> store = OpenOrDie();
  ASSERT_NE(store, nullptr);
  const std::string before = ReadWholeFile(WidgetPath("a"));
  absl::Status s = store->CompareAndSet("a", 0, Secret(SecretKind::kJwt, 1, "another-jwt-key-x"));
  EXPECT_TRUE(absl::IsAborted(s)) << s;
  EXPECT_THAT(std::string(s.message()), HasSubstr("expected_version"));
  s = store->CompareAndSet("a", 1, Secret(SecretKind::kJwt, 3, "another-jwt-key-x"));
  EXPECT_TRUE(absl::IsInvalidArgument(s)) << s;
  EXPECT_EQ(ReadWholeFile(WidgetPath("a")), before);
  EXPECT_EQ(store->GetWidget("a")->versions.size(), 2u);
}

TEST_F(EmbeddedSecretStoreTest, CreateWidgetRefusesAKnownWidget) {
  MakeTwoWidgets();
  std::unique_ptr<EmbeddedSecretStore> store = OpenOrDie();
  ASSERT_NE(store, nullptr);
  StoredWidget again{"a", {}};
  again.secrets.push_back(Secret(SecretKind::kEmailHash, 1, "cccccccccccccccccccccccccccccccc"));
  EXPECT_TRUE(absl::IsAlreadyExists(store->CreateWidget(again)));
  EXPECT_EQ(store->LoadAll()->front().secrets.front().key.view(),
            "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
}

TEST_F(EmbeddedSecretStoreTest, ListWidgetsPagesInAppIdOrder) {
  std::unique_ptr<EmbeddedSecretStore> store = OpenOrDie();
  ASSERT_NE(store, nullptr);
  for (const char* id : {"m", "a", "z", "b"}) {
    ASSERT_TRUE(store->CreateWidget(StoredWidget{id, {}}).ok());
  }
  absl::StatusOr<std::vector<WidgetInfo>> page = store->ListWidgets("", 3);
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->size(), 3u);
  EXPECT_EQ((*page)[0].app_id, "a");
  EXPECT_EQ((*page)[2].app_id, "m");
  page = store->ListWidgets("m", 3);
  ASSERT_EQ(page->size(), 1u);
  EXPECT_EQ((*page)[0].app_id, "z");
  EXPECT_TRUE(absl::IsNotFound(store->GetWidget("nope").status()));
}

TEST_F(EmbeddedSecretStoreTest, SubscribersSeeEveryCommittedChange) {
  std::unique_ptr<EmbeddedSecretStore> store = OpenOrDie();
  ASSERT_NE(store, nullptr);
  std::vector<std::string> seen;
  {
    std::unique_ptr<StoreSubscription> sub =
        store->Subscribe([&](absl::string_view app_id, absl::Span<const StoredSecret> added) {
          seen.push_back(absl::StrCat(app_id, ":", added.size() == 1 ? added[0].version : 0));
        });
    ASSERT_TRUE(store->CompareAndSet("w", 0, Secret(SecretKind::kJwt, 1, "jwt-key-0123456789"))
                    .ok());
    EXPECT_FALSE(
        store->CompareAndSet("w", 0, Secret(SecretKind::kJwt, 1, "jwt-key-0123456789")).ok());
  }
  ASSERT_TRUE(
      store->CompareAndSet("w", 1, Secret(SecretKind::kJwt, 2, "jwt-key-9876543210")).ok());
  EXPECT_EQ(seen, std::vector<std::string>{"w:1"});
}

TEST_F(EmbeddedSecretStoreTest, OneProcessAtATime) {
  std::unique_ptr<EmbeddedSecretStore> first = OpenOrDie();
  ASSERT_NE(first, nullptr);
  absl::StatusOr<std::unique_ptr<EmbeddedSecretStore>> second = Open();
  ASSERT_FALSE(second.ok());
  EXPECT_TRUE(absl::IsUnavailable(second.status())) << second.status();
  EXPECT_THAT(std::string(second.status().message()), HasSubstr("LOCK"));
  first.reset();
  EXPECT_TRUE(Open().ok());
}

TEST_F(EmbeddedSecretStoreTest, WrongMasterKeyIsRefusedNamingTheKeyCheck) {
  MakeTwoWidgets();
  master_key_ = RandomKey();
  ExpectRefused(absl::StatusCode::kPermissionDenied, absl::StrCat(StatePath(), "/KEYCHECK"));
}

TEST_F(EmbeddedSecretStoreTest, WrongMasterKeyIsRefusedEvenWithNoWidgets) {
  OpenOrDie().reset();
  master_key_ = RandomKey();
  ExpectRefused(absl::StatusCode::kPermissionDenied, absl::StrCat(StatePath(), "/KEYCHECK"));
}

TEST_F(EmbeddedSecretStoreTest, AMasterKeyOfTheWrongSizeIsRefused) {
  master_key_ = RandomKey(16);
  absl::StatusOr<std::unique_ptr<EmbeddedSecretStore>> store = Open();
  EXPECT_TRUE(absl::IsInvalidArgument(store.status())) << store.status();
  identity::testing::TempDir other;
  absl::Status made = EmbeddedSecretStore::Initialise(other.File("s"), master_key_);
  EXPECT_TRUE(absl::IsInvalidArgument(made)) << made;
  EXPECT_FALSE(std::filesystem::exists(other.File("s")));
}

TEST_F(EmbeddedSecretStoreTest, EveryFlippedByteOfAWidgetFileIsRefused) {
  MakeTwoWidgets();
  const std::string path = WidgetPath("a");
  const std::string good = ReadWholeFile(path);
  for (std::size_t i = 0; i < good.size(); ++i) {
    SCOPED_TRACE(absl::StrCat("byte ", i));
    std::string bad = good;
    bad[i] = static_cast<char>(bad[i] ^ 0x01);
    OverwriteFile(path, bad);
    ExpectRefused(absl::StatusCode::kDataLoss, path);
    if (HasFatalFailure() || HasFailure()) break;
  }
  OverwriteFile(path, good);
  EXPECT_TRUE(Open().ok());
}

TEST_F(EmbeddedSecretStoreTest, EveryTruncationOfAWidgetFileIsRefused) {
  MakeTwoWidgets();
  const std::string path = WidgetPath("a");
  const std::string good = ReadWholeFile(path);
  for (std::size_t n = 0; n < good.size(); ++n) {
    SCOPED_TRACE(absl::StrCat("truncated to ", n, " bytes"));
    OverwriteFile(path, good.substr(0, n));
    ExpectRefused(absl::StatusCode::kDataLoss, path);
    if (HasFailure()) break;
  }
}

TEST_F(EmbeddedSecretStoreTest, IntactFileOfANewerFormatIsRefusedAsSuch) {
  MakeTwoWidgets();
  std::string bytes = ReadWholeFile(WidgetPath("a"));
  bytes.resize(bytes.size() - internal::kChecksumSize);
  bytes[9] = 2;  // format version 2, big-endian
  internal::AppendChecksum(bytes);
  OverwriteFile(WidgetPath("a"), bytes);
  ExpectRefused(absl::StatusCode::kFailedPrecondition, WidgetPath("a"));
}

TEST_F(EmbeddedSecretStoreTest, DamagedOrMissingKeyCheckIsRefused) {
  MakeTwoWidgets();
  const std::string path = absl::StrCat(StatePath(), "/KEYCHECK");
  const std::string good = ReadWholeFile(path);
  std::string bad = good;
  bad[bad.size() / 2] ^= 0x40;
  OverwriteFile(path, bad);
  ExpectRefused(absl::StatusCode::kDataLoss, path);
  OverwriteFile(path, good.substr(0, good.size() - 1));
  ExpectRefused(absl::StatusCode::kDataLoss, path);
  std::filesystem::remove(path);
  ExpectRefused(absl::StatusCode::kDataLoss, path);
}

// The associated data binds each sealed key to its widget, kind, version and
// time: an entry moved or relabelled fails to open even though the file's
// checksum is right.
TEST_F(EmbeddedSecretStoreTest, EntrySwappedBetweenWidgetsIsRefused) {
  MakeTwoWidgets();
  const std::string a_email_hash_sealed =
      DecodeWidgetFile(ReadWholeFile(WidgetPath("a")))->entries[0].sealed;
  EditWidgetFile("b", [&](WidgetFileContents& b) { b.entries[0].sealed = a_email_hash_sealed; });
  ExpectRefused(absl::StatusCode::kDataLoss, WidgetPath("b"));
}

TEST_F(EmbeddedSecretStoreTest, WholeFileCopiedToAnotherWidgetIsRefused) {
  MakeTwoWidgets();
  // a's file relabelled as b's (name and header agree), keys still sealed for a.
  absl::StatusOr<WidgetFileContents> a = DecodeWidgetFile(ReadWholeFile(WidgetPath("a")));
  ASSERT_TRUE(a.ok());
  a->app_id = "b";
  OverwriteFile(WidgetPath("b"), EncodeWidgetFile(*a));
  ExpectRefused(absl::StatusCode::kDataLoss, WidgetPath("b"));
}

TEST_F(EmbeddedSecretStoreTest, EntryMovedToTheOtherKindIsRefused) {
  MakeTwoWidgets();
  EditWidgetFile("b", [](WidgetFileContents& b) { b.entries[0].kind = SecretKind::kJwt; });
  ExpectRefused(absl::StatusCode::kDataLoss, WidgetPath("b"));
}

TEST_F(EmbeddedSecretStoreTest, OldVersionReplayedAsCurrentIsRefused) {
  MakeTwoWidgets();
  {
    std::unique_ptr<EmbeddedSecretStore> store = OpenOrDie();
    ASSERT_NE(store, nullptr);
    ASSERT_TRUE(
        store->CompareAndSet("b", 1, Secret(SecretKind::kEmailHash, 2, "new-email-key-v2")).ok());
  }
  // Drop version 2 and relabel the old version 1 as version 2: the attacker's
  // way to put a retired (perhaps leaked) key back in service.
  EditWidgetFile("b", [](WidgetFileContents& b) {
    ASSERT_EQ(b.entries.size(), 2u);
    b.entries.erase(b.entries.begin());
    b.entries[0].version = 2;
  });
  ExpectRefused(absl::StatusCode::kDataLoss, WidgetPath("b"));
}

TEST_F(EmbeddedSecretStoreTest, ChangedCreationTimeIsRefused) {
  MakeTwoWidgets();
  EditWidgetFile("b", [](WidgetFileContents& b) { b.entries[0].created_at += absl::Seconds(1); });
  ExpectRefused(absl::StatusCode::kDataLoss, WidgetPath("b"));
}

TEST_F(EmbeddedSecretStoreTest, FileWhoseNameDiffersFromItsWidgetIsRefused) {
  MakeTwoWidgets();
  std::filesystem::rename(WidgetPath("b"), WidgetPath("c"));
  ExpectRefused(absl::StatusCode::kDataLoss, WidgetPath("c"));
}

TEST_F(EmbeddedSecretStoreTest, UnexpectedFileIsRefusedAndStaleTempRemoved) {
  MakeTwoWidgets();
  const std::string stray = absl::StrCat(StatePath(), "/widgets/notes.txt");
  OverwriteFile(stray, "hello");
  ExpectRefused(absl::StatusCode::kFailedPrecondition, stray);
  std::filesystem::remove(stray);

  // A temp file is what a crash mid-write leaves: never acknowledged, so it
  // is dropped once everything else has loaded.
  const std::string temp = absl::StrCat(WidgetPath("a"), ".tmp");
  OverwriteFile(temp, "half a wri");
  std::unique_ptr<EmbeddedSecretStore> store = OpenOrDie();
  ASSERT_NE(store, nullptr);
  EXPECT_FALSE(std::filesystem::exists(temp));
  EXPECT_EQ(store->LoadAll()->size(), 2u);
}

TEST_F(EmbeddedSecretStoreTest, StateDirectoryHoldsNoSecretInAnyForm) {
  std::vector<std::string> forms;
  {
    std::unique_ptr<EmbeddedSecretStore> store = OpenOrDie();
    ASSERT_NE(store, nullptr);
    for (std::uint64_t v = 1; v <= 3; ++v) {
      crypto::SecretBytes key = RandomKey();
      for (std::string& f : LeakForms(key.view(), "")) forms.push_back(std::move(f));
      ASSERT_TRUE(store->CompareAndSet("w", v - 1, StoredSecret{SecretKind::kEmailHash, v,
                                                                absl::Now(), std::move(key)})
                      .ok());
    }
    const std::string jwt = "a-jwt-secret-as-displayed-0123456789";
    for (std::string& f : LeakForms(jwt, jwt)) forms.push_back(std::move(f));
    ASSERT_TRUE(store->CompareAndSet("w", 0, Secret(SecretKind::kJwt, 1, jwt)).ok());
  }
  for (std::string& f : LeakForms(master_key_.view(), "")) forms.push_back(std::move(f));
  ASSERT_FALSE(FilesUnder(StatePath()).empty());
  EXPECT_EQ(FindLeak(StatePath(), forms), "");
}

TEST_F(EmbeddedSecretStoreTest, InMemoryStoreWritesNothing) {
  absl::StatusOr<std::unique_ptr<EmbeddedSecretStore>> store =
      EmbeddedSecretStore::OpenInMemory({});
  ASSERT_TRUE(store.ok());
  EXPECT_FALSE((*store)->persistent());
  ASSERT_TRUE(
      (*store)->CompareAndSet("w", 0, Secret(SecretKind::kJwt, 1, "jwt-key-0123456789")).ok());
  EXPECT_EQ((*store)->LoadAll()->front().secrets.front().key.view(), "jwt-key-0123456789");
}

}  // namespace
}  // namespace identity::store
