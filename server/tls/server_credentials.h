#ifndef IDENTITY_SERVER_TLS_SERVER_CREDENTIALS_H_
#define IDENTITY_SERVER_TLS_SERVER_CREDENTIALS_H_

#include <grpcpp/security/server_credentials.h>

#include <memory>

#include "absl/time/time.h"
#include "server/tls/tls_files.h"

namespace identity::tls {

// Makes mutual-TLS server credentials from `files`: the server presents the
// certificate and key; every client must present a certificate that chains to
// the client CA (the handshake fails otherwise: no certificate, another CA,
// expired or not yet valid). gRPC's file-watcher certificate provider re-reads
// the three files every `reload_interval` (rounded to whole seconds, at least
// one), so renewed certificates and keys, and a changed CA bundle, apply to new
// connections without a restart. Replace the files atomically (write, then
// rename; or swap a symlinked directory) so the key and the certificate are
// never read half-updated.
//
// Check the files with CheckServerTlsFiles first: the provider itself only
// logs problems.
std::shared_ptr<grpc::ServerCredentials> MakeMutualTlsServerCredentials(
    const ServerTlsFiles& files, absl::Duration reload_interval);

}  // namespace identity::tls

#endif  // IDENTITY_SERVER_TLS_SERVER_CREDENTIALS_H_
