#include "server/tls/tls_files.h"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <ctime>
#include <memory>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace identity::tls {
namespace {

struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};
struct X509Free {
  void operator()(X509* x) const { X509_free(x); }
};
struct PkeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
using BioPtr = std::unique_ptr<BIO, BioFree>;
using X509Ptr = std::unique_ptr<X509, X509Free>;

absl::Status FileError(absl::string_view flag, const std::string& path, absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat("--", flag, " ", path, ": ", what));
}

// Opens `path` for reading through OpenSSL (the key never passes through a
// std::string of ours).
absl::StatusOr<BioPtr> Open(absl::string_view flag, const std::string& path) {
  if (path.empty()) return absl::InvalidArgumentError(absl::StrCat("--", flag, " is required"));
  BioPtr bio(BIO_new_file(path.c_str(), "r"));
  if (bio == nullptr) {
    return absl::NotFoundError(absl::StrCat("--", flag, " ", path, ": cannot open the file"));
  }
  return bio;
}

std::string Subject(X509* cert) {
  BioPtr mem(BIO_new(BIO_s_mem()));
  X509_NAME_print_ex(mem.get(), X509_get_subject_name(cert), 0, XN_FLAG_RFC2253);
  char* data = nullptr;
  const long len = BIO_get_mem_data(mem.get(), &data);
  return std::string(data, static_cast<std::size_t>(len));
}

std::string NotAfter(X509* cert) {
  BioPtr mem(BIO_new(BIO_s_mem()));
  ASN1_TIME_print(mem.get(), X509_get0_notAfter(cert));
  char* data = nullptr;
  const long len = BIO_get_mem_data(mem.get(), &data);
  return std::string(data, static_cast<std::size_t>(len));
}

}  // namespace

absl::StatusOr<std::string> CheckServerTlsFiles(const ServerTlsFiles& files) {
  absl::StatusOr<BioPtr> cert_bio = Open("tls_cert_file", files.cert_file);
  if (!cert_bio.ok()) return cert_bio.status();
  X509Ptr leaf(PEM_read_bio_X509(cert_bio->get(), nullptr, nullptr, nullptr));
  if (leaf == nullptr) {
    return FileError("tls_cert_file", files.cert_file, "holds no PEM certificate");
  }
  if (X509_cmp_current_time(X509_get0_notAfter(leaf.get())) < 0) {
    return FileError("tls_cert_file", files.cert_file,
                     absl::StrCat("the certificate expired (", NotAfter(leaf.get()), ")"));
  }

  absl::StatusOr<BioPtr> key_bio = Open("tls_key_file", files.key_file);
  if (!key_bio.ok()) return key_bio.status();
  std::unique_ptr<EVP_PKEY, PkeyFree> key(
      PEM_read_bio_PrivateKey(key_bio->get(), nullptr, nullptr, nullptr));
  if (key == nullptr) {
    return FileError("tls_key_file", files.key_file,
                     "holds no unencrypted PEM private key");
  }
  if (X509_check_private_key(leaf.get(), key.get()) != 1) {
    return FileError("tls_key_file", files.key_file,
                     "the private key does not match the certificate in --tls_cert_file");
  }

  absl::StatusOr<BioPtr> ca_bio = Open("tls_client_ca_file", files.client_ca_file);
  if (!ca_bio.ok()) return ca_bio.status();
  int ca_count = 0;
  while (X509Ptr ca{PEM_read_bio_X509(ca_bio->get(), nullptr, nullptr, nullptr)}) ++ca_count;
  if (ca_count == 0) {
    return FileError("tls_client_ca_file", files.client_ca_file, "holds no PEM certificate");
  }
  return absl::StrCat("server certificate \"", Subject(leaf.get()), "\" valid until ",
                      NotAfter(leaf.get()), "; client certificates must chain to one of ",
                      ca_count, " CA certificate(s) in ", files.client_ca_file);
}

absl::StatusOr<absl::Time> CertificateNotAfter(const std::string& cert_file) {
  absl::StatusOr<BioPtr> bio = Open("tls_cert_file", cert_file);
  if (!bio.ok()) return bio.status();
  X509Ptr leaf(PEM_read_bio_X509(bio->get(), nullptr, nullptr, nullptr));
  if (leaf == nullptr) return FileError("tls_cert_file", cert_file, "holds no PEM certificate");
  std::tm tm{};
  if (ASN1_TIME_to_tm(X509_get0_notAfter(leaf.get()), &tm) != 1) {
    return FileError("tls_cert_file", cert_file, "the certificate's notAfter cannot be read");
  }
  return absl::FromTM(tm, absl::UTCTimeZone());
}

}  // namespace identity::tls
