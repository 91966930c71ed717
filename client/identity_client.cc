#include "client/identity_client.h"

#include <openssl/crypto.h>

#include <fstream>
#include <sstream>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace identity::client {
namespace {

// Reads a PEM file whole. `what` names it in errors ("ca_file").
absl::StatusOr<std::string> ReadPem(absl::string_view what, const std::string& path) {
  if (path.empty()) return absl::InvalidArgumentError(absl::StrCat(what, ": is required"));
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat(what, " ", path, ": cannot open the file"));
  std::stringstream text;
  text << in.rdbuf();
  std::string pem = text.str();
  if (!absl::StrContains(pem, "-----BEGIN ")) {
    OPENSSL_cleanse(pem.data(), pem.size());
    return absl::InvalidArgumentError(absl::StrCat(what, " ", path, ": not a PEM file"));
  }
  return pem;
}

}  // namespace

absl::StatusOr<ClientOptions> ClientOptions::MutualTls(std::string target,
                                                       const ClientTlsFiles& files) {
  grpc::SslCredentialsOptions ssl;
  absl::StatusOr<std::string> ca = ReadPem("ca_file", files.ca_file);
  if (!ca.ok()) return ca.status();
  absl::StatusOr<std::string> cert = ReadPem("cert_file", files.cert_file);
  if (!cert.ok()) return cert.status();
  absl::StatusOr<std::string> key = ReadPem("key_file", files.key_file);
  if (!key.ok()) return key.status();
  ssl.pem_root_certs = *std::move(ca);
  ssl.pem_cert_chain = *std::move(cert);
  ssl.pem_private_key = *std::move(key);
  ClientOptions options;
  options.target = std::move(target);
  // gRPC copies the PEM text into its own credentials object.
  options.credentials = grpc::SslCredentials(ssl);
  OPENSSL_cleanse(ssl.pem_private_key.data(), ssl.pem_private_key.size());
  return options;
}

ClientOptions ClientOptions::Insecure(std::string target) {
  ClientOptions options;
  options.target = std::move(target);
  options.credentials = grpc::InsecureChannelCredentials();
  return options;
}

absl::Status FromGrpcStatus(const grpc::Status& status) {
  if (status.ok()) return absl::OkStatus();
  return absl::Status(static_cast<absl::StatusCode>(status.error_code()), status.error_message());
}

absl::StatusOr<std::unique_ptr<IdentityClient>> IdentityClient::Create(ClientOptions options) {
  if (options.target.empty()) return absl::InvalidArgumentError("target: is required");
  if (options.credentials == nullptr) {
    return absl::InvalidArgumentError("credentials: are required (Insecure() for development)");
  }
  if (options.timeout <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("timeout: must be positive");
  }
  const std::string& policy = options.load_balancing_policy;
  if (!policy.empty() && policy != "pick_first" && policy != "round_robin") {
    return absl::InvalidArgumentError(absl::StrCat(
        "load_balancing_policy: must be pick_first or round_robin, not \"", policy, "\""));
  }
  grpc::ChannelArguments args;
  if (!policy.empty()) args.SetLoadBalancingPolicyName(policy);
  if (!options.tls_server_name.empty()) {
    args.SetSslTargetNameOverride(options.tls_server_name);
  }
  std::shared_ptr<grpc::Channel> channel =
      grpc::CreateCustomChannel(options.target, options.credentials, args);
  return std::unique_ptr<IdentityClient>(new IdentityClient(std::move(channel), options.timeout));
}

IdentityClient::IdentityClient(std::shared_ptr<grpc::Channel> channel, absl::Duration timeout)
    : stub_(v1::IdentityService::NewStub(channel)), timeout_(timeout) {}

// Runs one unary call with the client's deadline. `rpc` is the stub method,
// bound by a lambda (stub methods cannot be named by pointer portably).
template <typename Response, typename Request, typename Rpc>
absl::StatusOr<Response> IdentityClient::Call(const Request& request, Rpc rpc) const {
  Response response;
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + timeout_));
  if (grpc::Status s = rpc(*stub_, &context, request, &response); !s.ok()) {
    return FromGrpcStatus(s);
  }
  return response;
}

absl::StatusOr<v1::IssueEmailHashResponse> IdentityClient::IssueEmailHash(
    absl::string_view app_id, absl::string_view email) const {
  v1::IssueEmailHashRequest request;
  request.set_app_id(std::string(app_id));
  request.set_email(std::string(email));
  return Call<v1::IssueEmailHashResponse>(request, [](auto& stub, auto... args) {
    return stub.IssueEmailHash(args...);
  });
}

absl::StatusOr<v1::IssueEmailHashesResponse> IdentityClient::IssueEmailHashes(
    absl::string_view app_id, absl::Span<const std::string> emails) const {
  v1::IssueEmailHashesRequest request;
  request.set_app_id(std::string(app_id));
  request.mutable_emails()->Add(emails.begin(), emails.end());
  return Call<v1::IssueEmailHashesResponse>(request, [](auto& stub, auto... args) {
    return stub.IssueEmailHashes(args...);
  });
}

absl::StatusOr<v1::IssueWidgetTokenResponse> IdentityClient::IssueWidgetToken(
    const v1::IssueWidgetTokenRequest& request) const {
  return Call<v1::IssueWidgetTokenResponse>(request, [](auto& stub, auto... args) {
    return stub.IssueWidgetToken(args...);
  });
}

absl::StatusOr<v1::RotateSecretResponse> IdentityClient::RotateSecret(
    const v1::RotateSecretRequest& request) const {
  return Call<v1::RotateSecretResponse>(request, [](auto& stub, auto... args) {
    return stub.RotateSecret(args...);
  });
}

absl::StatusOr<v1::GetWidgetResponse> IdentityClient::GetWidget(absl::string_view app_id) const {
  v1::GetWidgetRequest request;
  request.set_app_id(std::string(app_id));
  return Call<v1::GetWidgetResponse>(request, [](auto& stub, auto... args) {
    return stub.GetWidget(args...);
  });
}

absl::StatusOr<v1::ListWidgetsResponse> IdentityClient::ListWidgets(
    const v1::ListWidgetsRequest& request) const {
  return Call<v1::ListWidgetsResponse>(request, [](auto& stub, auto... args) {
    return stub.ListWidgets(args...);
  });
}

absl::StatusOr<v1::VerifyEmailHashResponse> IdentityClient::VerifyEmailHash(
    absl::string_view app_id, absl::string_view email, absl::string_view email_hash) const {
  v1::VerifyEmailHashRequest request;
  request.set_app_id(std::string(app_id));
  request.set_email(std::string(email));
  request.set_email_hash(std::string(email_hash));
  return Call<v1::VerifyEmailHashResponse>(request, [](auto& stub, auto... args) {
    return stub.VerifyEmailHash(args...);
  });
}

absl::StatusOr<v1::VerifyWidgetTokenResponse> IdentityClient::VerifyWidgetToken(
    absl::string_view app_id, absl::string_view jwt) const {
  v1::VerifyWidgetTokenRequest request;
  request.set_app_id(std::string(app_id));
  request.set_jwt(std::string(jwt));
  return Call<v1::VerifyWidgetTokenResponse>(request, [](auto& stub, auto... args) {
    return stub.VerifyWidgetToken(args...);
  });
}

absl::StatusOr<v1::ListWidgetsResponse> IdentityClient::ListWidgetsAll(int page_size) const {
  v1::ListWidgetsResponse all;
  v1::ListWidgetsRequest request;
  request.set_page_size(page_size);
  while (true) {
    absl::StatusOr<v1::ListWidgetsResponse> page = ListWidgets(request);
    if (!page.ok()) return page.status();
    for (v1::Widget& widget : *page->mutable_widgets()) *all.add_widgets() = std::move(widget);
    if (page->next_page_token().empty()) return all;
    // Each token resumes strictly after the last widget returned, so a
    // correct server always makes progress; refuse to loop on one that does
    // not.
    if (page->next_page_token() == request.page_token() || page->widgets_size() == 0) {
      return absl::InternalError("ListWidgets: the server returned a page token that does not "
                                 "advance");
    }
    request.set_page_token(page->next_page_token());
  }
}

}  // namespace identity::client
