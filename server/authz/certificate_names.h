#ifndef IDENTITY_SERVER_AUTHZ_CERTIFICATE_NAMES_H_
#define IDENTITY_SERVER_AUTHZ_CERTIFICATE_NAMES_H_

#include <cstddef>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace identity::authz {

// The syntax of the names a client certificate can give its holder, in one
// place: the certificate parser checks a certificate's names with these, and
// the policy parser checks that a pattern could match such a name at all.

// The longest name accepted as a principal, whatever its source.
inline constexpr std::size_t kMaxPrincipalLength = 1024;

// The length of the RFC 3986 scheme that `text` starts with when a ':'
// follows it (ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) ":"), else 0:
//   UriSchemeLength("spiffe://corp/x") == 6, UriSchemeLength("urn:a") == 3,
//   UriSchemeLength("billing.corp") == 0
std::size_t UriSchemeLength(absl::string_view text);

// Whether `text` starts with "SCHEME://", the shape of a URI with an
// authority (a SPIFFE ID, an https URL): the names a policy may write
// without a "uri:" prefix.
bool StartsWithSchemeAndAuthority(absl::string_view text);

// Whether every character of `text` may appear in a URI as a certificate
// gives it: printable ASCII without spaces.
bool HasOnlyUriCharacters(absl::string_view text);

// OK if `uri` may name a caller as a URI SAN: an absolute URI (it has a
// scheme) of printable ASCII without spaces, at most kMaxPrincipalLength
// bytes. A "spiffe:" URI must moreover be a valid SPIFFE ID: "spiffe://",
// a trust domain of [a-z0-9._-], then path segments of [A-Za-z0-9._-]
// (none empty, ".", or ".."), no query, fragment, port or user. Else
// kInvalidArgument saying which rule is broken (without the URI).
absl::Status CheckUriName(absl::string_view uri);

// Whether `name` is a DNS host name as a certificate's DNS SAN may give it
// (RFC 5280's preferred name syntax, in lowercase, plus '_'): dot-separated
// labels of [a-z0-9_-], each 1..63 characters, not starting or ending with
// '-', at most 253 characters in all, no trailing dot and no wildcard.
bool IsDnsName(absl::string_view name);

// Whether every character of `text` may appear in a DNS name ([a-z0-9._-]);
// for the fixed part of a DNS prefix pattern.
bool HasOnlyDnsNameCharacters(absl::string_view text);

// Whether `name` is usable as a subject CN principal: non-empty, at most
// kMaxPrincipalLength bytes, and free of control characters (it ends up in
// logs, audit events and error messages).
bool IsUsableCommonName(absl::string_view name);

}  // namespace identity::authz

#endif  // IDENTITY_SERVER_AUTHZ_CERTIFICATE_NAMES_H_
