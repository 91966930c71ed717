#ifndef IDENTITY_SERVER_STORE_INSTRUMENTED_SECRET_STORE_H_
#define IDENTITY_SERVER_STORE_INSTRUMENTED_SECRET_STORE_H_

#include "server/metrics/store_metrics.h"
#include "server/store/secret_store.h"

namespace identity::store {

// InstrumentedSecretStore is a SecretStore that forwards every call to
// another one and records each call's latency and failure in StoreMetrics:
// the store metrics of every back end, without code in any of them.
//
//   InstrumentedSecretStore store(embedded_store, store_metrics);
//
// `inner` and `metrics` must outlive it. It overrides every virtual of
// SecretStore: a default left in place would bypass the inner store's own
// (the etcd store's deadlines, its linearizable read).
class InstrumentedSecretStore final : public SecretStore {
 public:
  InstrumentedSecretStore(SecretStore& inner, metrics::StoreMetrics& metrics)
      : inner_(inner), metrics_(metrics) {}

  absl::StatusOr<std::vector<StoredWidget>> LoadAll() const override;
  absl::Status CreateWidget(const StoredWidget& widget) override;
  absl::Status CompareAndSet(absl::string_view app_id, std::uint64_t expected_version,
                             const StoredSecret& next) override;
  absl::Status CompareAndSetBefore(absl::string_view app_id, std::uint64_t expected_version,
                                   const StoredSecret& next, absl::Time deadline) override;
  absl::StatusOr<std::uint64_t> CurrentVersion(absl::string_view app_id, widget::SecretKind kind,
                                               absl::Time deadline) const override;
  absl::StatusOr<WidgetInfo> GetWidget(absl::string_view app_id) const override;
  absl::StatusOr<StoredWidget> LoadWidget(absl::string_view app_id) const override;
  absl::StatusOr<std::vector<WidgetInfo>> ListWidgets(absl::string_view start_after,
                                                      std::size_t limit) const override;
  std::unique_ptr<StoreSubscription> Subscribe(ChangeCallback callback) override;

 private:
  SecretStore& inner_;
  metrics::StoreMetrics& metrics_;
};

}  // namespace identity::store

#endif  // IDENTITY_SERVER_STORE_INSTRUMENTED_SECRET_STORE_H_
