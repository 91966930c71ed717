#include "server/store/embedded_secret_store.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "server/common/log.h"
#include "server/crypto/fingerprint.h"
#include "server/crypto/random.h"
#include "server/store/key_check.h"
#include "server/store/sealed_entry.h"
#include "server/store/version_history.h"
#include "server/widget/app_id.h"

namespace identity::store {
namespace {

absl::Status Prefixed(absl::string_view prefix, const absl::Status& s) {
  return absl::Status(s.code(), absl::StrCat(prefix, ": ", s.message()));
}

absl::Status CheckSecret(const StoredSecret& secret) {
  if (secret.version == 0) return absl::InvalidArgumentError("version: must be at least 1");
  if (secret.key.empty()) return absl::InvalidArgumentError("key: must not be empty");
  return absl::OkStatus();
}

std::size_t KindIndex(widget::SecretKind kind) { return static_cast<std::size_t>(kind); }

}  // namespace

// Unregisters its callback when destroyed. Taking write_mu_ waits for a
// callback in progress, since callbacks run under it.
class EmbeddedSecretStore::Subscription final : public StoreSubscription {
 public:
  Subscription(EmbeddedSecretStore& store, std::uint64_t id) : store_(store), id_(id) {}
  ~Subscription() override {
    std::lock_guard<std::mutex> lock(store_.write_mu_);
    store_.subscribers_.erase(id_);
  }

 private:
  EmbeddedSecretStore& store_;
  const std::uint64_t id_;
};

void EmbeddedSecretStore::Kept::SetFingerprint(absl::string_view hex) {
  fingerprint.fill('0');
  hex.copy(fingerprint.data(), std::min(hex.size(), fingerprint.size()));
}

EmbeddedSecretStore::EmbeddedSecretStore(std::unique_ptr<crypto::Aes256Gcm> aead,
                                         std::unique_ptr<StateDirectory> dir, Options options)
    : aead_(std::move(aead)), dir_(std::move(dir)), options_(options) {}

EmbeddedSecretStore::~EmbeddedSecretStore() = default;

absl::Status EmbeddedSecretStore::Initialise(const std::string& path,
                                             const crypto::SecretBytes& master_key) {
  absl::StatusOr<std::unique_ptr<crypto::Aes256Gcm>> aead = crypto::Aes256Gcm::New(master_key);
  if (!aead.ok()) return Prefixed("master key", aead.status());
  absl::StatusOr<std::string> key_check = MakeKeyCheck(**aead);
  if (!key_check.ok()) return key_check.status();
  return StateDirectory::Create(path, *key_check).status();
}

absl::StatusOr<std::unique_ptr<EmbeddedSecretStore>> EmbeddedSecretStore::Open(
    const std::string& path, const crypto::SecretBytes& master_key, Options options) {
  if (options.previous_versions > kMaxPreviousVersions) {
    return absl::InvalidArgumentError(
        absl::StrCat("previous_versions: must be 0..", kMaxPreviousVersions));
  }
  absl::StatusOr<std::unique_ptr<crypto::Aes256Gcm>> aead = crypto::Aes256Gcm::New(master_key);
  if (!aead.ok()) return Prefixed("master key", aead.status());
  absl::StatusOr<std::unique_ptr<StateDirectory>> dir = StateDirectory::Open(path);
  if (!dir.ok()) return dir.status();
  std::unique_ptr<EmbeddedSecretStore> store(
      new EmbeddedSecretStore(*std::move(aead), *std::move(dir), options));
  if (absl::Status s = store->LoadDirectory(); !s.ok()) return s;
  return store;
}

absl::StatusOr<std::unique_ptr<EmbeddedSecretStore>> EmbeddedSecretStore::OpenInMemory(
    Options options) {
  if (options.previous_versions > kMaxPreviousVersions) {
    return absl::InvalidArgumentError(
        absl::StrCat("previous_versions: must be 0..", kMaxPreviousVersions));
  }
  absl::StatusOr<crypto::SecretBytes> key =
      crypto::RandomSecretBytes(crypto::Aes256Gcm::kKeySize);
  if (!key.ok()) return key.status();
  absl::StatusOr<std::unique_ptr<crypto::Aes256Gcm>> aead = crypto::Aes256Gcm::New(*key);
  if (!aead.ok()) return aead.status();
  return std::unique_ptr<EmbeddedSecretStore>(
      new EmbeddedSecretStore(*std::move(aead), nullptr, options));
}

absl::Status EmbeddedSecretStore::LoadDirectory() {
  absl::StatusOr<StateDirectory::Listing> listing = dir_->ListWidgets();
  if (!listing.ok()) return listing.status();
  if (!listing->unexpected_files.empty()) {
    return absl::FailedPreconditionError(absl::StrCat(
        dir_->TopPath("widgets/"), listing->unexpected_files.front(),
        ": unexpected file in the widgets folder, which holds only APP_ID.widget files; move it "
        "elsewhere (identityd will not guess whether it is a widget)"));
  }

  // The key check first: a wrong key is reported as such, not as damage to
  // whichever widget file happens to be read first.
  const std::string key_check_path = dir_->TopPath("KEYCHECK");
  absl::StatusOr<std::string> key_check = dir_->ReadKeyCheck();
  if (absl::IsNotFound(key_check.status())) {
    // StateDirectory::Open saw it a moment ago: removed since.
    return absl::DataLossError(absl::StrCat(key_check_path, ": removed while being opened"));
  }
  if (!key_check.ok()) return key_check.status();
  if (absl::Status s = VerifyKeyCheck(*aead_, *key_check); !s.ok()) {
    return Prefixed(key_check_path, s);
  }

  for (const std::string& app_id : listing->widget_app_ids) {
    const std::string path = dir_->WidgetPath(app_id);
    absl::StatusOr<std::string> bytes = dir_->ReadWidget(app_id);
    if (!bytes.ok()) return bytes.status();
    absl::StatusOr<WidgetFileContents> contents = DecodeWidgetFile(*bytes);
    if (!contents.ok()) return Prefixed(path, contents.status());
    if (contents->app_id != app_id) {
      return absl::DataLossError(absl::StrCat(path, ": holds widget \"", contents->app_id,
                                              "\", not the one its name says"));
    }
    Widget widget;
    widget.reserve(contents->entries.size());
    for (std::size_t i = 0; i < contents->entries.size(); ++i) {
      WidgetFileEntry& entry = contents->entries[i];
      absl::StatusOr<crypto::SecretBytes> key = OpenKey(app_id, entry);
      if (!key.ok()) {
        // The key check passed, so the key is right: the entry was altered,
        // or copied from another widget, kind or version.
        return absl::DataLossError(absl::StrCat(
            path, ": entry ", i, " (", widget::SecretKindName(entry.kind), " version ",
            entry.version, ") fails authentication: the file was altered, or the entry was "
            "copied from elsewhere"));
      }
      Kept kept{std::move(entry), {}};
      kept.SetFingerprint(crypto::Fingerprint(key->span()));
      widget.push_back(std::move(kept));
    }
    widgets_.emplace(app_id, std::move(widget));
  }
  // Left by a crash between creating and renaming: never acknowledged, so
  // safe to drop, now that everything else has loaded.
  for (const std::string& temp : listing->stale_temp_files) {
    LogInfo(absl::StrCat("removing ", dir_->TopPath("widgets/"), temp,
                         ": an unfinished write from an earlier run (never acknowledged)"));
    dir_->RemoveStaleTemp(temp);
  }
  return absl::OkStatus();
}

absl::StatusOr<EmbeddedSecretStore::Kept> EmbeddedSecretStore::Seal(
    absl::string_view app_id, const StoredSecret& secret) const {
  absl::StatusOr<WidgetFileEntry> entry = SealEntry(*aead_, app_id, secret);
  if (!entry.ok()) return entry.status();
  Kept kept{*std::move(entry), {}};
  kept.SetFingerprint(crypto::Fingerprint(secret.key.span()));
  return kept;
}

absl::StatusOr<crypto::SecretBytes> EmbeddedSecretStore::OpenKey(
    absl::string_view app_id, const WidgetFileEntry& entry) const {
  return OpenEntry(*aead_, app_id, entry);
}

absl::Status EmbeddedSecretStore::Persist(absl::string_view app_id, const Widget& widget) {
  if (dir_ == nullptr) return absl::OkStatus();
  WidgetFileContents contents;
  contents.app_id = std::string(app_id);
  for (const Kept& kept : widget) contents.entries.push_back(kept.entry);
  return dir_->WriteWidget(app_id, EncodeWidgetFile(contents));
}

void EmbeddedSecretStore::Notify(absl::string_view app_id,
                                 absl::Span<const StoredSecret> added) {
  for (const auto& [id, callback] : subscribers_) callback(app_id, added);
}

absl::StatusOr<std::vector<StoredWidget>> EmbeddedSecretStore::LoadAll() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<StoredWidget> out;
  out.reserve(widgets_.size());
  for (const auto& [app_id, widget] : widgets_) {
    StoredWidget stored;
    stored.app_id = app_id;
    for (const Kept& kept : widget) {
      absl::StatusOr<crypto::SecretBytes> key = OpenKey(app_id, kept.entry);
      if (!key.ok()) return Prefixed(absl::StrCat("widget ", app_id), key.status());
      stored.secrets.push_back(StoredSecret{kept.entry.kind, kept.entry.version,
                                            kept.entry.created_at, *std::move(key)});
    }
    out.push_back(std::move(stored));
  }
  return out;
}

absl::Status EmbeddedSecretStore::CreateWidget(const StoredWidget& widget) {
  if (absl::Status s = widget::ValidateAppId(widget.app_id); !s.ok()) return s;
  bool seen[widget::kAllSecretKinds.size()] = {};
  for (const StoredSecret& secret : widget.secrets) {
    if (absl::Status s = CheckSecret(secret); !s.ok()) return s;
    if (secret.version != 1) {
      return absl::InvalidArgumentError("version: a new widget's secrets are version 1");
    }
    if (seen[KindIndex(secret.kind)]) {
      return absl::InvalidArgumentError(absl::StrCat(
          "secrets: more than one ", widget::SecretKindName(secret.kind), " secret"));
    }
    seen[KindIndex(secret.kind)] = true;
  }

  std::lock_guard<std::mutex> write_lock(write_mu_);
  if (widgets_.contains(widget.app_id)) {
    return absl::AlreadyExistsError(
        absl::StrCat("app_id: the store already holds widget ", widget.app_id));
  }
  Widget fresh;
  fresh.reserve(widget.secrets.size());
  for (widget::SecretKind kind : widget::kAllSecretKinds) {
    for (const StoredSecret& secret : widget.secrets) {
      if (secret.kind != kind) continue;
      absl::StatusOr<Kept> kept = Seal(widget.app_id, secret);
      if (!kept.ok()) return kept.status();
      fresh.push_back(*std::move(kept));
    }
  }
  if (absl::Status s = Persist(widget.app_id, fresh); !s.ok()) return s;
  {
    std::lock_guard<std::mutex> lock(mu_);
    widgets_.emplace(widget.app_id, std::move(fresh));
  }
  Notify(widget.app_id, widget.secrets);
  return absl::OkStatus();
}

absl::Status EmbeddedSecretStore::CompareAndSet(absl::string_view app_id,
                                                std::uint64_t expected_version,
                                                const StoredSecret& next) {
  if (absl::Status s = widget::ValidateAppId(app_id); !s.ok()) return s;
  if (absl::Status s = CheckSecret(next); !s.ok()) return s;
  if (next.version != expected_version + 1) {
    return absl::InvalidArgumentError("version: must be expected_version + 1");
  }

  std::lock_guard<std::mutex> write_lock(write_mu_);
  // Only writers change widgets_, and they hold write_mu_: no need for mu_ to
  // read it here.
  const auto it = widgets_.find(app_id);
  const Widget empty;
  const Widget& old = it == widgets_.end() ? empty : it->second;
  const auto entry_of = [](const Kept& kept) -> const WidgetFileEntry& { return kept.entry; };
  const std::uint64_t current = CurrentVersionOf(old, next.kind, entry_of);
  if (current != expected_version) {
    return absl::AbortedError(absl::StrCat("expected_version: the current ",
                                           widget::SecretKindName(next.kind),
                                           " secret is version ", current, ", not ",
                                           expected_version));
  }

  absl::StatusOr<Kept> sealed = Seal(app_id, next);
  if (!sealed.ok()) return sealed.status();
  Widget updated = WithNewCurrent(old, *std::move(sealed), options_.previous_versions, entry_of);
  if (absl::Status s = Persist(app_id, updated); !s.ok()) return s;
  {
    std::lock_guard<std::mutex> lock(mu_);
    widgets_.insert_or_assign(std::string(app_id), std::move(updated));
  }
  Notify(app_id, absl::MakeConstSpan(&next, 1));
  return absl::OkStatus();
}

WidgetInfo EmbeddedSecretStore::Describe(absl::string_view app_id, const Widget& widget) {
  WidgetInfo info;
  info.app_id = std::string(app_id);
  info.versions.reserve(widget.size());
  for (const Kept& kept : widget) {
    info.versions.push_back(SecretVersionInfo{kept.entry.kind, kept.entry.version,
                                              kept.entry.created_at,
                                              std::string(kept.Fingerprint())});
  }
  return info;
}

absl::StatusOr<WidgetInfo> EmbeddedSecretStore::GetWidget(absl::string_view app_id) const {
  std::lock_guard<std::mutex> lock(mu_);
  const auto it = widgets_.find(app_id);
  if (it == widgets_.end()) {
    return absl::NotFoundError("app_id: no widget is registered with this app_id");
  }
  return Describe(it->first, it->second);
}

absl::StatusOr<StoredWidget> EmbeddedSecretStore::LoadWidget(absl::string_view app_id) const {
  std::lock_guard<std::mutex> lock(mu_);
  const auto it = widgets_.find(app_id);
  if (it == widgets_.end()) {
    return absl::NotFoundError("app_id: no widget is registered with this app_id");
  }
  StoredWidget stored;
  stored.app_id = it->first;
  for (const Kept& kept : it->second) {
    absl::StatusOr<crypto::SecretBytes> key = OpenKey(app_id, kept.entry);
    if (!key.ok()) return Prefixed(absl::StrCat("widget ", app_id), key.status());
    stored.secrets.push_back(StoredSecret{kept.entry.kind, kept.entry.version,
                                          kept.entry.created_at, *std::move(key)});
  }
  return stored;
}

absl::StatusOr<std::vector<WidgetInfo>> EmbeddedSecretStore::ListWidgets(
    absl::string_view start_after, std::size_t limit) const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<WidgetInfo> out;
  for (auto it = widgets_.upper_bound(start_after); it != widgets_.end() && out.size() < limit;
       ++it) {
    out.push_back(Describe(it->first, it->second));
  }
  return out;
}

std::unique_ptr<StoreSubscription> EmbeddedSecretStore::Subscribe(ChangeCallback callback) {
  std::lock_guard<std::mutex> lock(write_mu_);
  const std::uint64_t id = next_subscriber_id_++;
  subscribers_.emplace(id, std::move(callback));
  return std::make_unique<Subscription>(*this, id);
}

}  // namespace identity::store
