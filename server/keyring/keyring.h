#ifndef IDENTITY_SERVER_KEYRING_KEYRING_H_
#define IDENTITY_SERVER_KEYRING_KEYRING_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "server/keyring/secret_version.h"
#include "server/widget/secret_kind.h"

namespace identity::keyring {

// Keyring holds, for every registered widget (app_id) and each secret kind,
// the current SecretVersion. It is the in-memory source of truth that every
// issue call reads; it knows nothing of storage or of gRPC.
//
// Reads never lock: finding a widget is a probe of a table reached through one
// atomic pointer (acquire loads only, no shared cache line written), and
// taking its current version is one load of a std::atomic<std::shared_ptr>,
// which keeps the version alive for as long as the caller holds it.
// Writes (registration, Install) are serialised by one mutex: they are rare,
// and each costs the same whatever the number of widgets, except the
// occasional doubling of the table on registration.
//
// Widgets are never removed (the API has no deletion), which is what makes the
// unlocked lookup safe: a widget, once published, lives as long as the
// keyring.
class Keyring {
 public:
  Keyring();
  ~Keyring();
  Keyring(const Keyring&) = delete;
  Keyring& operator=(const Keyring&) = delete;

  // Returns the current `kind` secret of `app_id`. kNotFound if no widget has
  // that app_id; kFailedPrecondition if the widget has no secret of that kind.
  absl::StatusOr<std::shared_ptr<const SecretVersion>> Current(absl::string_view app_id,
                                                               widget::SecretKind kind) const;

  // Returns the current version number of the `kind` secret of `app_id`, 0 if
  // the widget is unknown or has no secret of that kind.
  std::uint64_t CurrentVersion(absl::string_view app_id, widget::SecretKind kind) const;

  // Registers `app_id` with no secrets, if it is not registered yet. A
  // registered widget without a secret answers kFailedPrecondition, not
  // kNotFound.
  void Register(absl::string_view app_id);

  // Makes `next` the current secret of its kind for `app_id` if the current
  // version is `expected_version` (0: no secret of that kind yet), registering
  // the widget if needed. kAborted, with nothing changed, otherwise. Readers
  // see either the old version or `next`, never anything in between.
  absl::Status Install(absl::string_view app_id, std::shared_ptr<const SecretVersion> next,
                       std::uint64_t expected_version);

  // Makes `next` the current secret of its kind for `app_id` if it is newer
  // (a higher version) than the current one, registering the widget if
  // needed; returns whether it did. For a keyring that follows a replicated
  // store: the same version may arrive twice (from this replica's rotation and
  // from the store's change feed), and an older one late. Readers see either
  // the old version or `next`, as with Install.
  bool InstallIfNewer(absl::string_view app_id, std::shared_ptr<const SecretVersion> next);

  // The number of registered widgets.
  std::size_t size() const;

  // The app_ids of all registered widgets, in no particular order.
  std::vector<std::string> AppIds() const;

 private:
  struct Widget;
  struct Table;

  const Widget* Find(absl::string_view app_id) const;
  Widget* FindOrAddLocked(absl::string_view app_id);

  // The table readers probe. Old tables stay alive (in tables_) until the
  // keyring is destroyed, because a reader may still be probing one; they add
  // up to less than the current table.
  std::atomic<const Table*> table_{nullptr};

  // Guards every write. std::mutex rather than absl::Mutex: ThreadSanitizer
  // intercepts pthread mutexes, whereas Debian's Abseil is built without the
  // annotations it would need to see absl::Mutex synchronise.
  mutable std::mutex write_mu_;
  std::vector<std::unique_ptr<Table>> tables_;    // guarded by write_mu_
  std::vector<std::unique_ptr<Widget>> widgets_;  // guarded by write_mu_
};

}  // namespace identity::keyring

#endif  // IDENTITY_SERVER_KEYRING_KEYRING_H_
