#include "server/store/etcd/etcd_secret_store.h"

#include <algorithm>
#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "server/common/log.h"
#include "server/crypto/fingerprint.h"
#include "server/crypto/random.h"
#include "server/store/etcd/etcd_widget_value.h"
#include "server/store/key_check.h"
#include "server/store/sealed_entry.h"
#include "server/store/version_history.h"
#include "server/widget/app_id.h"

namespace identity::store::etcd {
namespace {

using etcdserverpb::Compare;
using etcdserverpb::RangeRequest;
using etcdserverpb::RangeResponse;
using etcdserverpb::TxnRequest;

const WidgetFileEntry& Itself(const WidgetFileEntry& entry) { return entry; }

absl::Time Earlier(absl::Time a, absl::Time b) { return a < b ? a : b; }

// How often a read-back retries while etcd does not answer.
constexpr absl::Duration kReadBackPause = absl::Milliseconds(100);

absl::StatusOr<std::string> NewRotationId() {
  absl::StatusOr<crypto::SecretBytes> id = crypto::RandomSecretBytes(kRotationIdSize);
  if (!id.ok()) return id.status();
  return std::string(id->view());
}

void AddCompare(TxnRequest& txn, const std::string& key, Compare::CompareTarget target,
                std::int64_t revision) {
  Compare* compare = txn.add_compare();
  compare->set_key(key);
  compare->set_target(target);
  compare->set_result(Compare::EQUAL);
  if (target == Compare::MOD) {
    compare->set_mod_revision(revision);
  } else {
    compare->set_create_revision(revision);
  }
}

void AddPut(TxnRequest& txn, const std::string& key, std::string value) {
  etcdserverpb::PutRequest* put = txn.add_success()->mutable_request_put();
  put->set_key(key);
  put->set_value(std::move(value));
}

absl::Status CheckSecret(const StoredSecret& secret) {
  if (secret.version == 0) return absl::InvalidArgumentError("version: must be at least 1");
  if (secret.key.empty()) return absl::InvalidArgumentError("key: must not be empty");
  return absl::OkStatus();
}

}  // namespace

class EtcdSecretStore::Subscription final : public StoreSubscription {
 public:
  Subscription(EtcdSecretStore& store, std::uint64_t id) : store_(store), id_(id) {}
  ~Subscription() override {
    std::lock_guard<std::mutex> lock(store_.notify_mu_);
    store_.subscribers_.erase(id_);
  }

 private:
  EtcdSecretStore& store_;
  const std::uint64_t id_;
};

EtcdSecretStore::EtcdSecretStore(const Options& options, std::unique_ptr<EtcdClient> client,
                                 std::unique_ptr<crypto::Aes256Gcm> aead)
    : options_(options),
      client_(std::move(client)),
      aead_(std::move(aead)),
      widget_prefix_(absl::StrCat(options.prefix, "widgets/")) {}

absl::StatusOr<std::unique_ptr<EtcdSecretStore>> EtcdSecretStore::Open(
    const Options& options, const crypto::SecretBytes& master_key) {
  if (options.prefix.empty() || options.prefix.back() != '/') {
    return absl::InvalidArgumentError(
        "--etcd_prefix: must end with '/' (e.g. /identityd/), so that no other prefix starts "
        "with it");
  }
  if (options.previous_versions > 99) {
    return absl::InvalidArgumentError("previous_versions: must be 0..99");
  }
  absl::StatusOr<std::unique_ptr<EtcdClient>> client = EtcdClient::New(options.client);
  if (!client.ok()) return client.status();
  absl::StatusOr<std::unique_ptr<crypto::Aes256Gcm>> aead = crypto::Aes256Gcm::New(master_key);
  if (!aead.ok()) {
    return absl::Status(aead.status().code(),
                        absl::StrCat("master key: ", aead.status().message()));
  }
  std::unique_ptr<EtcdSecretStore> store(
      new EtcdSecretStore(options, *std::move(client), *std::move(aead)));
  const absl::Time deadline = absl::Now() + options.call_timeout;
  if (absl::Status s = store->CheckMasterKey(deadline); !s.ok()) return s;
  {
    Cache cache;
    std::int64_t revision = 0;
    if (absl::Status s = store->LoadPinned(deadline, cache, revision); !s.ok()) return s;
    std::lock_guard<std::mutex> lock(store->mu_);
    store->cache_ = std::move(cache);
    store->revision_ = revision;
    store->confirmed_at_ = store->last_heard_ = absl::Now();
    store->NoteRevisionLocked(revision);
  }
  store->watch_thread_ = std::thread([s = store.get()] { s->WatchLoop(); });
  store->keeper_thread_ = std::thread([s = store.get()] { s->KeeperLoop(); });
  return store;
}

EtcdSecretStore::~EtcdSecretStore() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
    if (watch_context_ != nullptr) watch_context_->TryCancel();
  }
  stop_cv_.notify_all();
  if (watch_thread_.joinable()) watch_thread_.join();
  if (keeper_thread_.joinable()) keeper_thread_.join();
}

std::string EtcdSecretStore::WidgetKey(absl::string_view app_id) const {
  return absl::StrCat(widget_prefix_, app_id);
}

absl::Status EtcdSecretStore::CheckMasterKey(absl::Time deadline) {
  const std::string key = absl::StrCat(options_.prefix, "keycheck");
  absl::StatusOr<std::string> made = MakeKeyCheck(*aead_);
  if (!made.ok()) return made.status();
  TxnRequest txn;
  AddCompare(txn, key, Compare::CREATE, 0);
  AddPut(txn, key, *made);
  etcdserverpb::RangeRequest* get = txn.add_failure()->mutable_request_range();
  get->set_key(key);
  // Safe to resend: only the first to arrive can create the record; a resend
  // after a lost answer then reads back the record the first one made.
  absl::Status last;
  while (absl::Now() < deadline) {
    EtcdClient::TxnOutcome outcome = client_->Txn(txn, Earlier(deadline, absl::Now() + absl::Seconds(2)));
    if (!outcome.status.ok()) {
      last = outcome.status;
      absl::SleepFor(kReadBackPause);
      continue;
    }
    if (outcome.response.succeeded()) {
      LogInfo(absl::StrCat("etcd: made the key check record ", key,
                           " (the first replica on this prefix); every replica must use the "
                           "same master key"));
      return absl::OkStatus();
    }
    const auto& kvs = outcome.response.responses(0).response_range().kvs();
    if (kvs.empty()) continue;  // removed in between: try again
    if (absl::Status s = VerifyKeyCheck(*aead_, kvs[0].value()); !s.ok()) {
      if (absl::IsPermissionDenied(s)) {
        return absl::PermissionDeniedError(absl::StrCat(
            "--master_key_file: the master key does not open the etcd prefix ", options_.prefix,
            " (its key check record ", key,
            " was made with another master key); every replica must use the same master key"));
      }
      return absl::Status(s.code(), absl::StrCat("etcd ", key, ": ", s.message()));
    }
    return absl::OkStatus();
  }
  return absl::UnavailableError(absl::StrCat(
      "etcd: cannot reach the cluster to check the master key (", last.message(), ")"));
}

absl::StatusOr<std::vector<StoredSecret>> EtcdSecretStore::OpenAll(
    absl::string_view app_id, const std::vector<WidgetFileEntry>& entries,
    bool current_only) const {
  std::vector<StoredSecret> out;
  bool seen[widget::kAllSecretKinds.size()] = {};
  for (const WidgetFileEntry& entry : entries) {
    const std::size_t kind = static_cast<std::size_t>(entry.kind);
    if (current_only && seen[kind]) continue;
    seen[kind] = true;
    absl::StatusOr<crypto::SecretBytes> key = OpenEntry(*aead_, app_id, entry);
    if (!key.ok()) {
      return absl::DataLossError(absl::StrCat(
          widget::SecretKindName(entry.kind), " version ", entry.version,
          " fails authentication: the value was altered, copied from another widget, or "
          "sealed under another master key"));
    }
    out.push_back(StoredSecret{entry.kind, entry.version, entry.created_at, *std::move(key)});
  }
  return out;
}

absl::StatusOr<EtcdSecretStore::CachedWidget> EtcdSecretStore::Decode(
    absl::string_view key, absl::string_view value, std::int64_t mod_revision,
    std::vector<StoredSecret>* out_current) const {
  absl::string_view app_id = key;
  if (!absl::ConsumePrefix(&app_id, widget_prefix_) || !widget::ValidateAppId(app_id).ok()) {
    return absl::DataLossError(absl::StrCat("etcd ", key, ": not a widget key"));
  }
  absl::StatusOr<EtcdWidgetValue> decoded = DecodeEtcdWidgetValue(value);
  if (!decoded.ok()) {
    return absl::Status(decoded.status().code(),
                        absl::StrCat("etcd ", key, ": ", decoded.status().message()));
  }
  if (decoded->contents.app_id != app_id) {
    return absl::DataLossError(absl::StrCat("etcd ", key, ": holds widget \"",
                                            decoded->contents.app_id, "\", not the one its key says"));
  }
  absl::StatusOr<std::vector<StoredSecret>> opened =
      OpenAll(app_id, decoded->contents.entries, /*current_only=*/out_current != nullptr);
  if (!opened.ok()) {
    return absl::DataLossError(absl::StrCat("etcd ", key, ": ", opened.status().message()));
  }
  if (out_current != nullptr) *out_current = *std::move(opened);
  return CachedWidget{mod_revision, std::move(decoded->contents.entries)};
}

absl::Status EtcdSecretStore::LoadPinned(absl::Time deadline, Cache& out,
                                         std::int64_t& out_revision) const {
  // A page may name a revision compacted since the first: start over (a few
  // times; compaction is rare).
  absl::Status last;
  for (int round = 0; round < 3; ++round) {
    out.clear();
    std::int64_t revision = 0;
    std::string from = widget_prefix_;
    const std::string end = PrefixRangeEnd(widget_prefix_);
    for (;;) {
      RangeRequest request;
      request.set_key(from);
      request.set_range_end(end);
      request.set_limit(static_cast<std::int64_t>(options_.page_size));
      request.set_revision(revision);  // 0 for the first page: the newest
      absl::StatusOr<RangeResponse> page = client_->Range(request, deadline);
      if (!page.ok()) {
        last = page.status();
        break;
      }
      if (revision == 0) revision = page->header().revision();
      for (const mvccpb::KeyValue& kv : page->kvs()) {
        absl::StatusOr<CachedWidget> widget = Decode(kv.key(), kv.value(), kv.mod_revision(), nullptr);
        if (!widget.ok()) return widget.status();
        out.insert_or_assign(kv.key().substr(widget_prefix_.size()), *std::move(widget));
      }
      if (!page->more() || page->kvs().empty()) {
        out_revision = revision;
        return absl::OkStatus();
      }
      from = absl::StrCat(page->kvs().rbegin()->key(), std::string(1, '\0'));
    }
    if (!absl::IsOutOfRange(last)) break;  // only a compacted revision is worth a new round
  }
  return absl::UnavailableError(
      absl::StrCat("etcd: cannot load the widgets under ", widget_prefix_, ": ", last.message()));
}

absl::StatusOr<RangeResponse> EtcdSecretStore::ReadKey(const std::string& key,
                                                       absl::Time deadline) const {
  RangeRequest request;
  request.set_key(key);
  return client_->Range(request, deadline);
}

absl::StatusOr<std::vector<StoredWidget>> EtcdSecretStore::LoadAll() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<StoredWidget> out;
  out.reserve(cache_.size());
  for (const auto& [app_id, widget] : cache_) {
    absl::StatusOr<std::vector<StoredSecret>> secrets = OpenAll(app_id, widget.entries, false);
    if (!secrets.ok()) return secrets.status();
    out.push_back(StoredWidget{app_id, *std::move(secrets)});
  }
  return out;
}

absl::Status EtcdSecretStore::CreateWidget(const StoredWidget& widget) {
  if (absl::Status s = widget::ValidateAppId(widget.app_id); !s.ok()) return s;
  std::vector<WidgetFileEntry> entries;
  for (widget::SecretKind kind : widget::kAllSecretKinds) {
    bool seen = false;
    for (const StoredSecret& secret : widget.secrets) {
      if (secret.kind != kind) continue;
      if (absl::Status s = CheckSecret(secret); !s.ok()) return s;
      if (secret.version != 1) {
        return absl::InvalidArgumentError("version: a new widget's secrets are version 1");
      }
      if (seen) {
        return absl::InvalidArgumentError(
            absl::StrCat("secrets: more than one ", widget::SecretKindName(kind), " secret"));
      }
      seen = true;
      absl::StatusOr<WidgetFileEntry> sealed = SealEntry(*aead_, widget.app_id, secret);
      if (!sealed.ok()) return sealed.status();
      entries.push_back(*std::move(sealed));
    }
  }
  absl::StatusOr<std::string> rotation_id = NewRotationId();
  if (!rotation_id.ok()) return rotation_id.status();
  const std::string key = WidgetKey(widget.app_id);
  TxnRequest txn;
  AddCompare(txn, key, Compare::CREATE, 0);
  AddPut(txn, key, EncodeEtcdWidgetValue(*rotation_id, WidgetFileContents{widget.app_id, entries}));
  const absl::Time deadline = absl::Now() + options_.call_timeout;
  absl::Status last;
  // Resending is safe: the transaction only creates. After a lost answer the
  // key tells which write made it.
  while (absl::Now() < deadline) {
    EtcdClient::TxnOutcome outcome = client_->Txn(txn, deadline);
    if (outcome.status.ok()) {
      if (outcome.response.succeeded()) return absl::OkStatus();
    } else {
      last = outcome.status;
      if (!outcome.maybe_sent) {
        absl::SleepFor(kReadBackPause);
        continue;
      }
    }
    absl::StatusOr<RangeResponse> read = ReadKey(key, deadline);
    if (!read.ok()) {
      last = read.status();
      continue;
    }
    if (read->kvs().empty()) continue;
    absl::StatusOr<EtcdWidgetValue> value = DecodeEtcdWidgetValue(read->kvs(0).value());
    if (value.ok() && value->rotation_id == *rotation_id) return absl::OkStatus();
    return absl::AlreadyExistsError(
        absl::StrCat("app_id: the store already holds widget ", widget.app_id));
  }
  return OutcomeUnknownError(absl::StrCat(
      "store: creating widget ", widget.app_id,
      " in etcd: the outcome is unknown (", last.message(), "); check with `identityctl widget ",
      widget.app_id, "`"));
}

absl::Status EtcdSecretStore::CompareAndSet(absl::string_view app_id,
                                            std::uint64_t expected_version,
                                            const StoredSecret& next) {
  return CompareAndSetBefore(app_id, expected_version, next, absl::InfiniteFuture());
}

absl::Status EtcdSecretStore::CompareAndSetBefore(absl::string_view app_id,
                                                  std::uint64_t expected_version,
                                                  const StoredSecret& next,
                                                  absl::Time deadline) {
  if (absl::Status s = widget::ValidateAppId(app_id); !s.ok()) return s;
  if (absl::Status s = CheckSecret(next); !s.ok()) return s;
  if (next.version != expected_version + 1) {
    return absl::InvalidArgumentError("version: must be expected_version + 1");
  }
  deadline = Earlier(deadline, absl::Now() + options_.call_timeout);
  const std::string key = WidgetKey(app_id);
  absl::StatusOr<WidgetFileEntry> sealed = SealEntry(*aead_, app_id, next);
  if (!sealed.ok()) return sealed.status();
  const std::string fingerprint = crypto::Fingerprint(next.key.span());

  // More than one round only when the other kind changed between the read
  // and the transaction.
  for (int round = 0; round < 5; ++round) {
    absl::StatusOr<RangeResponse> read = ReadKey(key, deadline);
    if (!read.ok()) {
      return absl::UnavailableError(absl::StrCat("reading ", key, " before the write (nothing changed): ",
                                                 read.status().message()));
    }
    std::vector<WidgetFileEntry> entries;
    std::int64_t mod_revision = 0;
    if (!read->kvs().empty()) {
      absl::StatusOr<CachedWidget> current =
          Decode(key, read->kvs(0).value(), read->kvs(0).mod_revision(), nullptr);
      if (!current.ok()) return current.status();
      entries = std::move(current->entries);
      mod_revision = current->mod_revision;
    }
    const std::uint64_t current = CurrentVersionOf(entries, next.kind, Itself);
    if (current != expected_version) {
      return absl::AbortedError(absl::StrCat("expected_version: the current ",
                                             widget::SecretKindName(next.kind),
                                             " secret is version ", current, ", not ",
                                             expected_version));
    }
    absl::StatusOr<std::string> rotation_id = NewRotationId();
    if (!rotation_id.ok()) return rotation_id.status();
    std::vector<WidgetFileEntry> updated =
        WithNewCurrent(entries, *sealed, options_.previous_versions, Itself);
    TxnRequest txn;
    AddCompare(txn, key, Compare::MOD, mod_revision);
    AddPut(txn, key,
           EncodeEtcdWidgetValue(*rotation_id, WidgetFileContents{std::string(app_id), updated}));
    // Half of what is left for the write, half kept to read back its outcome
    // if the answer is lost.
    const absl::Time now = absl::Now();
    if (now >= deadline) {
      return absl::UnavailableError("no time left for the write (nothing changed)");
    }
    EtcdClient::TxnOutcome outcome = client_->Txn(txn, now + (deadline - now) / 2);
    if (outcome.status.ok()) {
      if (outcome.response.succeeded()) return absl::OkStatus();
      continue;  // the key changed since the read: read again
    }
    if (!outcome.maybe_sent) {
      return absl::UnavailableError(
          absl::StrCat("the write was not sent (nothing changed): ", outcome.status.message()));
    }
    return ResolveLostWrite(app_id, key, mod_revision, *rotation_id, *sealed, fingerprint,
                            deadline, outcome.status);
  }
  return absl::UnavailableError(
      absl::StrCat(key, " kept changing under the write (nothing changed); retry"));
}

absl::Status EtcdSecretStore::ResolveLostWrite(absl::string_view app_id, const std::string& key,
                                               std::int64_t read_mod_revision,
                                               const std::string& rotation_id,
                                               const WidgetFileEntry& sealed,
                                               const std::string& fingerprint,
                                               absl::Time deadline,
                                               const absl::Status& send_error) {
  const std::string id_hex = absl::BytesToHexString(rotation_id);
  LogWarning(absl::StrCat("etcd: the answer to rotation ", id_hex, " of ", app_id, " (",
                          widget::SecretKindName(sealed.kind), " version ", sealed.version,
                          ") was lost (", send_error.message(),
                          "); reading back its outcome"));
  absl::Status last = send_error;
  while (absl::Now() < deadline) {
    absl::StatusOr<RangeResponse> read = ReadKey(key, deadline);
    if (!read.ok()) {
      last = read.status();
      absl::SleepFor(Earlier(absl::Now() + kReadBackPause, deadline) - absl::Now());
      continue;
    }
    if (read->kvs().empty()) {
      if (read_mod_revision != 0) {
        // Deleted by hand since: the write's compare can never hold again.
        return absl::UnavailableError(absl::StrCat(
            key, " was deleted while the rotation was in flight; it was not applied"));
      }
      // A new widget: nothing to fence with (any write would register it).
      absl::SleepFor(Earlier(absl::Now() + kReadBackPause, deadline) - absl::Now());
      continue;
    }
    const mvccpb::KeyValue& kv = read->kvs(0);
    if (kv.mod_revision() != read_mod_revision) {
      absl::StatusOr<EtcdWidgetValue> value = DecodeEtcdWidgetValue(kv.value());
      if (!value.ok()) return value.status();
      bool ours = value->rotation_id == rotation_id;
      for (const WidgetFileEntry& entry : value->contents.entries) {
        if (entry.kind == sealed.kind && entry.version == sealed.version &&
            entry.sealed == sealed.sealed) {
          ours = true;  // committed, then followed by another write
        }
      }
      if (ours) {
        LogInfo(absl::StrCat("etcd: rotation ", id_hex, " of ", app_id, " was committed"));
        return absl::OkStatus();
      }
      LogInfo(absl::StrCat("etcd: rotation ", id_hex, " of ", app_id,
                           " was not committed: another write came first"));
      return absl::AbortedError(absl::StrCat(
          "expected_version: another rotation of this widget was committed first; this one was "
          "not applied"));
    }
    // Unchanged: the write is lost or still on its way. Rewrite the same
    // value if the key is still unchanged; once that commits, the lost write's
    // compare can never hold.
    TxnRequest fence;
    AddCompare(fence, key, Compare::MOD, read_mod_revision);
    AddPut(fence, key, kv.value());
    EtcdClient::TxnOutcome fenced = client_->Txn(fence, deadline);
    if (fenced.status.ok() && fenced.response.succeeded()) {
      LogInfo(absl::StrCat("etcd: rotation ", id_hex, " of ", app_id,
                           " was not committed (fenced off)"));
      return absl::UnavailableError(absl::StrCat(
          "the write's answer was lost and it was not applied (nothing changed): ",
          send_error.message()));
    }
    if (!fenced.status.ok()) {
      last = fenced.status;
      absl::SleepFor(Earlier(absl::Now() + kReadBackPause, deadline) - absl::Now());
    }
  }
  LogError(absl::StrCat("etcd: the outcome of rotation ", id_hex, " of ", app_id,
                        " is unknown (", last.message(), ")"));
  return OutcomeUnknownError(absl::StrCat(
      "store: the outcome of this rotation is unknown: it was sent to etcd, the answer was lost "
      "and etcd could not be asked again before the deadline (rotation id ", id_hex,
      "). It may still take effect. Check with `identityctl widget ", app_id, "`: ",
      widget::SecretKindName(sealed.kind), " version ", sealed.version, " with fingerprint ",
      fingerprint, " means it did; rotate again only once it shows otherwise"));
}

absl::StatusOr<std::uint64_t> EtcdSecretStore::CurrentVersion(absl::string_view app_id,
                                                              widget::SecretKind kind,
                                                              absl::Time deadline) const {
  const std::string key = WidgetKey(app_id);
  absl::StatusOr<RangeResponse> read =
      ReadKey(key, Earlier(deadline, absl::Now() + options_.call_timeout));
  if (!read.ok()) {
    return absl::UnavailableError(absl::StrCat("reading ", key, ": ", read.status().message()));
  }
  {
    // A linearizable read: the cluster's revision now, which this replica's
    // view may lag.
    std::lock_guard<std::mutex> lock(mu_);
    NoteRevisionLocked(read->header().revision());
  }
  if (read->kvs().empty()) return 0;
  absl::StatusOr<EtcdWidgetValue> value = DecodeEtcdWidgetValue(read->kvs(0).value());
  if (!value.ok()) {
    return absl::Status(value.status().code(), absl::StrCat("etcd ", key, ": ", value.status().message()));
  }
  return CurrentVersionOf(value->contents.entries, kind, Itself);
}

WidgetInfo EtcdSecretStore::Describe(absl::string_view app_id,
                                     const std::vector<WidgetFileEntry>& entries) const {
  WidgetInfo info;
  info.app_id = std::string(app_id);
  for (const WidgetFileEntry& entry : entries) {
    absl::StatusOr<crypto::SecretBytes> key = OpenEntry(*aead_, app_id, entry);
    info.versions.push_back(SecretVersionInfo{
        entry.kind, entry.version, entry.created_at,
        key.ok() ? crypto::Fingerprint(key->span()) : std::string("(does not open)")});
  }
  return info;
}

absl::StatusOr<EtcdSecretStore::CachedWidget> EtcdSecretStore::ReadWidget(
    absl::string_view app_id) const {
  const std::string key = WidgetKey(app_id);
  absl::StatusOr<RangeResponse> read = ReadKey(key, absl::Now() + options_.view_timeout);
  if (!read.ok()) {
    return absl::UnavailableError(absl::StrCat("reading ", key, ": ", read.status().message()));
  }
  if (read->kvs().empty()) {
    return absl::NotFoundError("app_id: no widget is registered with this app_id");
  }
  return Decode(key, read->kvs(0).value(), read->kvs(0).mod_revision(), nullptr);
}

absl::StatusOr<WidgetInfo> EtcdSecretStore::GetWidget(absl::string_view app_id) const {
  absl::StatusOr<CachedWidget> widget = ReadWidget(app_id);
  if (!widget.ok()) return widget.status();
  return Describe(app_id, widget->entries);
}

absl::StatusOr<StoredWidget> EtcdSecretStore::LoadWidget(absl::string_view app_id) const {
  absl::StatusOr<CachedWidget> widget = ReadWidget(app_id);
  if (!widget.ok()) return widget.status();
  absl::StatusOr<std::vector<StoredSecret>> secrets =
      OpenAll(app_id, widget->entries, /*current_only=*/false);
  if (!secrets.ok()) {
    return absl::DataLossError(
        absl::StrCat("etcd ", WidgetKey(app_id), ": ", secrets.status().message()));
  }
  return StoredWidget{std::string(app_id), *std::move(secrets)};
}

absl::StatusOr<std::vector<WidgetInfo>> EtcdSecretStore::ListWidgets(
    absl::string_view start_after, std::size_t limit) const {
  RangeRequest request;
  request.set_key(start_after.empty() ? widget_prefix_
                                      : absl::StrCat(WidgetKey(start_after), std::string(1, '\0')));
  request.set_range_end(PrefixRangeEnd(widget_prefix_));
  request.set_limit(static_cast<std::int64_t>(std::min<std::size_t>(limit, 1 << 20)));
  absl::StatusOr<RangeResponse> read = client_->Range(request, absl::Now() + options_.view_timeout);
  if (!read.ok()) {
    return absl::UnavailableError(
        absl::StrCat("listing ", widget_prefix_, ": ", read.status().message()));
  }
  std::vector<WidgetInfo> out;
  for (const mvccpb::KeyValue& kv : read->kvs()) {
    absl::StatusOr<CachedWidget> widget = Decode(kv.key(), kv.value(), kv.mod_revision(), nullptr);
    if (!widget.ok()) return widget.status();
    out.push_back(Describe(kv.key().substr(widget_prefix_.size()), widget->entries));
  }
  return out;
}

std::unique_ptr<StoreSubscription> EtcdSecretStore::Subscribe(ChangeCallback callback) {
  std::lock_guard<std::mutex> lock(notify_mu_);
  const std::uint64_t id = next_subscriber_id_++;
  subscribers_.emplace(id, std::move(callback));
  return std::make_unique<Subscription>(*this, id);
}

void EtcdSecretStore::NoteRevisionLocked(std::int64_t heard) const {
  newest_heard_ = std::max(newest_heard_, heard);
  if (options_.metrics == nullptr) return;
  options_.metrics->SetWatchedRevision(revision_);
  options_.metrics->SetRevisionLag(std::max<std::int64_t>(0, newest_heard_ - revision_));
}

EtcdSecretStore::Freshness EtcdSecretStore::freshness() const {
  std::lock_guard<std::mutex> lock(mu_);
  return Freshness{revision_, confirmed_at_, watching_};
}

void EtcdSecretStore::Notify(absl::string_view app_id, const std::vector<StoredSecret>& current) {
  std::lock_guard<std::mutex> lock(notify_mu_);
  for (const auto& [id, callback] : subscribers_) callback(app_id, current);
}

void EtcdSecretStore::ApplyPut(const mvccpb::KeyValue& kv) {
  std::vector<StoredSecret> current;
  absl::StatusOr<CachedWidget> widget = Decode(kv.key(), kv.value(), kv.mod_revision(), &current);
  if (!widget.ok()) {
    LogError(absl::StrCat(widget.status().message(), " (revision ", kv.mod_revision(),
                          "): change ignored; this replica keeps serving the widget's previous "
                          "secrets"));
    return;
  }
  const std::string app_id = kv.key().substr(widget_prefix_.size());
  {
    std::lock_guard<std::mutex> lock(mu_);
    cache_.insert_or_assign(app_id, *std::move(widget));
    revision_ = std::max(revision_, kv.mod_revision());
  }
  Notify(app_id, current);
}

void EtcdSecretStore::ApplyDelete(const mvccpb::KeyValue& kv) {
  // identityd never deletes a widget; someone did by hand. The keyring cannot
  // drop a widget, so this replica keeps serving it until restarted.
  LogWarning(absl::StrCat("etcd ", kv.key(), " was deleted (revision ", kv.mod_revision(),
                          "); identityd never deletes widgets: this replica keeps serving its "
                          "secrets until it restarts"));
  std::lock_guard<std::mutex> lock(mu_);
  cache_.erase(kv.key().substr(widget_prefix_.size()));
  revision_ = std::max(revision_, kv.mod_revision());
}

absl::Status EtcdSecretStore::ReloadAndDiff() {
  Cache fresh;
  std::int64_t revision = 0;
  if (absl::Status s = LoadPinned(absl::Now() + options_.call_timeout, fresh, revision); !s.ok()) {
    return s;
  }
  std::vector<std::string> changed;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& [app_id, widget] : fresh) {
      const auto old = cache_.find(app_id);
      if (old == cache_.end() || old->second.mod_revision != widget.mod_revision) {
        changed.push_back(app_id);
      }
    }
  }
  for (const std::string& app_id : changed) {
    absl::StatusOr<std::vector<StoredSecret>> current = OpenAll(app_id, fresh[app_id].entries, true);
    if (current.ok()) Notify(app_id, *current);
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    cache_ = std::move(fresh);
    revision_ = revision;
    confirmed_at_ = last_heard_ = absl::Now();
    NoteRevisionLocked(revision);
  }
  LogInfo(absl::StrCat("etcd: reloaded every widget at revision ", revision, " (", changed.size(),
                       " changed since this replica's last view)"));
  return absl::OkStatus();
}

void EtcdSecretStore::WatchLoop() {
  std::size_t member = client_->preferred();
  absl::Time down_since = absl::InfinitePast();
  for (;;) {
    std::int64_t start = 0;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (stopping_) return;
      start = revision_ + 1;
    }
    grpc::ClientContext context;
    auto stream = client_->Watch(member, context);
    etcdserverpb::WatchRequest request;
    etcdserverpb::WatchCreateRequest* create = request.mutable_create_request();
    create->set_key(widget_prefix_);
    create->set_range_end(PrefixRangeEnd(widget_prefix_));
    create->set_start_revision(start);
    bool ok = stream->Write(request);
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (stopping_) context.TryCancel();
      watch_context_ = &context;
      watch_stream_ = stream.get();
      last_heard_ = absl::Now();
    }
    bool reload = false;
    bool ended_here = false;  // this loop, not the stream, ended it
    std::string why;
    etcdserverpb::WatchResponse response;
    while (ok && stream->Read(&response)) {
      const absl::Time now = absl::Now();
      {
        std::lock_guard<std::mutex> lock(mu_);
        last_heard_ = now;
      }
      if (response.compact_revision() != 0) {
        reload = ended_here = true;
        why = absl::StrCat("revision ", start, " was compacted (etcd keeps history from ",
                           response.compact_revision(), ")");
        break;
      }
      if (response.canceled()) {
        ended_here = true;
        why = absl::StrCat("etcd cancelled the watch: ", response.cancel_reason());
        break;
      }
      if (response.created()) {
        std::lock_guard<std::mutex> lock(mu_);
        watching_ = true;
        if (down_since != absl::InfinitePast()) {
          LogInfo(absl::StrCat("etcd: change feed back on ", client_->endpoint(member), " after ",
                               absl::FormatDuration(absl::Trunc(now - down_since, absl::Milliseconds(1))),
                               ", from revision ", start));
          down_since = absl::InfinitePast();
        }
      }
      for (const mvccpb::Event& event : response.events()) {
        if (event.type() == mvccpb::Event::PUT) {
          ApplyPut(event.kv());
        } else {
          ApplyDelete(event.kv());
        }
      }
      std::lock_guard<std::mutex> lock(mu_);
      revision_ = std::max(revision_, response.header().revision());
      confirmed_at_ = now;
      NoteRevisionLocked(response.header().revision());
    }
    {
      std::lock_guard<std::mutex> lock(mu_);
      watch_context_ = nullptr;
      watch_stream_ = nullptr;
      watching_ = false;
      if (stopping_) return;
    }
    if (ended_here || !ok) context.TryCancel();
    const grpc::Status status = stream->Finish();
    if (down_since == absl::InfinitePast()) down_since = absl::Now();
    if (reload) {
      LogWarning(absl::StrCat("etcd: ", why, "; reloading every widget"));
      const absl::Status s = ReloadAndDiff();
      if (options_.metrics != nullptr) options_.metrics->RecordReload(s.ok());
      if (!s.ok()) {
        LogWarning(absl::StrCat("etcd: reload failed (", s.message(), "); retrying"));
      }
    } else {
      if (why.empty()) {
        why = status.ok() ? std::string("stream closed")
                          : absl::StrCat(status.error_code(), " ", status.error_message());
      }
      const std::size_t next = (member + 1) % client_->endpoint_count();
      std::int64_t from = 0;
      {
        std::lock_guard<std::mutex> lock(mu_);
        from = revision_ + 1;
      }
      LogWarning(absl::StrCat("etcd: change feed on ", client_->endpoint(member), " ended (", why,
                              "); re-watching from revision ", from, " on ",
                              client_->endpoint(next)));
      client_->MarkFailed(member);
      member = next;
    }
    std::unique_lock<std::mutex> lock(mu_);
    stop_cv_.wait_for(lock, std::chrono::milliseconds(200), [this] { return stopping_; });
  }
}

void EtcdSecretStore::KeeperLoop() {
  const absl::Duration tick = options_.stall_timeout / 3;
  absl::Time last_stale_log = absl::InfinitePast();
  std::unique_lock<std::mutex> lock(mu_);
  while (!stop_cv_.wait_for(lock, absl::ToChronoMilliseconds(tick), [this] { return stopping_; })) {
    const absl::Time now = absl::Now();
    if (watch_stream_ != nullptr) {
      const absl::Duration silent = now - last_heard_;
      if (silent > options_.stall_timeout) {
        LogWarning(absl::StrCat("etcd: no word on the change feed for ",
                                absl::FormatDuration(absl::Trunc(silent, absl::Milliseconds(1))),
                                " (member stopped or cut off?); giving it up for another"));
        watch_context_->TryCancel();
      } else if (silent >= tick) {
        // Any answer proves the member alive and the feed current.
        etcdserverpb::WatchRequest progress;
        progress.mutable_progress_request();
        watch_stream_->Write(progress);
      }
    }
    if (now - confirmed_at_ > absl::Seconds(10) && now - last_stale_log > absl::Seconds(30)) {
      last_stale_log = now;
      LogWarning(absl::StrCat(
          "etcd: STALE: this replica has not heard from etcd for ",
          absl::FormatDuration(absl::Trunc(now - confirmed_at_, absl::Seconds(1))),
          "; it serves secrets as of revision ", revision_,
          " and misses any rotation made since on another replica (issue calls go on; "
          "rotations fail until etcd answers)"));
    }
  }
}

absl::StatusOr<EtcdSecretStore::ImportResult> EtcdSecretStore::ImportWidget(
    const StoredWidget& widget, absl::Time deadline, std::string* why) {
  if (absl::Status s = widget::ValidateAppId(widget.app_id); !s.ok()) return s;
  std::vector<WidgetFileEntry> entries;
  for (widget::SecretKind kind : widget::kAllSecretKinds) {
    for (const StoredSecret& secret : widget.secrets) {
      if (secret.kind != kind) continue;
      absl::StatusOr<WidgetFileEntry> sealed = SealEntry(*aead_, widget.app_id, secret);
      if (!sealed.ok()) return sealed.status();
      entries.push_back(*std::move(sealed));
    }
  }
  const std::string key = WidgetKey(widget.app_id);
  absl::StatusOr<RangeResponse> read = ReadKey(key, deadline);
  if (!read.ok()) return read.status();
  TxnRequest txn;
  ImportResult result = ImportResult::kCreated;
  if (read->kvs().empty()) {
    AddCompare(txn, key, Compare::CREATE, 0);
  } else {
    absl::StatusOr<CachedWidget> held =
        Decode(key, read->kvs(0).value(), read->kvs(0).mod_revision(), nullptr);
    if (!held.ok()) return held.status();
    absl::StatusOr<std::vector<StoredSecret>> held_secrets =
        OpenAll(widget.app_id, held->entries, /*current_only=*/true);
    if (!held_secrets.ok()) return held_secrets.status();
    // etcd's current version of each kind must be one the state directory
    // holds too, with the same key; then the directory is at least as new.
    bool same = held->entries.size() == widget.secrets.size();
    for (const StoredSecret& current : *held_secrets) {
      const StoredSecret* match = nullptr;
      std::uint64_t newest_here = 0;
      for (const StoredSecret& mine : widget.secrets) {
        if (mine.kind != current.kind) continue;
        newest_here = std::max(newest_here, mine.version);
        if (mine.version == current.version) match = &mine;
      }
      if (match == nullptr || match->key.view() != current.key.view()) {
        *why = absl::StrCat("etcd holds ", widget::SecretKindName(current.kind), " version ",
                            current.version, ", which the state directory ",
                            match == nullptr ? "does not have" : "has with another key",
                            " (rotated in etcd since?); left as it is");
        return ImportResult::kRefused;
      }
      if (newest_here != current.version) same = false;
    }
    for (const StoredSecret& mine : widget.secrets) {
      if (CurrentVersionOf(held->entries, mine.kind, Itself) == 0) same = false;
    }
    if (same) return ImportResult::kUnchanged;
    AddCompare(txn, key, Compare::MOD, held->mod_revision);
    result = ImportResult::kUpdated;
  }
  absl::StatusOr<std::string> rotation_id = NewRotationId();
  if (!rotation_id.ok()) return rotation_id.status();
  AddPut(txn, key, EncodeEtcdWidgetValue(*rotation_id, WidgetFileContents{widget.app_id, entries}));
  EtcdClient::TxnOutcome outcome = client_->Txn(txn, deadline);
  if (!outcome.status.ok()) {
    // Safe to run the import again: it compares before it writes.
    return absl::UnavailableError(absl::StrCat("writing ", key, ": ", outcome.status.message(),
                                               "; run the import again to finish"));
  }
  if (!outcome.response.succeeded()) {
    *why = "changed in etcd during the import; left as it is (run the import again)";
    return ImportResult::kRefused;
  }
  return result;
}

}  // namespace identity::store::etcd
