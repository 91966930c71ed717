#include "server/startup/state_bootstrap.h"

#include <limits>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "server/common/log.h"
#include "server/config/initial_secret_reader.h"
#include "server/config/master_key.h"
#include "server/store/embedded_secret_store.h"
#include "server/store/etcd/etcd_secret_store.h"

namespace identity {
namespace {

// Installs the current version of each kind of `widget` in `keyring`.
absl::Status InstallStoredWidget(const store::StoredWidget& widget, keyring::Keyring& keyring) {
  keyring.Register(widget.app_id);
  bool installed[widget::kAllSecretKinds.size()] = {};
  for (const store::StoredSecret& secret : widget.secrets) {
    const std::size_t index = static_cast<std::size_t>(secret.kind);
    if (installed[index]) continue;  // an older version: history only
    absl::StatusOr<std::shared_ptr<const keyring::SecretVersion>> version =
        keyring::SecretVersion::Create(secret.kind, secret.version, secret.key,
                                       secret.created_at);
    if (!version.ok()) {
      return absl::Status(version.status().code(),
                          absl::StrCat("widget ", widget.app_id, ", ",
                                       widget::SecretKindName(secret.kind), " version ",
                                       secret.version, ": ", version.status().message()));
    }
    // If-newer: with a replicated store the change feed may have installed
    // this version (or a newer one) already.
    keyring.InstallIfNewer(widget.app_id, *std::move(version));
    installed[index] = true;
  }
  return absl::OkStatus();
}

// Keeps `keyring` current with every change `store` reports (another
// replica's rotations): each kind's newest version is installed if newer.
std::unique_ptr<store::StoreSubscription> FollowStore(store::SecretStore& store,
                                                      keyring::Keyring& keyring) {
  return store.Subscribe(
      [&keyring](absl::string_view app_id, absl::Span<const store::StoredSecret> added) {
        keyring.Register(app_id);
        for (const store::StoredSecret& secret : added) {
          absl::StatusOr<std::shared_ptr<const keyring::SecretVersion>> version =
              keyring::SecretVersion::Create(secret.kind, secret.version, secret.key,
                                             secret.created_at);
          if (!version.ok()) {
            LogError(absl::StrCat("widget ", app_id, ", ", widget::SecretKindName(secret.kind),
                                  " version ", secret.version, " from the store: ",
                                  version.status().message(), "; not installed"));
            continue;
          }
          keyring.InstallIfNewer(app_id, *std::move(version));
        }
      });
}

// How to make a state directory, for a start refused because there is none.
std::string InitialiseHint(const std::string& state_dir) {
  return absl::StrCat(
      "; identityd never initialises a state directory by itself. For a new one, run once "
      "`identityd --init_state_dir --state_dir=",
      state_dir,
      "` with the same master key (it creates the folder, which must not exist yet); if it "
      "held widgets, restore it from a backup instead (README, \"State directory\")");
}

absl::StatusOr<std::unique_ptr<store::SecretStore>> OpenEtcdStore(const StateOptions& options) {
  absl::StatusOr<store::etcd::EtcdSecretStore::Options> etcd_options = EtcdStoreOptions(options);
  if (!etcd_options.ok()) return etcd_options.status();
  store::etcd::EtcdSecretStore::Options& store_options = *etcd_options;
  if (absl::StartsWith(store_options.client.endpoints.front(), "http://")) {
    LogWarning(
        "--etcd_endpoints: plain http://, no TLS: etcd sees no client certificate and anyone "
        "on the path can read the sealed values and write the cluster. For development only; "
        "use https:// with --etcd_ca_file, --etcd_cert_file and --etcd_key_file (README, "
        "\"Running replicas\").");
  }
  absl::StatusOr<crypto::SecretBytes> master_key = config::ReadMasterKey(options.master_key_file);
  if (!master_key.ok()) return master_key.status();
  absl::StatusOr<std::unique_ptr<store::etcd::EtcdSecretStore>> store =
      store::etcd::EtcdSecretStore::Open(store_options, *master_key);
  if (!store.ok()) return store.status();
  LogInfo(absl::StrCat("etcd store: prefix ", store_options.prefix, " on ",
                       options.etcd_endpoints, ", revision ", (*store)->freshness().revision));
  return std::unique_ptr<store::SecretStore>(*std::move(store));
}

absl::StatusOr<std::unique_ptr<store::SecretStore>> OpenStore(const StateOptions& options) {
  if (!options.etcd_endpoints.empty()) {
    if (!options.state_dir.empty()) {
      return absl::InvalidArgumentError(
          "--state_dir and --etcd_endpoints are mutually exclusive: one machine keeps its "
          "state in --state_dir, replicas share it in etcd (--etcd_endpoints); give one of them");
    }
    return OpenEtcdStore(options);
  }
  store::EmbeddedSecretStore::Options store_options;
  store_options.previous_versions = options.previous_versions;
  if (options.state_dir.empty()) {
    if (!options.master_key_file.empty()) {
      return absl::InvalidArgumentError("--master_key_file needs --state_dir");
    }
    if (!options.allow_memory_only) {
      return absl::InvalidArgumentError(
          "--state_dir is required (memory-only state is for development with "
          "--insecure_loopback only)");
    }
    LogWarning(
        "NO --state_dir: state is kept IN MEMORY ONLY. Every rotation is lost when identityd "
        "stops or crashes. For development only; run with --state_dir and a master key.");
    return store::EmbeddedSecretStore::OpenInMemory(store_options);
  }
  absl::StatusOr<crypto::SecretBytes> master_key = config::ReadMasterKey(options.master_key_file);
  if (!master_key.ok()) return master_key.status();
  absl::StatusOr<std::unique_ptr<store::EmbeddedSecretStore>> store =
      store::EmbeddedSecretStore::Open(options.state_dir, *master_key, store_options);
  if (absl::IsNotFound(store.status())) {
    return absl::NotFoundError(
        absl::StrCat(store.status().message(), InitialiseHint(options.state_dir)));
  }
  if (!store.ok()) return store.status();
  return std::unique_ptr<store::SecretStore>(*std::move(store));
}

}  // namespace

absl::Status InitialiseStateDirectory(const StateOptions& options) {
  if (options.state_dir.empty()) {
    return absl::InvalidArgumentError("--init_state_dir needs --state_dir=DIR, the folder to make");
  }
  absl::StatusOr<crypto::SecretBytes> master_key = config::ReadMasterKey(options.master_key_file);
  if (!master_key.ok()) return master_key.status();
  absl::Status made = store::EmbeddedSecretStore::Initialise(options.state_dir, *master_key);
  if (made.ok()) {
    LogInfo(absl::StrCat("initialised a new state directory at ", options.state_dir,
                         "; start identityd with --state_dir=", options.state_dir,
                         " and the same master key"));
    return made;
  }
  if (!absl::IsAlreadyExists(made)) return made;
  // Something is there: a no-op only if it is a whole state directory that
  // this key opens. Open checks all of that and changes nothing.
  absl::StatusOr<std::unique_ptr<store::EmbeddedSecretStore>> existing =
      store::EmbeddedSecretStore::Open(options.state_dir, *master_key, {});
  if (absl::IsNotFound(existing.status())) {
    return absl::FailedPreconditionError(absl::StrCat(
        options.state_dir,
        ": exists but is not a state directory; --init_state_dir makes a new folder and never "
        "adopts an existing one: remove it if it is empty and unused, or choose another path"));
  }
  if (!existing.ok()) return existing.status();
  absl::StatusOr<std::vector<store::WidgetInfo>> widgets =
      (*existing)->ListWidgets("", std::numeric_limits<std::size_t>::max());
  if (!widgets.ok()) return widgets.status();
  LogInfo(absl::StrCat(options.state_dir, " is already a state directory for this master key (",
                       widgets->size(), " widget(s)); nothing changed"));
  return absl::OkStatus();
}

absl::StatusOr<store::etcd::EtcdSecretStore::Options> EtcdStoreOptions(const StateOptions& options) {
  absl::StatusOr<std::vector<std::string>> endpoints =
      store::etcd::ParseEtcdEndpoints(options.etcd_endpoints);
  if (!endpoints.ok()) return endpoints.status();
  store::etcd::EtcdSecretStore::Options store_options;
  store_options.client.endpoints = *std::move(endpoints);
  store_options.client.ca_file = options.etcd_ca_file;
  store_options.client.cert_file = options.etcd_cert_file;
  store_options.client.key_file = options.etcd_key_file;
  store_options.prefix = options.etcd_prefix;
  store_options.previous_versions = options.previous_versions;
  store_options.metrics = options.store_metrics;
  return store_options;
}

absl::StatusOr<BootstrappedState> BootstrapState(const StateOptions& options,
                                                  const config::ServerConfig* config,
                                                  absl::string_view config_path,
                                                  keyring::Keyring& keyring, absl::Time now) {
  const auto refusing = [](const absl::Status& s) {
    return absl::Status(s.code(), absl::StrCat("refusing to start: ", s.message()));
  };
  absl::StatusOr<std::unique_ptr<store::SecretStore>> store = OpenStore(options);
  if (!store.ok()) return refusing(store.status());
  BootstrappedState state;
  if (!options.etcd_endpoints.empty()) {
    // Before the load: a change applied between the two is then installed
    // by the follower, and InstallIfNewer makes the order irrelevant.
    state.follower = FollowStore(**store, keyring);
  }

  absl::StatusOr<std::vector<store::StoredWidget>> stored = (*store)->LoadAll();
  if (!stored.ok()) return refusing(stored.status());
  absl::flat_hash_set<std::string> known;
  for (const store::StoredWidget& widget : *stored) {
    if (absl::Status s = InstallStoredWidget(widget, keyring); !s.ok()) {
      const std::string where = options.state_dir.empty()
                                    ? absl::StrCat("etcd ", options.etcd_prefix)
                                    : options.state_dir;
      return refusing(absl::Status(s.code(), absl::StrCat(where, ": ", s.message())));
    }
    known.insert(widget.app_id);
  }
  if (!options.state_dir.empty()) {
    LogInfo(absl::StrCat("loaded ", stored->size(), " widget(s) from ", options.state_dir));
  }
  state.store = *std::move(store);
  if (config == nullptr) return state;

  // Read and check every secret to seed before writing anything, so that a
  // bad config entry leaves the store untouched.
  std::vector<store::StoredWidget> to_seed;
  for (const config::WidgetConfig& widget : config->widgets) {
    const bool has_secrets = widget.email_hash_secret.has_value() || widget.jwt_secret.has_value();
    if (known.contains(widget.app_id)) {
      if (has_secrets) {
        LogInfo(absl::StrCat(widget.json_path, " (", widget.app_id,
                             "): already in the store, which wins; its secrets in the config "
                             "are not used (rotate with RotateSecret instead)"));
      }
      continue;
    }
    store::StoredWidget seed;
    seed.app_id = widget.app_id;
    const std::pair<const std::optional<config::SecretSourceConfig>*, widget::SecretKind>
        slots[] = {{&widget.email_hash_secret, widget::SecretKind::kEmailHash},
                   {&widget.jwt_secret, widget::SecretKind::kJwt}};
    for (const auto& [source, kind] : slots) {
      if (!source->has_value()) continue;
      absl::StatusOr<crypto::SecretBytes> key = config::ReadInitialSecretKey(**source, kind);
      if (!key.ok()) {
        return absl::Status(key.status().code(),
                            absl::StrCat(config_path, ": ", key.status().message()));
      }
      seed.secrets.push_back(store::StoredSecret{kind, 1, store::ToStoredTime(now), *std::move(key)});
    }
    to_seed.push_back(std::move(seed));
  }
  for (const store::StoredWidget& seed : to_seed) {
    if (absl::Status s = state.store->CreateWidget(seed); !s.ok()) {
      return refusing(absl::Status(
          s.code(), absl::StrCat("seeding widget ", seed.app_id, ": ", s.message())));
    }
    if (absl::Status s = InstallStoredWidget(seed, keyring); !s.ok()) return refusing(s);
  }
  LogInfo(absl::StrCat("loaded ", config->widgets.size(), " widget(s) from ", config_path, " (",
                       to_seed.size(), " new, seeded into the store; ",
                       config->widgets.size() - to_seed.size(),
                       " already in the store, which wins)"));
  return state;
}

}  // namespace identity
