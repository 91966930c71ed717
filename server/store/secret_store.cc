#include "server/store/secret_store.h"

#include "absl/strings/cord.h"

namespace identity::store {
namespace {

// The status payload that marks an outcome-unknown error.
constexpr absl::string_view kOutcomeUnknownPayload = "type.identityd/store.OutcomeUnknown";

}  // namespace

absl::StatusOr<std::uint64_t> SecretStore::CurrentVersion(absl::string_view app_id,
                                                          widget::SecretKind kind,
                                                          absl::Time /*deadline*/) const {
  absl::StatusOr<WidgetInfo> widget = GetWidget(app_id);
  if (absl::IsNotFound(widget.status())) return 0;
  if (!widget.ok()) return widget.status();
  for (const SecretVersionInfo& version : widget->versions) {
    if (version.kind == kind) return version.version;  // newest first
  }
  return 0;
}

absl::Status OutcomeUnknownError(absl::string_view message) {
  absl::Status status = absl::UnavailableError(message);
  status.SetPayload(kOutcomeUnknownPayload, absl::Cord("1"));
  return status;
}

bool IsOutcomeUnknown(const absl::Status& status) {
  return absl::IsUnavailable(status) && status.GetPayload(kOutcomeUnknownPayload).has_value();
}

}  // namespace identity::store
