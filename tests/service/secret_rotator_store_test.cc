// The rotation order against the store: durable first, then visible. A store
// that refuses the write leaves the keyring unchanged and the caller gets
// UNAVAILABLE (no server path in the message); a store that accepts it holds
// exactly what the keyring serves.

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/crypto/fingerprint.h"
#include "server/keyring/keyring.h"
#include "server/service/secret_rotator.h"
#include "server/store/embedded_secret_store.h"

namespace identity::service {
namespace {

using widget::SecretKind;
using ::testing::HasSubstr;
using ::testing::Not;

// An in-memory store whose writes can be made to fail, as a full or broken
// disk would.
class FlakyStore final : public store::SecretStore {
 public:
  FlakyStore() : inner_(*store::EmbeddedSecretStore::OpenInMemory({})) {}

  void set_fail_writes(bool fail) { fail_writes_ = fail; }

  absl::StatusOr<std::vector<store::StoredWidget>> LoadAll() const override {
    return inner_->LoadAll();
  }
  absl::Status CreateWidget(const store::StoredWidget& widget) override {
    if (fail_writes_) return Failure();
    return inner_->CreateWidget(widget);
  }
  absl::Status CompareAndSet(absl::string_view app_id, std::uint64_t expected_version,
                             const store::StoredSecret& next) override {
    if (fail_writes_) return Failure();
    return inner_->CompareAndSet(app_id, expected_version, next);
  }
  absl::StatusOr<store::WidgetInfo> GetWidget(absl::string_view app_id) const override {
    return inner_->GetWidget(app_id);
  }
  absl::StatusOr<store::StoredWidget> LoadWidget(absl::string_view app_id) const override {
    return inner_->LoadWidget(app_id);
  }
  absl::StatusOr<std::vector<store::WidgetInfo>> ListWidgets(absl::string_view start_after,
                                                             std::size_t limit) const override {
    return inner_->ListWidgets(start_after, limit);
  }
  std::unique_ptr<store::StoreSubscription> Subscribe(ChangeCallback callback) override {
    return inner_->Subscribe(std::move(callback));
  }

 private:
  static absl::Status Failure() {
    return absl::UnavailableError("/var/lib/identityd/widgets/w.widget.tmp: cannot sync: EIO");
  }

  std::unique_ptr<store::EmbeddedSecretStore> inner_;
  bool fail_writes_ = false;
};

class SecretRotatorStoreTest : public ::testing::Test {
 protected:
  SecretRotatorStoreTest()
      : rotator_(keyring_, store_, [] { return absl::FromUnixMicros(1700000000123456); }) {}

  absl::StatusOr<RotationResult> RotateJwt(absl::string_view secret) {
    return rotator_.Rotate("w", SecretKind::kJwt, crypto::SecretBytes::Copy(secret),
                           std::nullopt);
  }

  keyring::Keyring keyring_;
  FlakyStore store_;
  SecretRotator rotator_;
};

TEST_F(SecretRotatorStoreTest, StoreHoldsWhatTheKeyringServes) {
  ASSERT_TRUE(RotateJwt("first-jwt-secret-0123").ok());
  absl::StatusOr<RotationResult> r = RotateJwt("second-jwt-secret-0123");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->version, 2u);
  absl::StatusOr<store::WidgetInfo> info = store_.GetWidget("w");
  ASSERT_TRUE(info.ok());
  ASSERT_EQ(info->versions.size(), 2u);
  EXPECT_EQ(info->versions[0].version, 2u);
  EXPECT_EQ(info->versions[0].fingerprint, r->fingerprint);
  EXPECT_EQ(info->versions[0].created_at, absl::FromUnixMicros(1700000000123456));
  EXPECT_EQ(keyring_.CurrentVersion("w", SecretKind::kJwt), 2u);
  EXPECT_EQ((*keyring_.Current("w", SecretKind::kJwt))->fingerprint(), r->fingerprint);
}

TEST_F(SecretRotatorStoreTest, FailedStoreWriteIsUnavailableAndLeavesTheKeyringUnchanged) {
  absl::StatusOr<RotationResult> first = RotateJwt("first-jwt-secret-0123");
  ASSERT_TRUE(first.ok());
  store_.set_fail_writes(true);
  absl::StatusOr<RotationResult> r = RotateJwt("second-jwt-secret-0123");
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(absl::IsUnavailable(r.status())) << r.status();
  // The store's details (server paths) stay in the server log.
  EXPECT_THAT(std::string(r.status().message()), Not(HasSubstr("/var/lib")));
  EXPECT_EQ(keyring_.CurrentVersion("w", SecretKind::kJwt), 1u);
  EXPECT_EQ((*keyring_.Current("w", SecretKind::kJwt))->fingerprint(), first->fingerprint);
  // A new widget is not registered either.
  EXPECT_FALSE(rotator_.Rotate("new", SecretKind::kJwt, GenerateSecret{}, std::nullopt).ok());
  EXPECT_EQ(keyring_.CurrentVersion("new", SecretKind::kJwt), 0u);

  store_.set_fail_writes(false);
  r = RotateJwt("second-jwt-secret-0123");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->version, 2u);
}

}  // namespace
}  // namespace identity::service
