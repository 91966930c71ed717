#include "server/authz/caller_identity.h"

#include <openssl/bio.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>
#include <optional>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace identity::authz {
namespace {

struct X509Free {
  void operator()(X509* x) const { X509_free(x); }
};
struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};
struct GeneralNamesFree {
  void operator()(GENERAL_NAMES* n) const { GENERAL_NAMES_free(n); }
};

absl::string_view Asn1Text(const ASN1_STRING* s) {
  return absl::string_view(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                           static_cast<std::size_t>(ASN1_STRING_length(s)));
}

// The certificate's URI and DNS subjectAltNames, in order.
struct SubjectAltNames {
  std::vector<std::string> uris;
  std::vector<std::string> dns_names;
};

SubjectAltNames SubjectAltNamesOf(X509* cert) {
  SubjectAltNames out;
  std::unique_ptr<GENERAL_NAMES, GeneralNamesFree> names(static_cast<GENERAL_NAMES*>(
      X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr)));
  if (names == nullptr) return out;
  for (int i = 0; i < sk_GENERAL_NAME_num(names.get()); ++i) {
    const GENERAL_NAME* name = sk_GENERAL_NAME_value(names.get(), i);
    // Both are IA5Strings.
    if (name->type == GEN_URI) out.uris.emplace_back(Asn1Text(name->d.uniformResourceIdentifier));
    if (name->type == GEN_DNS) out.dns_names.emplace_back(Asn1Text(name->d.dNSName));
  }
  return out;
}

// The subject's first CN as UTF-8, if any.
std::optional<std::string> CommonName(X509* cert) {
  const X509_NAME* subject = X509_get_subject_name(cert);
  const int index = X509_NAME_get_index_by_NID(subject, NID_commonName, -1);
  if (index < 0) return std::nullopt;
  const ASN1_STRING* data = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subject, index));
  unsigned char* utf8 = nullptr;
  const int len = ASN1_STRING_to_UTF8(&utf8, data);
  if (len < 0) return std::string();  // undecodable: unusable below
  std::string out(reinterpret_cast<const char*>(utf8), static_cast<std::size_t>(len));
  OPENSSL_free(utf8);
  return out;
}

absl::Status Unusable(absl::string_view what) {
  return absl::UnauthenticatedError(absl::StrCat("client certificate: ", what));
}

// A URI SAN written without "uri:" would read as another source's prefix.
bool SchemeIsASourcePrefix(absl::string_view uri) {
  const absl::string_view scheme = uri.substr(0, UriSchemeLength(uri) + 1);  // with the ':'
  for (absl::string_view prefix : {kUriPrefix, kDnsPrefix, kCommonNamePrefix}) {
    if (absl::EqualsIgnoreCase(scheme, prefix)) return true;
  }
  return false;
}

}  // namespace

absl::string_view PrincipalSourceName(PrincipalSource source) {
  switch (source) {
    case PrincipalSource::kNone:
      return "none";
    case PrincipalSource::kUriSan:
      return "uri_san";
    case PrincipalSource::kDnsSan:
      return "dns_san";
    case PrincipalSource::kCommonName:
      return "common_name";
  }
  return "none";
}

CallerIdentity::CallerIdentity(PrincipalSource source, absl::string_view principal)
    : source_(source) {
  absl::string_view prefix;
  switch (source) {
    case PrincipalSource::kNone:
      return;
    case PrincipalSource::kUriSan:
      if (!StartsWithSchemeAndAuthority(principal) || SchemeIsASourcePrefix(principal)) {
        prefix = kUriPrefix;
      }
      break;
    case PrincipalSource::kDnsSan:
      prefix = kDnsPrefix;
      break;
    case PrincipalSource::kCommonName:
      prefix = kCommonNamePrefix;
      break;
  }
  qualified_name_ = absl::StrCat(prefix, principal);
  prefix_length_ = prefix.size();
}

absl::StatusOr<CallerIdentity> CallerIdentityFromCertificatePem(absl::string_view pem) {
  std::unique_ptr<BIO, BioFree> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (bio == nullptr) return absl::InternalError("client certificate: out of memory");
  std::unique_ptr<X509, X509Free> cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  if (cert == nullptr) return absl::InvalidArgumentError("client certificate: not a PEM certificate");

  // The first source present decides, even if its value is unusable: falling
  // through to a weaker name (a CN) when the URI SAN is malformed would let
  // a certificate pick which of its names is checked.
  const SubjectAltNames sans = SubjectAltNamesOf(cert.get());
  if (sans.uris.size() > 1) {
    return Unusable(absl::StrCat("it has ", sans.uris.size(),
                                 " URI SANs; a caller is named by exactly one"));
  }
  if (sans.uris.size() == 1) {
    if (absl::Status s = CheckUriName(sans.uris[0]); !s.ok()) {
      return Unusable(absl::StrCat("its URI SAN is unusable: ", s.message()));
    }
    return CallerIdentity(PrincipalSource::kUriSan, sans.uris[0]);
  }
  if (!sans.dns_names.empty()) {
    // DNS names are case-insensitive (RFC 4343): one spelling per caller.
    const std::string name = absl::AsciiStrToLower(sans.dns_names[0]);
    if (!IsDnsName(name)) {
      return Unusable(
          "its DNS SAN is not a DNS host name (labels of [a-z0-9_-] separated by dots; no "
          "wildcard, URI, space or control character)");
    }
    return CallerIdentity(PrincipalSource::kDnsSan, name);
  }
  if (std::optional<std::string> cn = CommonName(cert.get()); cn.has_value()) {
    if (!IsUsableCommonName(*cn)) {
      return Unusable(absl::StrCat("its subject CN is empty, longer than ", kMaxPrincipalLength,
                                   " bytes or holds control characters"));
    }
    return CallerIdentity(PrincipalSource::kCommonName, *cn);
  }
  return Unusable("names no principal (no URI SAN, DNS SAN or subject CN)");
}

}  // namespace identity::authz
