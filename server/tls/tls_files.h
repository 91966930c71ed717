#ifndef IDENTITY_SERVER_TLS_TLS_FILES_H_
#define IDENTITY_SERVER_TLS_TLS_FILES_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace identity::tls {

// The PEM files of a mutual-TLS server.
struct ServerTlsFiles {
  std::string cert_file;       // the server's certificate chain, leaf first
  std::string key_file;        // the leaf's private key
  std::string client_ca_file;  // the CA certificate(s) client certificates must chain to
};

// CheckServerTlsFiles reads the three files and checks what gRPC would
// otherwise only find at the first handshake: each parses as PEM, the key
// matches the leaf certificate, the CA file holds at least one certificate.
// Returns a one-line summary for the log (the leaf's subject, validity end and
// the number of CA certificates; never key material). Errors are
// kInvalidArgument (kNotFound for a missing file) and start with the flag and
// path at fault, e.g. "--tls_key_file /etc/identityd/key.pem: the private key
// does not match the certificate in --tls_cert_file".
absl::StatusOr<std::string> CheckServerTlsFiles(const ServerTlsFiles& files);

// The end of the validity of the first certificate in the PEM file
// `cert_file` (the leaf). kNotFound if the file cannot be opened,
// kInvalidArgument if it holds no certificate.
absl::StatusOr<absl::Time> CertificateNotAfter(const std::string& cert_file);

}  // namespace identity::tls

#endif  // IDENTITY_SERVER_TLS_TLS_FILES_H_
