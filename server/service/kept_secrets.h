#ifndef IDENTITY_SERVER_SERVICE_KEPT_SECRETS_H_
#define IDENTITY_SERVER_SERVICE_KEPT_SECRETS_H_

#include <vector>

#include "absl/status/statusor.h"
#include "server/widget/secret_kind.h"
#include "server/store/stored_widget.h"

namespace identity::service {

// The versions of `widget`'s `kind` secret that the store keeps, newest
// first: the current one, then the previous ones (--previous_versions). The
// pointers point into `widget`. kFailedPrecondition, as an issue call would
// get, if the widget has no secret of that kind.
absl::StatusOr<std::vector<const store::StoredSecret*>> KeptSecrets(
    const store::StoredWidget& widget, widget::SecretKind kind);

}  // namespace identity::service

#endif  // IDENTITY_SERVER_SERVICE_KEPT_SECRETS_H_
