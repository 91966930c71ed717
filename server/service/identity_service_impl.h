#ifndef IDENTITY_SERVER_SERVICE_IDENTITY_SERVICE_IMPL_H_
#define IDENTITY_SERVER_SERVICE_IDENTITY_SERVICE_IMPL_H_

#include <functional>

#include <grpcpp/support/message_allocator.h>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "identity/v1/identity.grpc.pb.h"
#include "server/authz/authorizer.h"
#include "server/authz/caller_identity.h"
#include "server/keyring/keyring.h"
#include "server/limits/rate_limiter.h"
#include "server/service/secret_rotator.h"

namespace identity::service {

// Who may call, and how often: checked by every handler.
struct AccessControl {
  // Required; must outlive the service. authz::AllowAllAuthorizer only for
  // the plain-text development mode.
  const authz::Authorizer* authorizer = nullptr;
  // Optional (null: no rate limit); must outlive the service.
  limits::PrincipalRateLimiter* rate_limiter = nullptr;
};

// The trailing-metadata key of a RESOURCE_EXHAUSTED reply from the rate
// limiter: milliseconds until the caller may call again, in decimal. The same
// value is sent as "grpc-retry-pushback-ms", which gRPC clients with a retry
// policy obey.
inline constexpr char kRetryAfterMsTrailer[] = "retry-after-ms";

// IdentityServiceImpl serves identity.v1.IdentityService with gRPC's callback
// API. Each handler runs the call's whole flow inline: caller identity ->
// rate limit -> validate -> authorize -> keyring -> crypto -> reply. An issue
// call costs a few microseconds of CPU and never blocks, so handing it to
// another thread would only add latency.
class IdentityServiceImpl final : public identity::v1::IdentityService::CallbackService {
 public:
  using Clock = std::function<absl::Time()>;

  // `keyring` must outlive the service. `clock` gives iat (defaults to the
  // system clock; tests may fix it).
  IdentityServiceImpl(keyring::Keyring& keyring, AccessControl access, Clock clock = absl::Now);

  grpc::ServerUnaryReactor* IssueEmailHash(grpc::CallbackServerContext* context,
                                           const identity::v1::IssueEmailHashRequest* request,
                                           identity::v1::IssueEmailHashResponse* response) override;

  grpc::ServerUnaryReactor* IssueWidgetToken(
      grpc::CallbackServerContext* context, const identity::v1::IssueWidgetTokenRequest* request,
      identity::v1::IssueWidgetTokenResponse* response) override;

  grpc::ServerUnaryReactor* RotateSecret(grpc::CallbackServerContext* context,
                                         const identity::v1::RotateSecretRequest* request,
                                         identity::v1::RotateSecretResponse* response) override;

 private:
  // Identifies the caller of `context` and checks that it may call at all
  // (authenticated, within its rate; on a rate refusal the retry trailers
  // are added to `context`).
  absl::StatusOr<authz::CallerIdentity> Admit(grpc::CallbackServerContext& context);

  absl::Status HandleIssueEmailHash(const authz::CallerIdentity& caller,
                                    const identity::v1::IssueEmailHashRequest& request,
                                    identity::v1::IssueEmailHashResponse& response);
  absl::Status HandleIssueWidgetToken(const authz::CallerIdentity& caller,
                                      const identity::v1::IssueWidgetTokenRequest& request,
                                      identity::v1::IssueWidgetTokenResponse& response);
  absl::Status HandleRotateSecret(const authz::CallerIdentity& caller,
                                  const identity::v1::RotateSecretRequest& request,
                                  identity::v1::RotateSecretResponse& response);

  // Gives RotateSecret calls messages that are cleansed when the call ends
  // (they carry imported and generated secrets).
  class CleansingRotateAllocator final
      : public grpc::MessageAllocator<identity::v1::RotateSecretRequest,
                                      identity::v1::RotateSecretResponse> {
   public:
    grpc::MessageHolder<identity::v1::RotateSecretRequest, identity::v1::RotateSecretResponse>*
    AllocateMessages() override;
  };

  keyring::Keyring& keyring_;
  const AccessControl access_;
  const Clock clock_;
  SecretRotator rotator_;
  CleansingRotateAllocator rotate_messages_;
};

}  // namespace identity::service

#endif  // IDENTITY_SERVER_SERVICE_IDENTITY_SERVICE_IMPL_H_
