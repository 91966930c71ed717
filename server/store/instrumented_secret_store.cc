#include "server/store/instrumented_secret_store.h"

#include "absl/time/clock.h"

namespace identity::store {
namespace {

// Whether `status` says the back end failed, rather than answered: the codes
// SecretStore promises for a back end that cannot be read or written, and
// anything unexpected.
bool IsFailure(const absl::Status& status) {
  switch (status.code()) {
    case absl::StatusCode::kOk:
    case absl::StatusCode::kAborted:
    case absl::StatusCode::kNotFound:
    case absl::StatusCode::kAlreadyExists:
    case absl::StatusCode::kInvalidArgument:
      return false;
    default:
      return true;
  }
}

// Runs `call`, records it as `op`, returns its result.
template <typename Call>
auto Timed(metrics::StoreMetrics& metrics, metrics::StoreOp op, Call call) {
  const absl::Time start = absl::Now();
  auto result = call();
  absl::Status status;
  if constexpr (std::is_same_v<decltype(result), absl::Status>) {
    status = result;
  } else {
    status = result.status();
  }
  metrics.RecordOperation(op, absl::Now() - start, IsFailure(status));
  return result;
}

}  // namespace

absl::StatusOr<std::vector<StoredWidget>> InstrumentedSecretStore::LoadAll() const {
  return Timed(metrics_, metrics::StoreOp::kLoadAll, [&] { return inner_.LoadAll(); });
}

absl::Status InstrumentedSecretStore::CreateWidget(const StoredWidget& widget) {
  return Timed(metrics_, metrics::StoreOp::kCreateWidget,
               [&] { return inner_.CreateWidget(widget); });
}

absl::Status InstrumentedSecretStore::CompareAndSet(absl::string_view app_id,
                                                    std::uint64_t expected_version,
                                                    const StoredSecret& next) {
  return Timed(metrics_, metrics::StoreOp::kCompareAndSet,
               [&] { return inner_.CompareAndSet(app_id, expected_version, next); });
}

absl::Status InstrumentedSecretStore::CompareAndSetBefore(absl::string_view app_id,
                                                          std::uint64_t expected_version,
                                                          const StoredSecret& next,
                                                          absl::Time deadline) {
  return Timed(metrics_, metrics::StoreOp::kCompareAndSet, [&] {
    return inner_.CompareAndSetBefore(app_id, expected_version, next, deadline);
  });
}

absl::StatusOr<std::uint64_t> InstrumentedSecretStore::CurrentVersion(
    absl::string_view app_id, widget::SecretKind kind, absl::Time deadline) const {
  return Timed(metrics_, metrics::StoreOp::kCurrentVersion,
               [&] { return inner_.CurrentVersion(app_id, kind, deadline); });
}

absl::StatusOr<WidgetInfo> InstrumentedSecretStore::GetWidget(absl::string_view app_id) const {
  return Timed(metrics_, metrics::StoreOp::kGetWidget, [&] { return inner_.GetWidget(app_id); });
}

absl::StatusOr<StoredWidget> InstrumentedSecretStore::LoadWidget(absl::string_view app_id) const {
  return Timed(metrics_, metrics::StoreOp::kLoadWidget,
               [&] { return inner_.LoadWidget(app_id); });
}

absl::StatusOr<std::vector<WidgetInfo>> InstrumentedSecretStore::ListWidgets(
    absl::string_view start_after, std::size_t limit) const {
  return Timed(metrics_, metrics::StoreOp::kListWidgets,
               [&] { return inner_.ListWidgets(start_after, limit); });
}

std::unique_ptr<StoreSubscription> InstrumentedSecretStore::Subscribe(ChangeCallback callback) {
  return inner_.Subscribe(std::move(callback));
}

}  // namespace identity::store
