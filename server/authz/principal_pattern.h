#ifndef IDENTITY_SERVER_AUTHZ_PRINCIPAL_PATTERN_H_
#define IDENTITY_SERVER_AUTHZ_PRINCIPAL_PATTERN_H_

#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "server/authz/caller_identity.h"
#include "server/authz/name_pattern.h"

namespace identity::authz {

// PrincipalPattern matches callers in a policy rule: which certificate field
// the name must come from, and a NamePattern ("*", "prefix*" or exact) over
// that name. The forms (the source prefixes in any case):
//
//   "spiffe://corp/ops/*"   a URI SAN: any "SCHEME://…" is one (the usual case)
//   "uri:urn:corp:billing"  a URI SAN, written out ("uri:*": any URI SAN)
//   "dns:billing.corp.example"  a DNS SAN (compared in lowercase; "dns:*")
//   "cn:billing-api"        the subject CN, byte for byte ("cn:*")
//   "*"                     any authenticated caller, whatever names it
//
// A name from one field never matches a pattern for another: a certificate
// whose CN or DNS SAN reads "spiffe://corp/ops/alice" does not match
// "spiffe://corp/ops/*". A name without a source ("billing.corp.example":
// a DNS SAN or a CN?) is refused, as is a "cn:" pattern that looks like a
// URI (a URI is trusted only from a URI SAN) and an exact name no
// certificate could carry (see CallerIdentityFromCertificatePem).
class PrincipalPattern {
 public:
  // Parses `text`. kInvalidArgument with the reason (naming `text`) if it
  // breaks a rule above.
  static absl::StatusOr<PrincipalPattern> Parse(absl::string_view text);

  // Whether `caller` matches: same source (unless the pattern is "*") and a
  // matching name. An unauthenticated caller never matches.
  bool Matches(const CallerIdentity& caller) const;

  // The source this pattern requires; nullopt for "*".
  std::optional<PrincipalSource> source() const { return source_; }
  // The pattern over the name, without the source prefix.
  const NamePattern& name() const { return name_; }

 private:
  PrincipalPattern(std::optional<PrincipalSource> source, NamePattern name)
      : source_(source), name_(std::move(name)) {}

  std::optional<PrincipalSource> source_;
  NamePattern name_;
};

}  // namespace identity::authz

#endif  // IDENTITY_SERVER_AUTHZ_PRINCIPAL_PATTERN_H_
