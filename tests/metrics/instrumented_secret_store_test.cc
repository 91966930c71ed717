// InstrumentedSecretStore must forward every SecretStore call to the store it
// wraps, the virtuals with a default implementation included: a default left
// in place would bypass the inner store's own (the etcd store's deadline on
// CompareAndSetBefore and its linearizable CurrentVersion). Found when the
// metrics and etcd branches met: rotations through the wrapper lost the
// caller's deadline and failed during an etcd leader election.

#include "server/store/instrumented_secret_store.h"

#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "server/metrics/text_format.h"

namespace identity::store {
namespace {

// Records which calls reached it and answers each with a distinct result.
class RecordingStore final : public SecretStore {
 public:
  absl::StatusOr<std::vector<StoredWidget>> LoadAll() const override {
    calls.push_back("LoadAll");
    return std::vector<StoredWidget>{};
  }
  absl::Status CreateWidget(const StoredWidget&) override {
    calls.push_back("CreateWidget");
    return absl::OkStatus();
  }
  absl::Status CompareAndSet(absl::string_view, std::uint64_t, const StoredSecret&) override {
    calls.push_back("CompareAndSet");
    return absl::OkStatus();
  }
  absl::Status CompareAndSetBefore(absl::string_view, std::uint64_t, const StoredSecret&,
                                   absl::Time deadline) override {
    calls.push_back("CompareAndSetBefore");
    seen_deadline = deadline;
    return absl::UnavailableError("inner");
  }
  absl::StatusOr<std::uint64_t> CurrentVersion(absl::string_view, widget::SecretKind,
                                               absl::Time deadline) const override {
    calls.push_back("CurrentVersion");
    seen_deadline = deadline;
    return 7;
  }
  absl::StatusOr<WidgetInfo> GetWidget(absl::string_view) const override {
    calls.push_back("GetWidget");
    return absl::NotFoundError("inner");
  }
  absl::StatusOr<StoredWidget> LoadWidget(absl::string_view) const override {
    calls.push_back("LoadWidget");
    return absl::UnavailableError("inner");
  }
  absl::StatusOr<std::vector<WidgetInfo>> ListWidgets(absl::string_view,
                                                      std::size_t) const override {
    calls.push_back("ListWidgets");
    return std::vector<WidgetInfo>{};
  }
  std::unique_ptr<StoreSubscription> Subscribe(ChangeCallback) override {
    calls.push_back("Subscribe");
    return nullptr;
  }

  mutable std::vector<std::string> calls;
  mutable absl::Time seen_deadline;
};

TEST(InstrumentedSecretStoreTest, ForwardsTheCallsWithADefaultImplementationToo) {
  RecordingStore inner;
  metrics::StoreMetrics store_metrics;
  InstrumentedSecretStore store(inner, store_metrics);
  const absl::Time deadline = absl::Now() + absl::Seconds(3);

  EXPECT_EQ(store.CompareAndSetBefore("app", 1, StoredSecret{}, deadline).message(), "inner");
  EXPECT_EQ(inner.seen_deadline, deadline);
  absl::StatusOr<std::uint64_t> version =
      store.CurrentVersion("app", widget::SecretKind::kJwt, deadline + absl::Seconds(1));
  ASSERT_TRUE(version.ok()) << version.status();
  EXPECT_EQ(*version, 7u);
  EXPECT_EQ(inner.seen_deadline, deadline + absl::Seconds(1));
  EXPECT_EQ(store.LoadWidget("app").status().message(), "inner");
  EXPECT_EQ(inner.calls, (std::vector<std::string>{"CompareAndSetBefore", "CurrentVersion",
                                                   "LoadWidget"}));

  metrics::TextFormatWriter out;
  store_metrics.Collect(out);
  const std::string text = out.Take();
  EXPECT_TRUE(absl::StrContains(
      text, "identityd_store_operation_failures_total{op=\"compare_and_set\"} 1\n"))
      << text;
  EXPECT_TRUE(absl::StrContains(
      text, "identityd_store_operation_duration_seconds_count{op=\"current_version\"} 1\n"))
      << text;
  EXPECT_TRUE(absl::StrContains(
      text, "identityd_store_operation_failures_total{op=\"load_widget\"} 1\n"))
      << text;
}

}  // namespace
}  // namespace identity::store
