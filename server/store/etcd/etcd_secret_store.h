#ifndef IDENTITY_SERVER_STORE_ETCD_ETCD_SECRET_STORE_H_
#define IDENTITY_SERVER_STORE_ETCD_ETCD_SECRET_STORE_H_

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/container/btree_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "server/crypto/aes256_gcm.h"
#include "server/crypto/secret_bytes.h"
#include "server/store/etcd/etcd_client.h"
#include "server/metrics/store_metrics.h"
#include "server/store/secret_store.h"
#include "server/store/widget_file.h"

namespace identity::store::etcd {

// EtcdSecretStore is the replicated SecretStore: every replica of identityd
// keeps its widgets in one etcd v3 cluster, under a key prefix (README,
// "Running replicas"):
//
//   PREFIX keycheck          the key check (key_check.h), made once
//   PREFIX widgets/APP_ID    one widget (etcd_widget_value.h)
//
// Keys are sealed under the master key exactly as in a state directory
// (sealed_entry.h), so etcd, its snapshots and its backups never hold a usable
// secret.
//
// Writes: a rotation is a linearizable read of the widget's key, then one
// transaction that puts the new value only if the key's mod_revision is still
// the one read: two replicas racing on one version cannot both win. A write
// whose answer is lost is resolved before replying (see CompareAndSetBefore).
//
// Reads: Open() loads every widget, page by page, every page pinned to the
// revision of the first, then watches the widgets' prefix from that revision
// + 1 and reports each change to Subscribe()'s callbacks. A broken or silent
// watch (a member down, stopped or cut off) is re-established from the last
// revision seen on another member; a compacted revision makes it reload
// everything and report what differs. While etcd cannot be reached, the
// callbacks simply receive nothing: the keyring keeps serving what it holds,
// and the log says how stale it may be (freshness()).
class EtcdSecretStore final : public SecretStore {
 public:
  struct Options {
    EtcdClientOptions client;
    // Prefix of every key; must end with '/'.
    std::string prefix = "/identityd/";
    // Versions older than the current one kept per kind (0..99).
    std::size_t previous_versions = 2;
    // The longest a store operation may take when its caller gives no
    // earlier deadline (start-up reads, the widget views, seeding).
    absl::Duration call_timeout = absl::Seconds(5);
    // The longest GetWidget and ListWidgets wait for etcd (identityd serves
    // them on a worker of their own, one at a time, so a slow etcd must not
    // hold the next operator's view long).
    absl::Duration view_timeout = absl::Seconds(1);
    // Silence on the watch stream after which its member is given up for
    // another (a progress request goes out every stall_timeout / 3).
    absl::Duration stall_timeout = absl::Seconds(3);
    // Widgets per Range page at start-up and on reload.
    std::size_t page_size = 500;
    // Where the replica reports the revision it reflects, how far behind the
    // newest revision it has heard of it is, and its reloads (may be null;
    // must outlive the store).
    metrics::StoreMetrics* metrics = nullptr;
  };

  // Connects, makes the key check if the prefix has none (a transaction that
  // succeeds only while the key does not exist, so that concurrent first
  // starts agree on one), checks the master key against it, loads every
  // widget and starts watching. kPermissionDenied if the master key is not
  // the one the prefix was made with; kDataLoss for a value that is damaged or
  // does not open; kUnavailable if etcd cannot be reached in call_timeout.
  static absl::StatusOr<std::unique_ptr<EtcdSecretStore>> Open(
      const Options& options, const crypto::SecretBytes& master_key);

  // Stops watching (waits for a callback in progress).
  ~EtcdSecretStore() override;

  // The widgets as of the last change applied from etcd (memory only).
  absl::StatusOr<std::vector<StoredWidget>> LoadAll() const override;
  absl::Status CreateWidget(const StoredWidget& widget) override;
  absl::Status CompareAndSet(absl::string_view app_id, std::uint64_t expected_version,
                             const StoredSecret& next) override;
  // Read, then a transaction on the key's mod_revision (retried while only
  // the other kind changed in between). Before the transaction is sent, any
  // failure is kUnavailable with nothing changed. Once it may have been sent
  // and its answer is lost, reads the key back until `deadline`: the write's
  // rotation id there means it committed (OK); another write there means it
  // never can (kAborted); the key unchanged is settled by a fencing
  // transaction that rewrites the same value only if the key is still
  // unchanged, after which the lost write can never commit (kUnavailable,
  // nothing changed). If none of that could be done in time, an
  // outcome-unknown kUnavailable that names the rotation id, the version and
  // fingerprint to look for with `identityctl widget APP_ID`.
  absl::Status CompareAndSetBefore(absl::string_view app_id, std::uint64_t expected_version,
                                   const StoredSecret& next, absl::Time deadline) override;
  absl::StatusOr<std::uint64_t> CurrentVersion(absl::string_view app_id, widget::SecretKind kind,
                                               absl::Time deadline) const override;
  // Linearizable reads of etcd (not the replica's memory), within
  // view_timeout; kUnavailable if etcd does not answer in time.
  absl::StatusOr<WidgetInfo> GetWidget(absl::string_view app_id) const override;
  absl::StatusOr<StoredWidget> LoadWidget(absl::string_view app_id) const override;
  absl::StatusOr<std::vector<WidgetInfo>> ListWidgets(absl::string_view start_after,
                                                      std::size_t limit) const override;
  std::unique_ptr<StoreSubscription> Subscribe(ChangeCallback callback) override;

  // How current this replica's view is.
  struct Freshness {
    // The etcd revision up to which every change has been applied.
    std::int64_t revision = 0;
    // When etcd last confirmed that (a watch message or a reload).
    absl::Time confirmed_at;
    // Whether a watch stream is established now.
    bool watching = false;
  };
  Freshness freshness() const;

  // What ImportWidget did.
  enum class ImportResult {
    kCreated,    // etcd did not know the widget: it holds it now
    kUpdated,    // etcd held an older state of it (each kind's current version
                 // is in `widget`'s history, same key): it holds `widget` now
    kUnchanged,  // etcd holds exactly these versions already
    kRefused,    // etcd holds a newer or a different version: left as it is
  };
  // Copies `widget` (every kept version, sealed anew) into etcd: the one-shot
  // move from a state directory (identityd --import_state_dir). Idempotent:
  // a second run finds the same versions (kUnchanged); a widget rotated in
  // etcd since is never overwritten (kRefused, with the reason in `why`).
  absl::StatusOr<ImportResult> ImportWidget(const StoredWidget& widget, absl::Time deadline,
                                            std::string* why);

  const std::string& prefix() const { return options_.prefix; }

 private:
  class Subscription;
  struct CachedWidget {
    std::int64_t mod_revision = 0;
    std::vector<WidgetFileEntry> entries;
  };
  using Cache = absl::btree_map<std::string, CachedWidget>;

  EtcdSecretStore(const Options& options, std::unique_ptr<EtcdClient> client,
                  std::unique_ptr<crypto::Aes256Gcm> aead);

  std::string WidgetKey(absl::string_view app_id) const;
  absl::Status CheckMasterKey(absl::Time deadline);
  // Every widget at one revision, page by page.
  absl::Status LoadPinned(absl::Time deadline, Cache& out, std::int64_t& out_revision) const;
  // Decodes a widget key's value and opens every key in it (the master key
  // and the bindings are checked). kDataLoss naming the key.
  absl::StatusOr<CachedWidget> Decode(absl::string_view key, absl::string_view value,
                                      std::int64_t mod_revision,
                                      std::vector<StoredSecret>* out_current) const;
  absl::StatusOr<std::vector<StoredSecret>> OpenAll(absl::string_view app_id,
                                                    const std::vector<WidgetFileEntry>& entries,
                                                    bool current_only) const;
  WidgetInfo Describe(absl::string_view app_id, const std::vector<WidgetFileEntry>& entries) const;
  // The widget as etcd holds it now (a linearizable read within
  // view_timeout), for GetWidget and LoadWidget: kUnavailable if etcd does not
  // answer, kNotFound if it holds no such widget.
  absl::StatusOr<CachedWidget> ReadWidget(absl::string_view app_id) const;
  absl::StatusOr<etcdserverpb::RangeResponse> ReadKey(const std::string& key,
                                                      absl::Time deadline) const;
  absl::Status ResolveLostWrite(absl::string_view app_id, const std::string& key,
                                std::int64_t read_mod_revision, const std::string& rotation_id,
                                const WidgetFileEntry& sealed, const std::string& fingerprint,
                                absl::Time deadline, const absl::Status& send_error);

  // The change feed.
  void WatchLoop();
  void KeeperLoop();
  // Applies one watched event (or a reload) to the cache and reports it.
  void ApplyPut(const mvccpb::KeyValue& kv);
  void ApplyDelete(const mvccpb::KeyValue& kv);
  // Reloads everything and reports the widgets that differ.
  absl::Status ReloadAndDiff();
  void Notify(absl::string_view app_id, const std::vector<StoredSecret>& current);

  const Options options_;
  const std::unique_ptr<EtcdClient> client_;
  const std::unique_ptr<crypto::Aes256Gcm> aead_;
  const std::string widget_prefix_;

  // Guards the cache and the feed's state.
  mutable std::mutex mu_;
  Cache cache_;
  std::int64_t revision_ = 0;
  // The newest etcd revision any response has shown (guarded by mu_).
  mutable std::int64_t newest_heard_ = 0;
  // Records `heard` and reports revision_ and the lag to options_.metrics.
  // Call with mu_ held.
  void NoteRevisionLocked(std::int64_t heard) const;
  absl::Time confirmed_at_;
  absl::Time last_heard_;
  bool watching_ = false;
  bool stopping_ = false;
  std::condition_variable stop_cv_;
  grpc::ClientContext* watch_context_ = nullptr;
  grpc::ClientReaderWriter<etcdserverpb::WatchRequest, etcdserverpb::WatchResponse>*
      watch_stream_ = nullptr;

  // Serialises callbacks and guards subscribers_; a Subscription's destructor
  // takes it, so it waits for a callback in progress. Order: notify_mu_
  // before mu_.
  std::mutex notify_mu_;
  std::map<std::uint64_t, ChangeCallback> subscribers_;
  std::uint64_t next_subscriber_id_ = 1;

  std::thread watch_thread_;
  std::thread keeper_thread_;
};

}  // namespace identity::store::etcd

#endif  // IDENTITY_SERVER_STORE_ETCD_ETCD_SECRET_STORE_H_
