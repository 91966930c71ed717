#ifndef IDENTITY_SERVER_AUTHZ_CALLER_IDENTITY_H_
#define IDENTITY_SERVER_AUTHZ_CALLER_IDENTITY_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace identity::authz {

// Which part of the client certificate named the caller.
enum class PrincipalSource {
  kNone,        // no verified client certificate (plain-text development server)
  kUriSan,      // the first URI subjectAltName, e.g. a SPIFFE ID
  kDnsSan,      // the first DNS subjectAltName (the certificate has no URI SAN)
  kCommonName,  // the subject's CN (the certificate has no URI or DNS SAN)
};

// "uri_san", "dns_san", "common_name" or "none", for logs and audit events.
absl::string_view PrincipalSourceName(PrincipalSource source);

// CallerIdentity is who is calling, as established by mutual TLS: the
// principal that authorization policies, rate limits and audit events use.
//
//   principal "spiffe://corp/ns/billing/sa/api", source kUriSan
//
// The principal comes from the verified client certificate: its first URI
// SAN, else its first DNS SAN, else its subject CN. It is printable UTF-8
// without control characters and at most kMaxPrincipalLength bytes, so it is
// safe to log. A caller without a verified certificate has an empty principal
// and source kNone.
struct CallerIdentity {
  std::string principal;
  PrincipalSource source = PrincipalSource::kNone;

  // Whether a verified client certificate named the caller.
  bool authenticated() const { return source != PrincipalSource::kNone; }
};

// The longest principal accepted.
inline constexpr std::size_t kMaxPrincipalLength = 1024;

// Derives the CallerIdentity from a client certificate in PEM form (the
// leaf). kInvalidArgument if it cannot be parsed; kUnauthenticated if it
// names no usable principal (no URI or DNS SAN and no CN, or a name that is
// empty, too long or holds control characters). Does not verify the
// certificate: TLS already did.
absl::StatusOr<CallerIdentity> CallerIdentityFromCertificatePem(absl::string_view pem);

}  // namespace identity::authz

#endif  // IDENTITY_SERVER_AUTHZ_CALLER_IDENTITY_H_
