#include "server/authz/caller_identity.h"

#include <openssl/bio.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>
#include <optional>

#include "absl/status/status.h"
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

// Whether `name` may serve as a principal: non-empty, bounded, and free of
// control characters (it ends up in logs, audit events and error messages).
bool UsablePrincipal(absl::string_view name) {
  if (name.empty() || name.size() > kMaxPrincipalLength) return false;
  for (char c : name) {
    const unsigned char u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) return false;
  }
  return true;
}

absl::string_view Asn1Text(const ASN1_STRING* s) {
  return absl::string_view(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                           static_cast<std::size_t>(ASN1_STRING_length(s)));
}

// The first subjectAltName of `type` (GEN_URI or GEN_DNS), if any.
std::optional<std::string> FirstSan(X509* cert, int type) {
  std::unique_ptr<GENERAL_NAMES, GeneralNamesFree> names(static_cast<GENERAL_NAMES*>(
      X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr)));
  if (names == nullptr) return std::nullopt;
  for (int i = 0; i < sk_GENERAL_NAME_num(names.get()); ++i) {
    const GENERAL_NAME* name = sk_GENERAL_NAME_value(names.get(), i);
    if (name->type != type) continue;
    // Both are IA5Strings.
    const ASN1_IA5STRING* text = type == GEN_URI ? name->d.uniformResourceIdentifier
                                                 : name->d.dNSName;
    return std::string(Asn1Text(text));
  }
  return std::nullopt;
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

absl::StatusOr<CallerIdentity> CallerIdentityFromCertificatePem(absl::string_view pem) {
  std::unique_ptr<BIO, BioFree> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (bio == nullptr) return absl::InternalError("client certificate: out of memory");
  std::unique_ptr<X509, X509Free> cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  if (cert == nullptr) return absl::InvalidArgumentError("client certificate: not a PEM certificate");

  // The first source present decides, even if its value is unusable: falling
  // through to a weaker name (a CN) when the URI SAN is malformed would let
  // a certificate pick which of its names is checked.
  const struct {
    PrincipalSource source;
    std::optional<std::string> name;
  } candidates[] = {
      {PrincipalSource::kUriSan, FirstSan(cert.get(), GEN_URI)},
      {PrincipalSource::kDnsSan, FirstSan(cert.get(), GEN_DNS)},
      {PrincipalSource::kCommonName, CommonName(cert.get())},
  };
  for (const auto& candidate : candidates) {
    if (!candidate.name.has_value()) continue;
    if (!UsablePrincipal(*candidate.name)) {
      return absl::UnauthenticatedError(
          absl::StrCat("client certificate: its ", PrincipalSourceName(candidate.source),
                       " is empty, longer than ", kMaxPrincipalLength,
                       " bytes or holds control characters"));
    }
    return CallerIdentity{*candidate.name, candidate.source};
  }
  return absl::UnauthenticatedError(
      "client certificate: names no principal (no URI SAN, DNS SAN or subject CN)");
}

}  // namespace identity::authz
