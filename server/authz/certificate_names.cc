#include "server/authz/certificate_names.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace identity::authz {
namespace {

bool IsLowerAlnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

// The characters SPIFFE allows in a trust domain, and in a path segment.
bool IsTrustDomainChar(char c) { return IsLowerAlnum(c) || c == '.' || c == '-' || c == '_'; }
bool IsSpiffePathChar(char c) {
  return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_';
}

// The SPIFFE ID rules (SPIFFE-ID.md, "SPIFFE Identity"): the same ID must
// have one spelling only, so that a prefix rule such as
// "spiffe://corp/ops/*" cannot be reached by "spiffe://corp/ops/../admin" or
// by another case of the trust domain.
absl::Status CheckSpiffeId(absl::string_view uri) {
  constexpr absl::string_view kScheme = "spiffe://";
  if (!absl::StartsWith(uri, kScheme)) {
    return absl::InvalidArgumentError("a SPIFFE ID must start with \"spiffe://\" in lowercase");
  }
  absl::string_view rest = uri.substr(kScheme.size());
  const std::size_t slash = rest.find('/');
  const absl::string_view trust_domain = rest.substr(0, slash);
  if (trust_domain.empty()) {
    return absl::InvalidArgumentError("a SPIFFE ID must name a trust domain");
  }
  for (char c : trust_domain) {
    if (!IsTrustDomainChar(c)) {
      return absl::InvalidArgumentError(
          "a SPIFFE ID's trust domain may only use [a-z0-9._-] (no upper case, port or user)");
    }
  }
  if (slash == absl::string_view::npos) return absl::OkStatus();
  for (absl::string_view segment : absl::StrSplit(rest.substr(slash + 1), '/')) {
    if (segment.empty() || segment == "." || segment == "..") {
      return absl::InvalidArgumentError(
          "a SPIFFE ID's path must not have empty, \".\" or \"..\" segments (nor end with '/')");
    }
    for (char c : segment) {
      if (!IsSpiffePathChar(c)) {
        return absl::InvalidArgumentError(
            "a SPIFFE ID's path may only use [A-Za-z0-9._-] (no query, fragment or "
            "percent-encoding)");
      }
    }
  }
  return absl::OkStatus();
}

}  // namespace

std::size_t UriSchemeLength(absl::string_view text) {
  if (text.empty() || !absl::ascii_isalpha(static_cast<unsigned char>(text[0]))) return 0;
  for (std::size_t i = 1; i < text.size(); ++i) {
    const char c = text[i];
    if (c == ':') return i;
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '+' && c != '-' && c != '.') {
      return 0;
    }
  }
  return 0;
}

bool StartsWithSchemeAndAuthority(absl::string_view text) {
  const std::size_t scheme = UriSchemeLength(text);
  return scheme > 0 && absl::StartsWith(text.substr(scheme), "://");
}

bool HasOnlyUriCharacters(absl::string_view text) {
  for (char c : text) {
    const unsigned char u = static_cast<unsigned char>(c);
    if (u < 0x21 || u > 0x7e) return false;
  }
  return true;
}

absl::Status CheckUriName(absl::string_view uri) {
  if (uri.empty() || uri.size() > kMaxPrincipalLength) {
    return absl::InvalidArgumentError(
        absl::StrCat("a URI must be 1 to ", kMaxPrincipalLength, " bytes long"));
  }
  if (!HasOnlyUriCharacters(uri)) {
    return absl::InvalidArgumentError(
        "a URI may only hold printable ASCII characters without spaces");
  }
  const std::size_t scheme = UriSchemeLength(uri);
  if (scheme == 0) {
    return absl::InvalidArgumentError("a URI must start with a scheme (e.g. \"spiffe:\")");
  }
  if (absl::EqualsIgnoreCase(uri.substr(0, scheme), "spiffe")) return CheckSpiffeId(uri);
  return absl::OkStatus();
}

// Underscores are not in RFC 5280's preferred name syntax, but some private
// CAs issue them (service names): they cannot make a name look like another
// kind of name, so they are let through.
bool IsDnsLabelChar(char c) { return IsLowerAlnum(c) || c == '-' || c == '_'; }

bool IsDnsName(absl::string_view name) {
  if (name.empty() || name.size() > 253) return false;
  for (absl::string_view label : absl::StrSplit(name, '.')) {
    if (label.empty() || label.size() > 63) return false;
    if (label.front() == '-' || label.back() == '-') return false;
    for (char c : label) {
      if (!IsDnsLabelChar(c)) return false;
    }
  }
  return true;
}

bool HasOnlyDnsNameCharacters(absl::string_view text) {
  for (char c : text) {
    if (!IsDnsLabelChar(c) && c != '.') return false;
  }
  return true;
}

bool IsUsableCommonName(absl::string_view name) {
  if (name.empty() || name.size() > kMaxPrincipalLength) return false;
  for (std::size_t i = 0; i < name.size(); ++i) {
    const unsigned char u = static_cast<unsigned char>(name[i]);
    if (u < 0x20 || u == 0x7f) return false;
    // C1 controls (U+0080..U+009F) are 0xC2 0x80..0x9F in UTF-8.
    if (u == 0xc2 && i + 1 < name.size()) {
      const unsigned char next = static_cast<unsigned char>(name[i + 1]);
      if (next >= 0x80 && next <= 0x9f) return false;
    }
  }
  return true;
}

}  // namespace identity::authz
