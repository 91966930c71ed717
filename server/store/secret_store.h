#ifndef IDENTITY_SERVER_STORE_SECRET_STORE_H_
#define IDENTITY_SERVER_STORE_SECRET_STORE_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "server/store/stored_widget.h"
#include "server/widget/secret_kind.h"

namespace identity::store {

// StoreSubscription keeps a Subscribe() callback registered; destroying it
// unregisters the callback (waiting for a call in progress to return). It must
// not be destroyed from inside its own callback, and must not outlive its
// store.
class StoreSubscription {
 public:
  virtual ~StoreSubscription() = default;
};

// SecretStore is the durable home of every widget's secrets: the keyring is
// filled from it at start, and a rotation is acknowledged only once the store
// holds it. One small interface, so that the embedded back end (a sealed state
// directory, EmbeddedSecretStore) and the replicated one (etcd,
// EtcdSecretStore) are interchangeable; Subscribe() is what lets a replicated
// back end tell every replica about a rotation made on another.
//
// Every method is thread-safe. Errors: kUnavailable when the back end cannot
// be read or written (retrying may help; nothing changed), except an
// outcome-unknown error (IsOutcomeUnknown below); kAborted for a failed
// compare-and-set; kNotFound for an unknown widget; kInvalidArgument for a
// caller's mistake. Messages never contain a secret.
//
// Outcome unknown: a replicated back end sends a write over the network, and
// once it is sent, a lost answer does not mean that nothing changed (etcd
// commits such a write later, once it has a quorum again). Such a back end
// reads back what happened until the caller's deadline; only when it still
// cannot tell does it return kUnavailable marked with OutcomeUnknownError(),
// whose message says how to find out. The embedded back end never does.
class SecretStore {
 public:
  // Called after each committed change, in commit order, on the thread that
  // made it (or the back end's watch thread): `app_id` and the secrets the
  // change added (one for a compare-and-set; a created widget's initial
  // secrets, possibly none). The callback must return quickly and must not
  // change the store; it may read it.
  using ChangeCallback =
      std::function<void(absl::string_view app_id, absl::Span<const StoredSecret> added)>;

  virtual ~SecretStore() = default;

  // Every widget the store holds, ordered by app_id, with the keys of every
  // kept version (each kind newest first).
  virtual absl::StatusOr<std::vector<StoredWidget>> LoadAll() const = 0;

  // Registers `widget` with its initial secrets (at most one version per
  // kind, each version 1 with kind and key valid), durably. kAlreadyExists,
  // with nothing changed, if the store knows the widget. Used to seed widgets
  // from the config on first start.
  virtual absl::Status CreateWidget(const StoredWidget& widget) = 0;

  // Makes `next` the current secret of its kind for `app_id` if the current
  // version of that kind is `expected_version` (0: none yet), durably; the
  // widget is registered if new. `next.version` must be expected_version + 1.
  // The previous current version joins the kept history, and the oldest
  // kept version beyond the store's limit is dropped. kAborted if the current
  // version differs; kUnavailable if the change could not be made durable. In
  // both cases the store is unchanged.
  virtual absl::Status CompareAndSet(absl::string_view app_id, std::uint64_t expected_version,
                                     const StoredSecret& next) = 0;

  // CompareAndSet, with every call to a remote back end ended by `deadline`
  // (the caller's). On a lost answer the result may be an outcome-unknown
  // kUnavailable (see above): then the store may or may not hold `next`.
  // The default, for local back ends, ignores the deadline.
  virtual absl::Status CompareAndSetBefore(absl::string_view app_id,
                                           std::uint64_t expected_version,
                                           const StoredSecret& next, absl::Time deadline) {
    (void)deadline;
    return CompareAndSet(app_id, expected_version, next);
  }

  // The current version of the `kind` secret of `app_id` as the store holds it
  // now (0: unknown widget, or none of that kind): for a replicated back end,
  // a linearizable read, which may be newer than what this replica's keyring
  // has seen yet. Calls to a remote back end end by `deadline`.
  virtual absl::StatusOr<std::uint64_t> CurrentVersion(absl::string_view app_id,
                                                       widget::SecretKind kind,
                                                       absl::Time deadline) const;

  // The versions kept for `app_id`, without keys. kNotFound if unknown.
  virtual absl::StatusOr<WidgetInfo> GetWidget(absl::string_view app_id) const = 0;

  // One widget as LoadAll returns it: every kept version with its key (each
  // kind newest first), as the store holds it now (for a replicated back end,
  // a linearizable read, like GetWidget). For checking a proof against the
  // previous versions, which the keyring does not hold. kNotFound if unknown.
  virtual absl::StatusOr<StoredWidget> LoadWidget(absl::string_view app_id) const = 0;

  // Up to `limit` widgets, ordered by app_id (byte-wise), starting with the
  // first app_id greater than `start_after` ("" starts at the beginning).
  // This is the shape of a range read, so that ListWidgets can page through
  // any number of widgets on every back end.
  virtual absl::StatusOr<std::vector<WidgetInfo>> ListWidgets(absl::string_view start_after,
                                                              std::size_t limit) const = 0;

  // Calls `callback` after every later change, until the returned
  // subscription is destroyed.
  virtual std::unique_ptr<StoreSubscription> Subscribe(ChangeCallback callback) = 0;
};

// Marks `message` as an outcome-unknown kUnavailable (see SecretStore).
absl::Status OutcomeUnknownError(absl::string_view message);

// Whether `status` came from OutcomeUnknownError.
bool IsOutcomeUnknown(const absl::Status& status);

}  // namespace identity::store

#endif  // IDENTITY_SERVER_STORE_SECRET_STORE_H_
