#ifndef IDENTITY_SERVER_SERVICE_SECRET_ROTATOR_H_
#define IDENTITY_SERVER_SERVICE_SECRET_ROTATOR_H_

#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <variant>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "server/crypto/secret_bytes.h"
#include "server/keyring/keyring.h"
#include "server/store/secret_store.h"
#include "server/widget/secret_kind.h"

namespace identity::service {

// Asks the rotator to generate the new secret from the CSPRNG.
struct GenerateSecret {};

// Where a rotation's new secret comes from: the secret as the widget vendor
// displays it (imported), or generated here.
using SecretSource = std::variant<crypto::SecretBytes, GenerateSecret>;

// A rotation about to be applied: what the audit log records before it is.
struct RotationPlan {
  std::uint64_t old_version = 0;  // 0: the rotation registers the widget
  std::uint64_t new_version = 0;
  std::string fingerprint;        // of the new secret
  bool generated = false;
};

// Called once a rotation is ready and before anything changes; an error
// refuses the rotation (returned by Rotate() as is) and nothing changes.
using BeforeApply = std::function<absl::Status(const RotationPlan&)>;

// The outcome of a rotation.
struct RotationResult {
  std::uint64_t version = 0;
  std::string fingerprint;
  // Set only for a generated secret: its displayed form, to return once.
  std::optional<crypto::SecretBytes> generated_secret;
};

// SecretRotator carries out RotateSecret after the request has been validated
// and authorised: parse or generate the secret, check expected_version, build
// the new version, write it to the store (durable compare-and-set), install it
// in the keyring. Rotations are serialised (they are rare), so "read the
// current version, then install current + 1" cannot interleave with another
// rotation of this process; another replica's is stopped by the store's
// compare-and-set. A rotation blocks on the store's disk sync: call Rotate() from a
// thread that may block, not from a gRPC callback.
class SecretRotator {
 public:
  using Clock = std::function<absl::Time()>;
  // `keyring` and `store` must outlive the rotator and hold the same state
  // (the keyring filled from the store at start).
  SecretRotator(keyring::Keyring& keyring, store::SecretStore& store, Clock clock);

  // Rotates (or registers) the `kind` secret of `app_id`. kInvalidArgument for
  // a secret that breaks the kind's rules (message prefixed "secret: "),
  // kAborted if `expected_version` is set and differs from the current version,
  // kUnavailable if the store could not make the rotation durable (details in
  // the server log), or `before_apply`'s error; in all these cases nothing
  // changes. One exception: a replicated store that sent the write and lost
  // its answer, and could not learn the outcome by `deadline`, gives an
  // outcome-unknown kUnavailable (store::IsOutcomeUnknown) whose message says
  // so and how to check; the rotation may then take effect later.
  // `before_apply` (if set) runs after those checks, just before the store
  // write (the audit record of a rotation precedes the rotation). The keyring
  // serves the new version only after the store holds it. `deadline` (the
  // caller's) bounds every call the store makes to a remote back end.
  absl::StatusOr<RotationResult> Rotate(absl::string_view app_id, widget::SecretKind kind,
                                        SecretSource source,
                                        std::optional<std::uint64_t> expected_version,
                                        const BeforeApply& before_apply = nullptr,
                                        absl::Time deadline = absl::InfiniteFuture());

 private:
  keyring::Keyring& keyring_;
  store::SecretStore& store_;
  const Clock clock_;
  std::mutex mu_;  // serialises Rotate()
};

}  // namespace identity::service

#endif  // IDENTITY_SERVER_SERVICE_SECRET_ROTATOR_H_
