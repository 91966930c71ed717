// A rotation whose answer from etcd is lost, each path of
// EtcdSecretStore::CompareAndSetBefore made to happen on purpose: the store
// reaches a real 3-member etcd cluster through one TcpFaultProxy per member,
// and the test holds the bytes of one direction on the member the store
// prefers (found by a read: it moves only off a member that failed), once the
// read that comes before the write has passed. What the store logs shows
// which path it took.
//   - the answer is held after etcd committed: the read-back finds the write;
//   - the request is held before etcd saw it: the fence makes sure it can
//     never apply, even when the held bytes reach etcd afterwards;
//   - every member is held: the outcome is unknown, and the error says what
//     to look for; the write may indeed still apply once the network heals.
// Each test checks the proxy held bytes, so a pass cannot come from a fault
// that missed.

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/crypto/fingerprint.h"
#include "server/crypto/random.h"
#include "server/store/etcd/etcd_secret_store.h"
#include "tests/etcd/stored_values.h"
#include "tests/support/etcd_cluster.h"
#include "tests/support/tcp_fault_proxy.h"

namespace identity::store::etcd {
namespace {

using ::identity::testing::EtcdCluster;
using ::identity::testing::TcpFaultProxy;
using widget::SecretKind;
using ::testing::HasSubstr;
using ::testing::Not;

class EtcdLostAnswerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::unique_ptr<EtcdCluster>> cluster = EtcdCluster::Start(3);
    ASSERT_TRUE(cluster.ok()) << cluster.status();
    cluster_ = *std::move(cluster);
    master_key_ = *crypto::RandomSecretBytes(32);
    std::vector<std::string> urls;
    for (int i = 0; i < cluster_->size(); ++i) {
      int port = 0;
      ASSERT_TRUE(absl::SimpleAtoi(absl::StripPrefix(cluster_->endpoint(i), "http://127.0.0.1:"),
                                   &port))
          << cluster_->endpoint(i);
      absl::StatusOr<std::unique_ptr<TcpFaultProxy>> proxy = TcpFaultProxy::Start(port);
      ASSERT_TRUE(proxy.ok()) << proxy.status();
      urls.push_back((*proxy)->url());
      proxies_.push_back(*std::move(proxy));
    }
    store_ = Open(absl::StrJoin(urls, ","));
    ASSERT_NE(store_, nullptr);
    // The widget, version 1: then every test rotates to version 2.
    ASSERT_TRUE(store_->CreateWidget(NewWidget("w", RandomSecret(SecretKind::kJwt, 1))).ok());
  }

  std::unique_ptr<EtcdSecretStore> Open(const std::string& endpoints) {
    EtcdSecretStore::Options options;
    options.client.endpoints = absl::StrSplit(endpoints, ',');
    options.prefix = "/lost/";
    // The watch asks for progress every stall_timeout / 3: keep the
    // connections quiet but for the calls under test.
    options.stall_timeout = absl::Seconds(60);
    absl::StatusOr<std::unique_ptr<EtcdSecretStore>> store =
        EtcdSecretStore::Open(options, master_key_);
    EXPECT_TRUE(store.ok()) << store.status();
    return store.ok() ? *std::move(store) : nullptr;
  }

  // The proxy of the member the store sends its calls to now.
  TcpFaultProxy& Preferred() {
    std::vector<std::size_t> before;
    for (auto& proxy : proxies_) before.push_back(proxy->calls_ended());
    EXPECT_TRUE(store_->GetWidget("w").ok());
    for (std::size_t i = 0; i < proxies_.size(); ++i) {
      if (proxies_[i]->calls_ended() > before[i]) return *proxies_[i];
    }
    ADD_FAILURE() << "no member saw the read";
    return *proxies_[0];
  }

  // Forwards again, and waits (bounded) until every held byte went on.
  void ReleaseAll() {
    for (auto& proxy : proxies_) proxy->SetMode(TcpFaultProxy::Mode::kForward);
    const absl::Time deadline = absl::Now() + absl::Seconds(5);
    for (auto& proxy : proxies_) {
      while (proxy->held_bytes() > 0 && absl::Now() < deadline) {
        absl::SleepFor(absl::Milliseconds(10));
      }
      EXPECT_EQ(proxy->held_bytes(), 0u);
    }
  }

  // The current jwt version and its fingerprint, as etcd holds them (a
  // second store, straight to the members, reading linearizably).
  std::pair<std::uint64_t, std::string> CurrentInEtcd() {
    std::unique_ptr<EtcdSecretStore> direct = Open(cluster_->endpoints());
    if (direct == nullptr) return {0, ""};
    absl::StatusOr<WidgetInfo> info = direct->GetWidget("w");
    EXPECT_TRUE(info.ok()) << info.status();
    if (!info.ok()) return {0, ""};
    for (const SecretVersionInfo& version : info->versions) {
      if (version.kind == SecretKind::kJwt) return {version.version, version.fingerprint};
    }
    return {0, ""};
  }

  std::unique_ptr<EtcdCluster> cluster_;
  crypto::SecretBytes master_key_;
  std::vector<std::unique_ptr<TcpFaultProxy>> proxies_;
  std::unique_ptr<EtcdSecretStore> store_;
};

// The first call on the preferred member is the read before the write.
constexpr int kAfterTheRead = 1;

TEST_F(EtcdLostAnswerTest, AnAnswerLostAfterTheCommitIsFoundCommitted) {
  TcpFaultProxy& preferred = Preferred();
  preferred.SetMode(TcpFaultProxy::Mode::kHoldReplies, kAfterTheRead);
  const StoredSecret next = RandomSecret(SecretKind::kJwt, 2);
  ::testing::internal::CaptureStderr();
  const absl::Status status =
      store_->CompareAndSetBefore("w", 1, next, absl::Now() + absl::Seconds(4));
  const std::string log = ::testing::internal::GetCapturedStderr();
  EXPECT_THAT(log, HasSubstr("was lost"));
  EXPECT_THAT(log, HasSubstr("was committed"));
  EXPECT_GT(preferred.held_bytes(), 0u) << "the fault caught no answer";
  ReleaseAll();
  EXPECT_TRUE(status.ok()) << status;
  EXPECT_EQ(CurrentInEtcd(),
            std::make_pair(std::uint64_t{2}, crypto::Fingerprint(next.key.span())));
}

TEST_F(EtcdLostAnswerTest, ARequestHeldInFlightIsFencedOffAndNeverApplies) {
  TcpFaultProxy& preferred = Preferred();
  preferred.SetMode(TcpFaultProxy::Mode::kHoldRequests, kAfterTheRead);
  ::testing::internal::CaptureStderr();
  const absl::Status status = store_->CompareAndSetBefore(
      "w", 1, RandomSecret(SecretKind::kJwt, 2), absl::Now() + absl::Seconds(4));
  const std::string log = ::testing::internal::GetCapturedStderr();
  EXPECT_THAT(log, HasSubstr("was lost"));
  EXPECT_THAT(log, HasSubstr("was not committed (fenced off)"));
  EXPECT_GT(preferred.held_bytes(), 0u) << "the fault caught no request";
  EXPECT_TRUE(absl::IsUnavailable(status)) << status;
  EXPECT_FALSE(IsOutcomeUnknown(status)) << status;
  EXPECT_THAT(status.message(), HasSubstr("not applied (nothing changed)"));
  // The held request reaches member 0 now, late: its compare names the
  // revision the fence replaced, so etcd refuses it.
  ReleaseAll();
  absl::SleepFor(absl::Milliseconds(500));
  EXPECT_EQ(CurrentInEtcd().first, 1u);
  // And the store goes on: the rotation, retried, applies.
  EXPECT_TRUE(store_
                  ->CompareAndSetBefore("w", 1, RandomSecret(SecretKind::kJwt, 2),
                                        absl::Now() + absl::Seconds(4))
                  .ok());
  EXPECT_EQ(CurrentInEtcd().first, 2u);
}

TEST_F(EtcdLostAnswerTest, WhenNoMemberAnswersTheOutcomeIsUnknownAndSaysWhatToCheck) {
  TcpFaultProxy& preferred = Preferred();
  for (auto& proxy : proxies_) {
    if (proxy.get() != &preferred) proxy->SetMode(TcpFaultProxy::Mode::kHoldRequests);
  }
  preferred.SetMode(TcpFaultProxy::Mode::kHoldRequests, kAfterTheRead);
  const StoredSecret next = RandomSecret(SecretKind::kJwt, 2);
  const std::string fingerprint = crypto::Fingerprint(next.key.span());
  ::testing::internal::CaptureStderr();
  const absl::Status status =
      store_->CompareAndSetBefore("w", 1, next, absl::Now() + absl::Seconds(3));
  const std::string log = ::testing::internal::GetCapturedStderr();
  EXPECT_THAT(log, HasSubstr("was lost"));
  EXPECT_THAT(log, HasSubstr("is unknown"));
  EXPECT_GT(preferred.held_bytes(), 0u) << "the fault caught no request";
  EXPECT_TRUE(IsOutcomeUnknown(status)) << status;
  EXPECT_THAT(status.message(), HasSubstr("identityctl widget w"));
  EXPECT_THAT(status.message(), HasSubstr(absl::StrCat("jwt version 2 with fingerprint ",
                                                       fingerprint)));
  EXPECT_THAT(status.message(), HasSubstr("may still take effect"));
  EXPECT_THAT(status.message(), Not(HasSubstr("nothing changed")));
  // Once the network heals, either is possible, and the one to look for is
  // the one the error named.
  ReleaseAll();
  absl::SleepFor(absl::Milliseconds(500));
  const auto [version, current_fingerprint] = CurrentInEtcd();
  EXPECT_TRUE(version == 1 || (version == 2 && current_fingerprint == fingerprint))
      << version << " " << current_fingerprint;
}

}  // namespace
}  // namespace identity::store::etcd
