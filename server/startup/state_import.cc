#include "server/startup/state_import.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "server/common/log.h"
#include "server/config/master_key.h"
#include "server/store/embedded_secret_store.h"
#include "server/store/etcd/etcd_secret_store.h"

namespace identity {

absl::Status ImportStateDirectory(const StateOptions& options, const std::string& state_dir) {
  if (options.etcd_endpoints.empty()) {
    return absl::InvalidArgumentError(
        "--import_state_dir copies a state directory into etcd: give --etcd_endpoints too");
  }
  if (!options.state_dir.empty()) {
    return absl::InvalidArgumentError(
        "--import_state_dir=DIR names the state directory to copy; drop --state_dir");
  }
  absl::StatusOr<crypto::SecretBytes> master_key = config::ReadMasterKey(options.master_key_file);
  if (!master_key.ok()) return master_key.status();
  absl::StatusOr<std::unique_ptr<store::EmbeddedSecretStore>> source =
      store::EmbeddedSecretStore::Open(state_dir, *master_key, {});
  if (!source.ok()) return source.status();
  absl::StatusOr<std::vector<store::StoredWidget>> widgets = (*source)->LoadAll();
  if (!widgets.ok()) return widgets.status();

  absl::StatusOr<store::etcd::EtcdSecretStore::Options> etcd_options = EtcdStoreOptions(options);
  if (!etcd_options.ok()) return etcd_options.status();
  absl::StatusOr<std::unique_ptr<store::etcd::EtcdSecretStore>> target =
      store::etcd::EtcdSecretStore::Open(*etcd_options, *master_key);
  if (!target.ok()) return target.status();

  using Result = store::etcd::EtcdSecretStore::ImportResult;
  std::size_t created = 0, updated = 0, unchanged = 0, refused = 0;
  for (const store::StoredWidget& widget : *widgets) {
    std::string why;
    absl::StatusOr<Result> result =
        (*target)->ImportWidget(widget, absl::Now() + absl::Seconds(10), &why);
    if (!result.ok()) {
      return absl::Status(result.status().code(),
                          absl::StrCat("widget ", widget.app_id, ": ", result.status().message(),
                                       " (", created + updated, " widget(s) copied so far)"));
    }
    switch (*result) {
      case Result::kCreated:
        ++created;
        LogInfo(absl::StrCat("widget ", widget.app_id, ": copied into etcd"));
        break;
      case Result::kUpdated:
        ++updated;
        LogInfo(absl::StrCat("widget ", widget.app_id,
                             ": etcd held an older state of it; updated"));
        break;
      case Result::kUnchanged:
        ++unchanged;
        break;
      case Result::kRefused:
        ++refused;
        LogWarning(absl::StrCat("widget ", widget.app_id, ": NOT copied: ", why));
        break;
    }
  }
  const std::string summary = absl::StrCat(
      state_dir, " -> etcd ", options.etcd_prefix, ": ", widgets->size(), " widget(s): ", created,
      " copied, ", updated, " updated, ", unchanged, " already there, ", refused,
      " refused (newer or different in etcd)");
  if (refused > 0) return absl::FailedPreconditionError(summary);
  LogInfo(summary);
  return absl::OkStatus();
}

}  // namespace identity
