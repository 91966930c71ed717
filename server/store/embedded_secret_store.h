#ifndef IDENTITY_SERVER_STORE_EMBEDDED_SECRET_STORE_H_
#define IDENTITY_SERVER_STORE_EMBEDDED_SECRET_STORE_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/container/btree_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "server/crypto/aes256_gcm.h"
#include "server/crypto/fingerprint.h"
#include "server/crypto/secret_bytes.h"
#include "server/store/secret_store.h"
#include "server/store/state_directory.h"
#include "server/store/widget_file.h"

namespace identity::store {

// EmbeddedSecretStore is the default SecretStore: a state directory on local
// disk (layout and crash safety: state_directory.h; file format:
// widget_file.h), with every key sealed with AES-256-GCM under a 32-byte
// master key. It keeps an index of every widget in memory (versions, times,
// fingerprints and the sealed keys, never a plain key), so reads never touch
// the disk and a write rewrites one widget's file from memory.
//
// Only one process may use a state directory at a time (a lock file enforces
// it), so this process is the only writer and Subscribe() reports exactly the
// changes made through this object.
//
// Without a directory (OpenInMemory) it behaves the same but writes nothing:
// the development mode of identityd without --state_dir. It then seals under a
// random key that dies with the process, so both modes run the same code.
class EmbeddedSecretStore final : public SecretStore {
 public:
  // How many versions older than the current one are kept per kind, by
  // default and at most.
  static constexpr std::size_t kDefaultPreviousVersions = 2;
  static constexpr std::size_t kMaxPreviousVersions = 99;

  struct Options {
    // Versions older than the current one kept per kind (0..99). Lowering it
    // trims a widget's history at that widget's next rotation.
    std::size_t previous_versions = kDefaultPreviousVersions;
  };

  // Makes a new state directory at `path` for `master_key` (see
  // StateDirectory::Create: `path` must not exist yet; kAlreadyExists, with
  // nothing changed, if it does). Initialising is an explicit act, never a
  // side effect of Open: `identityd --init_state_dir`.
  static absl::Status Initialise(const std::string& path, const crypto::SecretBytes& master_key);

  // Opens the initialised state directory `path`, checks that it can be
  // trusted (state_directory.h), reads every widget file and opens every
  // sealed key, so that any damage is found now rather than at some later
  // call. Creates nothing (but a missing LOCK). Errors start with the path of
  // the file at fault and change nothing on disk:
  //   kNotFound          not initialised (missing, or neither KEYCHECK nor
  //                      widgets/): see Initialise;
  //   kPermissionDenied  the master key is not the directory's (KEYCHECK);
  //   kDataLoss          a file is damaged, truncated or altered, or KEYCHECK
  //                      or widgets/ is missing while the other exists;
  //   kFailedPrecondition an unexpected file, a newer format, a symbolic
  //                      link, or an owner or mode that cannot be trusted;
  //   kUnavailable       an I/O error, or another process holds the lock;
  //   kInvalidArgument   a master key that is not 32 bytes, or bad options.
  static absl::StatusOr<std::unique_ptr<EmbeddedSecretStore>> Open(
      const std::string& path, const crypto::SecretBytes& master_key, Options options);

  // A store that keeps everything in memory only (nothing survives the
  // process).
  static absl::StatusOr<std::unique_ptr<EmbeddedSecretStore>> OpenInMemory(Options options);

  ~EmbeddedSecretStore() override;

  // Whether changes are written to a state directory.
  bool persistent() const { return dir_ != nullptr; }

  absl::StatusOr<std::vector<StoredWidget>> LoadAll() const override;
  absl::Status CreateWidget(const StoredWidget& widget) override;
  absl::Status CompareAndSet(absl::string_view app_id, std::uint64_t expected_version,
                             const StoredSecret& next) override;
  absl::StatusOr<WidgetInfo> GetWidget(absl::string_view app_id) const override;
  absl::StatusOr<StoredWidget> LoadWidget(absl::string_view app_id) const override;
  absl::StatusOr<std::vector<WidgetInfo>> ListWidgets(absl::string_view start_after,
                                                      std::size_t limit) const override;
  std::unique_ptr<StoreSubscription> Subscribe(ChangeCallback callback) override;

 private:
  class Subscription;

  // One kept version: its file entry (with the sealed key) and fingerprint.
  // The fingerprint is inline: as a std::string its 16 characters would not
  // fit the small-string buffer, and a heap block per version costs 32 bytes
  // (64 per widget with both kinds; see docs/benchmarks.md, memory per widget).
  struct Kept {
    WidgetFileEntry entry;
    std::array<char, crypto::kFingerprintLength> fingerprint;

    void SetFingerprint(absl::string_view hex);
    absl::string_view Fingerprint() const {
      return absl::string_view(fingerprint.data(), fingerprint.size());
    }
  };
  // Grouped by kind in kAllSecretKinds order, each kind newest first: the
  // order of the widget file. Built at its final size (one heap block of
  // exactly its versions).
  using Widget = std::vector<Kept>;

  EmbeddedSecretStore(std::unique_ptr<crypto::Aes256Gcm> aead,
                      std::unique_ptr<StateDirectory> dir, Options options);

  absl::Status LoadDirectory();
  absl::StatusOr<Kept> Seal(absl::string_view app_id, const StoredSecret& secret) const;
  absl::StatusOr<crypto::SecretBytes> OpenKey(absl::string_view app_id,
                                              const WidgetFileEntry& entry) const;
  absl::Status Persist(absl::string_view app_id, const Widget& widget);
  void Notify(absl::string_view app_id, absl::Span<const StoredSecret> added);
  static WidgetInfo Describe(absl::string_view app_id, const Widget& widget);

  const std::unique_ptr<crypto::Aes256Gcm> aead_;
  const std::unique_ptr<StateDirectory> dir_;  // null: memory only
  const Options options_;

  // Serialises writers, across their disk I/O, and guards subscribers_.
  // Writers change widgets_ only while also holding mu_, so a writer may read
  // widgets_ under write_mu_ alone. Order: write_mu_ before mu_.
  std::mutex write_mu_;
  // Guards widgets_ for readers; held only for memory operations, never for
  // I/O, so reads do not wait for a rotation's fsync.
  mutable std::mutex mu_;
  absl::btree_map<std::string, Widget> widgets_;
  std::map<std::uint64_t, ChangeCallback> subscribers_;  // guarded by write_mu_
  std::uint64_t next_subscriber_id_ = 1;                 // guarded by write_mu_
};

}  // namespace identity::store

#endif  // IDENTITY_SERVER_STORE_EMBEDDED_SECRET_STORE_H_
