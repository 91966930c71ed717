// Keyring: lookups, registration, compare-and-swap installs, independent
// kinds, table growth and the lifetime of replaced versions.

#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/keyring/keyring.h"
#include "tests/keyring/test_versions.h"

namespace identity::keyring {
namespace {

using widget::kAllSecretKinds;
using widget::SecretKind;
using widget::SecretKindName;

using keyring_testing::TestVersion;
using ::testing::HasSubstr;
using ::testing::UnorderedElementsAre;

TEST(KeyringTest, UnknownWidgetIsNotFound) {
  Keyring keyring;
  for (SecretKind kind : kAllSecretKinds) {
    auto current = keyring.Current("no-such-widget", kind);
    EXPECT_EQ(current.status().code(), absl::StatusCode::kNotFound);
    EXPECT_TRUE(absl::StartsWith(current.status().message(), "app_id: "));
    EXPECT_EQ(keyring.CurrentVersion("no-such-widget", kind), 0u);
  }
  EXPECT_EQ(keyring.size(), 0u);
}

TEST(KeyringTest, RegisteredWidgetWithoutASecretIsFailedPrecondition) {
  Keyring keyring;
  keyring.Register("demo-widget");
  for (SecretKind kind : kAllSecretKinds) {
    auto current = keyring.Current("demo-widget", kind);
    EXPECT_EQ(current.status().code(), absl::StatusCode::kFailedPrecondition);
    EXPECT_THAT(std::string(current.status().message()), HasSubstr(SecretKindName(kind)));
    EXPECT_EQ(keyring.CurrentVersion("demo-widget", kind), 0u);
  }
  // Registering one widget does not make others known.
  EXPECT_EQ(keyring.Current("demo-widget2", SecretKind::kJwt).status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(keyring.Current("demo-widge", SecretKind::kJwt).status().code(),
            absl::StatusCode::kNotFound);
}

TEST(KeyringTest, RegisterIsIdempotentAndKeepsSecrets) {
  Keyring keyring;
  keyring.Register("demo-widget");
  keyring.Register("demo-widget");
  EXPECT_EQ(keyring.size(), 1u);
  auto v1 = TestVersion("demo-widget", SecretKind::kJwt, 1);
  ASSERT_TRUE(keyring.Install("demo-widget", v1, 0).ok());
  keyring.Register("demo-widget");
  EXPECT_EQ(keyring.size(), 1u);
  EXPECT_THAT(keyring.AppIds(), UnorderedElementsAre("demo-widget"));
  auto current = keyring.Current("demo-widget", SecretKind::kJwt);
  ASSERT_TRUE(current.ok());
  EXPECT_EQ(current->get(), v1.get());
}

TEST(KeyringTest, FirstInstallExpectsVersionZeroAndRegistersTheWidget) {
  Keyring keyring;
  auto v1 = TestVersion("demo-widget", SecretKind::kEmailHash, 1);
  ASSERT_TRUE(keyring.Install("demo-widget", v1, 0).ok());
  EXPECT_EQ(keyring.size(), 1u);
  auto current = keyring.Current("demo-widget", SecretKind::kEmailHash);
  ASSERT_TRUE(current.ok()) << current.status();
  EXPECT_EQ(current->get(), v1.get());
  EXPECT_EQ(keyring.CurrentVersion("demo-widget", SecretKind::kEmailHash), 1u);
}

TEST(KeyringTest, InstallWithAStaleExpectedVersionIsAbortedAndChangesNothing) {
  Keyring keyring;
  auto v1 = TestVersion("demo-widget", SecretKind::kEmailHash, 1);
  auto v2 = TestVersion("demo-widget", SecretKind::kEmailHash, 2);
  auto other = TestVersion("demo-widget", SecretKind::kEmailHash, 2);
  ASSERT_TRUE(keyring.Install("demo-widget", v1, 0).ok());
  ASSERT_TRUE(keyring.Install("demo-widget", v2, 1).ok());

  for (std::uint64_t stale : {0u, 1u, 3u, 100u}) {
    const absl::Status s = keyring.Install("demo-widget", other, stale);
    EXPECT_EQ(s.code(), absl::StatusCode::kAborted) << stale;
    EXPECT_THAT(std::string(s.message()), HasSubstr("version 2"));
    EXPECT_TRUE(absl::StartsWith(s.message(), "expected_version: ")) << s.message();
    auto current = keyring.Current("demo-widget", SecretKind::kEmailHash);
    ASSERT_TRUE(current.ok());
    EXPECT_EQ(current->get(), v2.get()) << "an aborted install replaced the secret";
  }
  EXPECT_EQ(keyring.size(), 1u);
}

TEST(KeyringTest, AbortedInstallDoesNotRegisterAnUnknownWidget) {
  Keyring keyring;
  const absl::Status s =
      keyring.Install("new-widget", TestVersion("new-widget", SecretKind::kJwt, 1), 4);
  EXPECT_EQ(s.code(), absl::StatusCode::kAborted);
  EXPECT_EQ(keyring.size(), 0u);
  EXPECT_EQ(keyring.Current("new-widget", SecretKind::kJwt).status().code(),
            absl::StatusCode::kNotFound);
}

TEST(KeyringTest, InstallWithoutAVersionIsRejected) {
  Keyring keyring;
  EXPECT_EQ(keyring.Install("demo-widget", nullptr, 0).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(keyring.size(), 0u);
}

TEST(KeyringTest, SuccessiveInstallsAdvanceTheVersion) {
  Keyring keyring;
  for (std::uint64_t v = 1; v <= 20; ++v) {
    ASSERT_TRUE(keyring.Install("w", TestVersion("w", SecretKind::kJwt, v), v - 1).ok()) << v;
    EXPECT_EQ(keyring.CurrentVersion("w", SecretKind::kJwt), v);
  }
}

TEST(KeyringTest, KindsAreIndependent) {
  Keyring keyring;
  auto hash_v1 = TestVersion("w", SecretKind::kEmailHash, 1);
  ASSERT_TRUE(keyring.Install("w", hash_v1, 0).ok());
  EXPECT_EQ(keyring.Current("w", SecretKind::kJwt).status().code(),
            absl::StatusCode::kFailedPrecondition);

  // The JWT slot's CAS looks at the JWT version only.
  EXPECT_EQ(keyring.Install("w", TestVersion("w", SecretKind::kJwt, 2), 1).code(),
            absl::StatusCode::kAborted);
  ASSERT_TRUE(keyring.Install("w", TestVersion("w", SecretKind::kJwt, 1), 0).ok());
  ASSERT_TRUE(keyring.Install("w", TestVersion("w", SecretKind::kJwt, 2), 1).ok());
  ASSERT_TRUE(keyring.Install("w", TestVersion("w", SecretKind::kJwt, 3), 2).ok());

  EXPECT_EQ(keyring.CurrentVersion("w", SecretKind::kEmailHash), 1u);
  EXPECT_EQ(keyring.CurrentVersion("w", SecretKind::kJwt), 3u);
  auto hash = keyring.Current("w", SecretKind::kEmailHash);
  auto jwt = keyring.Current("w", SecretKind::kJwt);
  ASSERT_TRUE(hash.ok() && jwt.ok());
  EXPECT_EQ(hash->get(), hash_v1.get());
  EXPECT_NE((*hash)->email_hasher(), nullptr);
  EXPECT_NE((*jwt)->jwt_signer(), nullptr);
  EXPECT_EQ(keyring.size(), 1u);
}

TEST(KeyringTest, GrowsPastManyDoublingsAndFindsEveryWidget) {
  // 100000 widgets: the table starts at 64 slots and doubles 12 times.
  constexpr int kWidgets = 100000;
  Keyring keyring;
  std::vector<std::string> ids;
  ids.reserve(kWidgets);
  for (int i = 0; i < kWidgets; ++i) ids.push_back(absl::StrCat("widget-", i));
  for (int i = 0; i < kWidgets; ++i) {
    keyring.Register(ids[i]);
    // Every 1000th gets a secret, so lookups that succeed are checked too.
    if (i % 1000 == 0) {
      ASSERT_TRUE(keyring.Install(ids[i], TestVersion(ids[i], SecretKind::kJwt, 1), 0).ok());
    }
  }
  EXPECT_EQ(keyring.size(), static_cast<std::size_t>(kWidgets));

  int lost = 0;
  for (int i = 0; i < kWidgets; ++i) {
    auto current = keyring.Current(ids[i], SecretKind::kJwt);
    const absl::StatusCode expected =
        i % 1000 == 0 ? absl::StatusCode::kOk : absl::StatusCode::kFailedPrecondition;
    if (current.status().code() != expected && ++lost <= 10) {
      ADD_FAILURE() << ids[i] << ": " << current.status();
    }
  }
  EXPECT_EQ(lost, 0);

  int phantom = 0;
  for (int i = kWidgets; i < 2 * kWidgets; i += 7) {
    if (keyring.Current(absl::StrCat("widget-", i), SecretKind::kJwt).status().code() !=
        absl::StatusCode::kNotFound) {
      ++phantom;
    }
  }
  for (absl::string_view unknown :
       {"", "widget", "widget-", "widget-00", "Widget-1", "widget-1 "}) {
    if (keyring.Current(unknown, SecretKind::kJwt).status().code() != absl::StatusCode::kNotFound) {
      ++phantom;
    }
  }
  EXPECT_EQ(phantom, 0);

  const std::vector<std::string> app_ids = keyring.AppIds();
  EXPECT_EQ(std::set<std::string>(app_ids.begin(), app_ids.end()),
            std::set<std::string>(ids.begin(), ids.end()));
}

TEST(KeyringTest, ReplacedVersionLivesWhileAReaderHoldsIt) {
  Keyring keyring;
  std::weak_ptr<const SecretVersion> observed_v1;
  {
    auto v1 = TestVersion("w", SecretKind::kEmailHash, 1);
    observed_v1 = v1;
    ASSERT_TRUE(keyring.Install("w", std::move(v1), 0).ok());
  }
  absl::StatusOr<std::shared_ptr<const SecretVersion>> held =
      keyring.Current("w", SecretKind::kEmailHash);
  ASSERT_TRUE(held.ok());
  const std::string hash_before = (*held)->email_hasher()->Hash("jane@example.com");

  ASSERT_TRUE(keyring.Install("w", TestVersion("w", SecretKind::kEmailHash, 2), 1).ok());
  EXPECT_EQ(keyring.CurrentVersion("w", SecretKind::kEmailHash), 2u);

  // The reader still holds version 1, and it still works.
  EXPECT_FALSE(observed_v1.expired());
  EXPECT_EQ((*held)->version(), 1u);
  EXPECT_EQ((*held)->email_hasher()->Hash("jane@example.com"), hash_before);

  held = absl::UnknownError("released");
  EXPECT_TRUE(observed_v1.expired()) << "version 1 outlived its last reader";
}

TEST(KeyringTest, ReplacedVersionWithoutReadersIsDestroyedAtOnce) {
  Keyring keyring;
  auto v1 = TestVersion("w", SecretKind::kJwt, 1);
  std::weak_ptr<const SecretVersion> observed_v1 = v1;
  ASSERT_TRUE(keyring.Install("w", std::move(v1), 0).ok());
  EXPECT_FALSE(observed_v1.expired());
  ASSERT_TRUE(keyring.Install("w", TestVersion("w", SecretKind::kJwt, 2), 1).ok());
  EXPECT_TRUE(observed_v1.expired());
}

TEST(KeyringTest, AbortedInstallDoesNotKeepTheRejectedVersion) {
  Keyring keyring;
  ASSERT_TRUE(keyring.Install("w", TestVersion("w", SecretKind::kJwt, 1), 0).ok());
  auto rejected = TestVersion("w", SecretKind::kJwt, 2);
  std::weak_ptr<const SecretVersion> observed = rejected;
  EXPECT_EQ(keyring.Install("w", std::move(rejected), 7).code(), absl::StatusCode::kAborted);
  EXPECT_TRUE(observed.expired());
}

TEST(KeyringTest, DestroyingTheKeyringReleasesItsVersions) {
  std::weak_ptr<const SecretVersion> observed;
  {
    Keyring keyring;
    auto v1 = TestVersion("w", SecretKind::kEmailHash, 1);
    observed = v1;
    ASSERT_TRUE(keyring.Install("w", std::move(v1), 0).ok());
  }
  EXPECT_TRUE(observed.expired());
}

}  // namespace
}  // namespace identity::keyring
