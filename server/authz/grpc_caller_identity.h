#ifndef IDENTITY_SERVER_AUTHZ_GRPC_CALLER_IDENTITY_H_
#define IDENTITY_SERVER_AUTHZ_GRPC_CALLER_IDENTITY_H_

#include <grpcpp/security/auth_context.h>
#include <grpcpp/server_context.h>

#include "absl/status/statusor.h"
#include "server/authz/caller_identity.h"

namespace identity::authz {

// Returns the identity of the caller of the call behind `context`: the
// principal of its verified client certificate (see CallerIdentity), or an
// unauthenticated identity (source kNone) on a connection without one (a
// plain-text development server). kUnauthenticated if the certificate names
// no usable principal. This is the one gRPC-facing piece of authz: handlers
// call it once per call and hand the result to the authorizer, the rate
// limiter and the audit log.
//
// Parsing a certificate costs tens of microseconds, so results are cached per
// certificate (a bounded, process-wide cache keyed by the PEM text); a cached
// lookup costs a hash of the PEM and a short lock.
absl::StatusOr<CallerIdentity> CallerIdentityFromContext(const grpc::ServerContextBase& context);

// The same, from the call's grpc::AuthContext (what
// ServerContextBase::auth_context() returns), for code that holds only that,
// e.g. an audit event builder:
//
//   absl::StatusOr<authz::CallerIdentity> caller =
//       authz::CallerIdentityFromAuthContext(*context->auth_context());
//   // caller->principal(): "spiffe://corp/ns/billing/sa/api"
absl::StatusOr<CallerIdentity> CallerIdentityFromAuthContext(const grpc::AuthContext& auth);

}  // namespace identity::authz

#endif  // IDENTITY_SERVER_AUTHZ_GRPC_CALLER_IDENTITY_H_
