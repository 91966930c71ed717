#ifndef IDENTITY_SERVER_SERVICE_PROTO_MAPPING_H_
#define IDENTITY_SERVER_SERVICE_PROTO_MAPPING_H_

#include <array>
#include <optional>
#include <string>

#include "absl/strings/string_view.h"
#include "identity/v1/identity.pb.h"
#include "server/crypto/jwt_signer.h"
#include "server/store/stored_widget.h"
#include "server/widget/secret_kind.h"

namespace identity::service {

// Where the identity.v1 messages meet the server's own types: every mapping
// between a proto field and a domain value is here, in both directions.

// The secret kind a request names; nullopt for SECRET_KIND_UNSPECIFIED and
// for values this server does not know.
std::optional<widget::SecretKind> KindFromProto(identity::v1::SecretKind kind);

// The proto value of `kind`.
identity::v1::SecretKind KindToProto(widget::SecretKind kind);

// One optional identity claim of an IssueWidgetToken request: the request's
// field and the JWT claim of the same name it becomes.
struct OptionalClaimField {
  absl::string_view name;  // the field's name, which is also the claim's
  bool has;                // whether the request sets the field
  const std::string& value;
  // Whether the contract allows it empty when set (only the name).
  bool allow_empty;
  // The claim in `claims` (OptionalClaimFields' argument) that takes it.
  std::optional<absl::string_view>& claim;
};

// The optional claim fields of `request`, in the contract's order (name,
// account_id, account_external_id, contact_id, contact_external_id), each
// tied to its slot in `claims`. Both must outlive the result.
std::array<OptionalClaimField, 5> OptionalClaimFields(
    const identity::v1::IssueWidgetTokenRequest& request, crypto::WidgetClaims& claims);

// Fills `out` from `info` (which is grouped by kind, newest first): per kind,
// the current version and the previous ones, never a secret.
void ToProto(const store::WidgetInfo& info, identity::v1::Widget& out);

}  // namespace identity::service

#endif  // IDENTITY_SERVER_SERVICE_PROTO_MAPPING_H_
