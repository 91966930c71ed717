#ifndef IDENTITY_SERVER_SERVICE_IDENTITY_SERVICE_IMPL_H_
#define IDENTITY_SERVER_SERVICE_IDENTITY_SERVICE_IMPL_H_

#include <functional>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "identity/v1/identity.grpc.pb.h"
#include "server/keyring/keyring.h"
#include "server/service/secret_rotator.h"

namespace identity::service {

// IdentityServiceImpl serves identity.v1.IdentityService with gRPC's callback
// API. Each handler runs the call's whole flow inline (validate -> keyring ->
// crypto -> reply): an issue call costs a few microseconds of CPU and never
// blocks, so handing it to another thread would only add latency.
class IdentityServiceImpl final : public identity::v1::IdentityService::CallbackService {
 public:
  using Clock = std::function<absl::Time()>;

  // `keyring` must outlive the service. `clock` gives iat (defaults to the
  // system clock; tests may fix it).
  explicit IdentityServiceImpl(keyring::Keyring& keyring, Clock clock = absl::Now);

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
  absl::Status HandleIssueEmailHash(const identity::v1::IssueEmailHashRequest& request,
                                    identity::v1::IssueEmailHashResponse& response);
  absl::Status HandleIssueWidgetToken(const identity::v1::IssueWidgetTokenRequest& request,
                                      identity::v1::IssueWidgetTokenResponse& response);
  absl::Status HandleRotateSecret(const identity::v1::RotateSecretRequest& request,
                                  identity::v1::RotateSecretResponse& response);

  keyring::Keyring& keyring_;
  const Clock clock_;
  SecretRotator rotator_;
};

}  // namespace identity::service

#endif  // IDENTITY_SERVER_SERVICE_IDENTITY_SERVICE_IMPL_H_
