#ifndef IDENTITY_SERVER_AUTHZ_CALLER_IDENTITY_H_
#define IDENTITY_SERVER_AUTHZ_CALLER_IDENTITY_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "server/authz/certificate_names.h"

namespace identity::authz {

// Which part of the client certificate named the caller.
enum class PrincipalSource {
  kNone,        // no verified client certificate (plain-text development server)
  kUriSan,      // the certificate's one URI subjectAltName, e.g. a SPIFFE ID
  kDnsSan,      // the first DNS subjectAltName (the certificate has no URI SAN)
  kCommonName,  // the subject's CN (the certificate has no URI or DNS SAN)
};

// "uri_san", "dns_san", "common_name" or "none", for logs and audit events.
absl::string_view PrincipalSourceName(PrincipalSource source);

// The prefixes that say, in a policy and in messages, which certificate field
// a name comes from: "uri:urn:example:x", "dns:billing.corp.example",
// "cn:billing-api". A URI with an authority ("spiffe://…") is written
// without one.
inline constexpr absl::string_view kUriPrefix = "uri:";
inline constexpr absl::string_view kDnsPrefix = "dns:";
inline constexpr absl::string_view kCommonNamePrefix = "cn:";

// CallerIdentity is who is calling, as established by mutual TLS: the
// principal that authorization policies, rate limits and audit events use,
// and where in the certificate it was found. The two go together: a policy
// rule names a source as well as a name, so that a certificate whose CN (or
// DNS SAN) reads "spiffe://corp/ops/alice" is not the operator whose URI SAN
// does.
//
//   CallerIdentity id(PrincipalSource::kDnsSan, "billing.corp.example");
//   id.principal()       // "billing.corp.example" (as audit events record it)
//   id.qualified_name()  // "dns:billing.corp.example" (as policies write it)
//
// A caller without a verified certificate (default-constructed) has an empty
// principal and source kNone.
class CallerIdentity {
 public:
  // An unauthenticated caller.
  CallerIdentity() = default;

  // A caller named `principal` by the certificate field `source` (not kNone);
  // the name must have passed the checks of CallerIdentityFromCertificatePem.
  CallerIdentity(PrincipalSource source, absl::string_view principal);

  PrincipalSource source() const { return source_; }

  // The name as the certificate gives it (a DNS name in lowercase): printable,
  // at most kMaxPrincipalLength bytes, safe to log. Empty when
  // unauthenticated.
  absl::string_view principal() const {
    return absl::string_view(qualified_name_).substr(prefix_length_);
  }

  // The principal as a policy writes it, which says where it came from:
  // "spiffe://corp/ops/alice" for a URI SAN with an authority, "uri:NAME"
  // for any other URI SAN, "dns:NAME", "cn:NAME". Distinct callers have
  // distinct qualified names (a URI SAN whose scheme is "uri", "dns" or "cn"
  // gets the "uri:" prefix too), so it also keys per-caller state such as
  // rate limits. Empty when unauthenticated.
  const std::string& qualified_name() const { return qualified_name_; }

  // Whether a verified client certificate named the caller.
  bool authenticated() const { return source_ != PrincipalSource::kNone; }

 private:
  std::string qualified_name_;
  std::size_t prefix_length_ = 0;
  PrincipalSource source_ = PrincipalSource::kNone;
};

// Derives the CallerIdentity from a client certificate in PEM form (the
// leaf). The principal is the certificate's URI SAN if it has one (more than
// one is refused, as in SPIFFE: which one would be the caller?), else its
// first DNS SAN, else its subject's first CN. The first of these the
// certificate has decides, even if it is unusable: a certificate does not get
// to choose which of its names is checked.
//
// kInvalidArgument if it cannot be parsed; kUnauthenticated if it names no
// usable principal: no URI SAN, DNS SAN or CN; two or more URI SANs; a URI
// SAN that CheckUriName refuses; a DNS SAN that is not a DNS name (IsDnsName,
// after lowering its case: a wildcard, a URI, a space…); a CN that is empty,
// too long or holds control characters. Does not verify the certificate: TLS
// already did.
absl::StatusOr<CallerIdentity> CallerIdentityFromCertificatePem(absl::string_view pem);

}  // namespace identity::authz

#endif  // IDENTITY_SERVER_AUTHZ_CALLER_IDENTITY_H_
