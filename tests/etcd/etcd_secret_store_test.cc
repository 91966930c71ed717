// EtcdSecretStore against a real 3-member etcd cluster, through its C++
// interface: the start-up load pages (tiny pages here) pinned to one
// revision, creation and compare-and-set semantics, a change made by one
// store reaching another's subscribers, and ListWidgets paging.

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/crypto/random.h"
#include "server/store/etcd/etcd_secret_store.h"
#include "tests/etcd/stored_values.h"
#include "tests/support/etcd_cluster.h"

namespace identity::store::etcd {
namespace {

using ::identity::testing::EtcdCluster;
using widget::SecretKind;

class EtcdSecretStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::unique_ptr<EtcdCluster>> cluster = EtcdCluster::Start(3);
    ASSERT_TRUE(cluster.ok()) << cluster.status();
    cluster_ = *std::move(cluster);
    master_key_ = *crypto::RandomSecretBytes(32);
  }

  std::unique_ptr<EtcdSecretStore> OpenStore(std::size_t page_size = 500) {
    EtcdSecretStore::Options options;
    options.client.endpoints = absl::StrSplit(cluster_->endpoints(), ',');
    options.prefix = "/unit/";
    options.page_size = page_size;
    absl::StatusOr<std::unique_ptr<EtcdSecretStore>> store =
        EtcdSecretStore::Open(options, master_key_);
    EXPECT_TRUE(store.ok()) << store.status();
    return store.ok() ? *std::move(store) : nullptr;
  }

  std::unique_ptr<EtcdCluster> cluster_;
  crypto::SecretBytes master_key_;
};

TEST_F(EtcdSecretStoreTest, LoadPagesThroughEveryWidgetAtOneRevision) {
  std::unique_ptr<EtcdSecretStore> writer = OpenStore();
  ASSERT_NE(writer, nullptr);
  for (int i = 0; i < 10; ++i) {
    ASSERT_TRUE(writer
                    ->CreateWidget(NewWidget(absl::StrCat("w", i), RandomSecret(SecretKind::kEmailHash, 1)))
                    .ok());
  }
  std::unique_ptr<EtcdSecretStore> reader = OpenStore(/*page_size=*/3);
  ASSERT_NE(reader, nullptr);
  absl::StatusOr<std::vector<StoredWidget>> all = reader->LoadAll();
  ASSERT_TRUE(all.ok()) << all.status();
  ASSERT_EQ(all->size(), 10u);
  EXPECT_EQ(all->front().app_id, "w0");
  EXPECT_EQ(all->back().app_id, "w9");
  EXPECT_GT(reader->freshness().revision, 10);
  // ListWidgets pages the same way from any start.
  absl::StatusOr<std::vector<WidgetInfo>> page = reader->ListWidgets("w3", 4);
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->size(), 4u);
  EXPECT_EQ((*page)[0].app_id, "w4");
  EXPECT_EQ((*page)[3].app_id, "w7");
}

TEST_F(EtcdSecretStoreTest, CreateAndCompareAndSetKeepTheirMeaning) {
  std::unique_ptr<EtcdSecretStore> store = OpenStore();
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store->CreateWidget(NewWidget("w", RandomSecret(SecretKind::kJwt, 1))).ok());
  EXPECT_TRUE(absl::IsAlreadyExists(
      store->CreateWidget(NewWidget("w", RandomSecret(SecretKind::kJwt, 1)))));
  EXPECT_TRUE(absl::IsAborted(store->CompareAndSet("w", 0, RandomSecret(SecretKind::kJwt, 1))));
  const StoredSecret jwt2 = RandomSecret(SecretKind::kJwt, 2);
  EXPECT_TRUE(store->CompareAndSet("w", 1, jwt2).ok());
  EXPECT_TRUE(store->CompareAndSet("w", 0, RandomSecret(SecretKind::kEmailHash, 1)).ok());
  absl::StatusOr<std::uint64_t> jwt = store->CurrentVersion("w", SecretKind::kJwt, absl::Now() + absl::Seconds(5));
  ASSERT_TRUE(jwt.ok());
  EXPECT_EQ(*jwt, 2u);
  absl::StatusOr<WidgetInfo> info = store->GetWidget("w");
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->versions.size(), 3u);  // email_hash 1, jwt 2, jwt 1
  EXPECT_TRUE(absl::IsNotFound(store->GetWidget("unknown").status()));
  absl::StatusOr<StoredWidget> widget = store->LoadWidget("w");
  ASSERT_TRUE(widget.ok()) << widget.status();
  ASSERT_EQ(widget->secrets.size(), 3u);
  EXPECT_EQ(widget->secrets[1].kind, SecretKind::kJwt);
  EXPECT_EQ(widget->secrets[1].version, 2u);
  EXPECT_EQ(widget->secrets[1].key.view(), jwt2.key.view());
  EXPECT_EQ(widget->secrets[2].version, 1u);
  EXPECT_TRUE(absl::IsNotFound(store->LoadWidget("unknown").status()));
}

TEST_F(EtcdSecretStoreTest, ChangesReachAnotherStoresSubscribers) {
  std::unique_ptr<EtcdSecretStore> a = OpenStore();
  std::unique_ptr<EtcdSecretStore> b = OpenStore();
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  std::atomic<std::uint64_t> seen{0};
  std::unique_ptr<StoreSubscription> subscription =
      b->Subscribe([&](absl::string_view app_id, absl::Span<const StoredSecret> added) {
        if (app_id == "w" && !added.empty()) seen = added.front().version;
      });
  ASSERT_TRUE(a->CompareAndSet("w", 0, RandomSecret(SecretKind::kEmailHash, 1)).ok());
  ASSERT_TRUE(a->CompareAndSet("w", 1, RandomSecret(SecretKind::kEmailHash, 2)).ok());
  const absl::Time deadline = absl::Now() + absl::Seconds(5);
  while (seen != 2 && absl::Now() < deadline) absl::SleepFor(absl::Milliseconds(1));
  EXPECT_EQ(seen.load(), 2u);
}

}  // namespace
}  // namespace identity::store::etcd
