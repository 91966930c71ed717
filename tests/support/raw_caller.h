#ifndef IDENTITY_TESTS_SECURITY_RAW_CALLER_H_
#define IDENTITY_TESTS_SECURITY_RAW_CALLER_H_

#include <grpcpp/grpcpp.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "identity/v1/identity.grpc.pb.h"

namespace identity::testing {

// The whole outcome of one call, as an attacker would see it: status, message
// and trailing metadata.
template <typename Response>
struct Reply {
  grpc::Status status;
  Response response;
  std::multimap<std::string, std::string> trailers;
  std::multimap<std::string, std::string> initial_metadata;

  // The status message and details and all metadata, as one text (for leak
  // checks).
  std::string Visible() const {
    std::string out = status.error_message() + "\n" + status.error_details();
    for (const auto& [key, value] : initial_metadata) out += "\n" + key + ": " + value;
    for (const auto& [key, value] : trailers) out += "\n" + key + ": " + value;
    return out;
  }
};

// RawCaller calls identity.v1.IdentityService through the generated stub on its
// own channel (not shared with any other RawCaller, so every RawCaller makes
// its own connection and TLS handshake).
class RawCaller {
 public:
  RawCaller(const std::string& target, std::shared_ptr<grpc::ChannelCredentials> credentials) {
    grpc::ChannelArguments args;
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
    stub_ = identity::v1::IdentityService::NewStub(
        grpc::CreateCustomChannel(target, std::move(credentials), args));
  }

  Reply<identity::v1::IssueEmailHashResponse> Hash(const std::string& app_id,
                                                   const std::string& email) {
    identity::v1::IssueEmailHashRequest request;
    request.set_app_id(app_id);
    request.set_email(email);
    return Call(&identity::v1::IdentityService::Stub::IssueEmailHash, request);
  }

  Reply<identity::v1::IssueEmailHashesResponse> Hashes(const std::string& app_id,
                                                       const std::vector<std::string>& emails) {
    identity::v1::IssueEmailHashesRequest request;
    request.set_app_id(app_id);
    request.mutable_emails()->Add(emails.begin(), emails.end());
    return Call(&identity::v1::IdentityService::Stub::IssueEmailHashes, request);
  }

  Reply<identity::v1::IssueWidgetTokenResponse> Token(const std::string& app_id,
                                                      const std::string& email) {
    identity::v1::IssueWidgetTokenRequest request;
    request.set_app_id(app_id);
    request.set_email(email);
    return Token(request);
  }

  Reply<identity::v1::IssueWidgetTokenResponse> Token(
      const identity::v1::IssueWidgetTokenRequest& request) {
    return Call(&identity::v1::IdentityService::Stub::IssueWidgetToken, request);
  }

  Reply<identity::v1::RotateSecretResponse> Rotate(
      const identity::v1::RotateSecretRequest& request) {
    return Call(&identity::v1::IdentityService::Stub::RotateSecret, request);
  }

  Reply<identity::v1::VerifyEmailHashResponse> VerifyHash(const std::string& app_id,
                                                         const std::string& email,
                                                         const std::string& email_hash) {
    identity::v1::VerifyEmailHashRequest request;
    request.set_app_id(app_id);
    request.set_email(email);
    request.set_email_hash(email_hash);
    return Call(&identity::v1::IdentityService::Stub::VerifyEmailHash, request);
  }

  Reply<identity::v1::VerifyWidgetTokenResponse> VerifyToken(const std::string& app_id,
                                                             const std::string& jwt) {
    identity::v1::VerifyWidgetTokenRequest request;
    request.set_app_id(app_id);
    request.set_jwt(jwt);
    return Call(&identity::v1::IdentityService::Stub::VerifyWidgetToken, request);
  }

  // RotateSecret with `secret` (or generate if empty) for `kind`.
  Reply<identity::v1::RotateSecretResponse> Rotate(const std::string& app_id,
                                                   identity::v1::SecretKind kind,
                                                   const std::string& secret = "") {
    identity::v1::RotateSecretRequest request;
    request.set_app_id(app_id);
    request.set_kind(kind);
    if (secret.empty()) {
      request.set_generate(true);
    } else {
      request.set_secret(secret);
    }
    return Rotate(request);
  }

 private:
  template <typename Request, typename Response>
  Reply<Response> Call(grpc::Status (identity::v1::IdentityService::Stub::*method)(
                           grpc::ClientContext*, const Request&, Response*),
                       const Request& request) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
    if (!request_id.empty()) context.AddMetadata("x-request-id", request_id);
    Reply<Response> reply;
    reply.status = ((*stub_).*method)(&context, request, &reply.response);
    for (const auto& [key, value] : context.GetServerTrailingMetadata()) {
      reply.trailers.emplace(std::string(key.data(), key.size()),
                             std::string(value.data(), value.size()));
    }
    if (reply.status.error_code() != grpc::StatusCode::UNAVAILABLE) {
      for (const auto& [key, value] : context.GetServerInitialMetadata()) {
        reply.initial_metadata.emplace(std::string(key.data(), key.size()),
                                       std::string(value.data(), value.size()));
      }
    }
    return reply;
  }

  std::unique_ptr<identity::v1::IdentityService::Stub> stub_;

 public:
  // Sent as x-request-id metadata with every call when not empty.
  std::string request_id;
};

}  // namespace identity::testing

#endif  // IDENTITY_TESTS_SECURITY_RAW_CALLER_H_
