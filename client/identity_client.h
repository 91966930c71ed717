#ifndef IDENTITY_CLIENT_IDENTITY_CLIENT_H_
#define IDENTITY_CLIENT_IDENTITY_CLIENT_H_

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "absl/time/time.h"
#include "identity/v1/identity.grpc.pb.h"

namespace identity::client {

// The PEM files a client presents and trusts for mutual TLS.
struct ClientTlsFiles {
  std::string ca_file;    // CA certificate(s) the server's certificate must chain to
  std::string cert_file;  // this client's certificate chain (leaf first)
  std::string key_file;   // its private key (unencrypted PEM)
};

// How to reach identityd. A production identityd accepts mutual TLS only
// (MutualTls(): grpc::SslCredentials with the CA, this client's certificate
// and key); plain text (Insecure()) reaches only a development identityd
// started with --insecure_loopback. A server that refuses the client's
// certificate (none, or one from a CA it does not trust) fails the TLS
// handshake: the call returns kUnavailable at once, not at its deadline.
struct ClientOptions {
  // "HOST:PORT" or any gRPC target URI.
  std::string target;
  // Channel credentials; see MutualTls(), and Insecure() for development.
  std::shared_ptr<grpc::ChannelCredentials> credentials;
  // The name the server's certificate must carry, when it differs from the
  // target's host (e.g. connecting by IP to a certificate for a DNS name).
  // Empty: the target's host.
  std::string tls_server_name;
  // The deadline of every call, from when it starts.
  absl::Duration timeout = absl::Seconds(5);
  // How calls spread over the addresses `target` resolves to: "" or
  // "pick_first" (gRPC's default: one connection, to the first address that
  // answers), or "round_robin": a connection to every address, calls taken in
  // turn; for replicas behind a DNS name with several addresses (a headless
  // Kubernetes Service: "dns:///identityd.ns.svc:50051") or a list
  // ("ipv4:10.0.0.1:50051,10.0.0.2:50051"). README, "Running replicas".
  std::string load_balancing_policy;

  // Options for mutual TLS to `target`: the server's certificate must chain to
  // files.ca_file and name the target's host (or tls_server_name); this
  // client presents files.cert_file. The files are read once, here (create a
  // new client to pick up renewed certificates). kInvalidArgument (kNotFound
  // for a missing file) naming the file at fault.
  static absl::StatusOr<ClientOptions> MutualTls(std::string target, const ClientTlsFiles& files);

  // Options for plain text to `target`: development against a server started
  // with --insecure_loopback.
  static ClientOptions Insecure(std::string target);
};

// IdentityClient calls identityd's IdentityService. Every method sets a
// deadline (ClientOptions::timeout) and returns the response, or the gRPC
// status as an absl::Status with the same code and message.
// Thread-safe: share one client per target.
//
//   // Mutual TLS (production):
//   absl::StatusOr<ClientOptions> options = ClientOptions::MutualTls(
//       "identityd.corp:50051", {"ca.pem", "billing.pem", "billing.key"});
//   // Plain text, only against identityd --insecure_loopback (development):
//   //   ClientOptions options = ClientOptions::Insecure("127.0.0.1:50051");
//   auto client = IdentityClient::Create(*options);
//   absl::StatusOr<v1::IssueEmailHashResponse> r =
//       (*client)->IssueEmailHash("demo-widget", "jane@example.com");
class IdentityClient {
 public:
  // Creates a client. kInvalidArgument if the target or credentials are
  // missing. Connects lazily, on the first call.
  static absl::StatusOr<std::unique_ptr<IdentityClient>> Create(ClientOptions options);

  // The HMAC email hash of `email` for the widget `app_id`.
  absl::StatusOr<v1::IssueEmailHashResponse> IssueEmailHash(absl::string_view app_id,
                                                           absl::string_view email) const;

  // The HMAC email hashes of `emails` (at most 1,000 per call) for the
  // widget `app_id`: one result per email, in order, each a hash or the
  // error of that email alone (EmailHashResult). For more emails, call again
  // with the next ones.
  absl::StatusOr<v1::IssueEmailHashesResponse> IssueEmailHashes(
      absl::string_view app_id, absl::Span<const std::string> emails) const;

  // A widget JWT; the request carries app_id, email, optional claims and ttl.
  absl::StatusOr<v1::IssueWidgetTokenResponse> IssueWidgetToken(
      const v1::IssueWidgetTokenRequest& request) const;

  // Rotates (or registers) a widget secret.
  absl::StatusOr<v1::RotateSecretResponse> RotateSecret(
      const v1::RotateSecretRequest& request) const;

  // Describes one widget (versions, fingerprints, times; never secrets).
  absl::StatusOr<v1::GetWidgetResponse> GetWidget(absl::string_view app_id) const;

  // One page of widgets; see ListWidgetsAll for every page.
  absl::StatusOr<v1::ListWidgetsResponse> ListWidgets(
      const v1::ListWidgetsRequest& request) const;

  // Every widget, following next_page_token from page to page (`page_size`
  // per call), gathered into one response with an empty next_page_token.
  absl::StatusOr<v1::ListWidgetsResponse> ListWidgetsAll(int page_size = 1000) const;

  // Which kept version of the widget's email-hash secret made `email_hash`
  // for `email` (or none): for explaining a hash the widget refused.
  absl::StatusOr<v1::VerifyEmailHashResponse> VerifyEmailHash(absl::string_view app_id,
                                                             absl::string_view email,
                                                             absl::string_view email_hash) const;

  // Why the widget would refuse `jwt` (a bearer credential: keep it out of
  // logs): a verdict, the version that signed it, and ordered findings.
  absl::StatusOr<v1::VerifyWidgetTokenResponse> VerifyWidgetToken(absl::string_view app_id,
                                                                 absl::string_view jwt) const;

 private:
  IdentityClient(std::shared_ptr<grpc::Channel> channel, absl::Duration timeout);
  template <typename Response, typename Request, typename Rpc>
  absl::StatusOr<Response> Call(const Request& request, Rpc rpc) const;

  std::unique_ptr<v1::IdentityService::Stub> stub_;
  const absl::Duration timeout_;
};

// Converts a gRPC status to an absl::Status with the same code and message.
absl::Status FromGrpcStatus(const grpc::Status& status);

}  // namespace identity::client

#endif  // IDENTITY_CLIENT_IDENTITY_CLIENT_H_
