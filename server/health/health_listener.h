#ifndef IDENTITYD_SERVER_HEALTH_HEALTH_LISTENER_H_
#define IDENTITYD_SERVER_HEALTH_HEALTH_LISTENER_H_

#include <grpcpp/generic/async_generic_service.h>
#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace identity::health {

// A second, plain-text port that serves grpc.health.v1.Health and nothing
// else (`--health_listen`), for probes that cannot speak mutual TLS:
// Kubernetes' native gRPC liveness and readiness probes connect without TLS,
// and identityd's service port accepts mutual TLS only. It reveals only the
// serving status: no other service, no reflection, tiny requests only.
class HealthListener {
 public:
  // Starts serving on `address` ("HOST:PORT"; port 0 picks a free one) with
  // "" and every name in `services` SERVING. kInvalidArgument naming
  // --health_listen on a malformed address, kUnavailable if it cannot bind.
  static absl::StatusOr<std::unique_ptr<HealthListener>> Start(
      const std::string& address, const std::vector<std::string>& services);

  ~HealthListener();

  // The bound port.
  int port() const { return port_; }

  // Every service NOT_SERVING from now on (a stop has begun).
  void SetNotServing();

  // Stops the listener (in-flight checks are cancelled).
  void Shutdown();

 private:
  HealthListener() = default;

  // Answers every other method UNIMPLEMENTED. gRPC refuses to build a server
  // with no service of its own, and the built-in health service does not count.
  grpc::CallbackGenericService unimplemented_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
};

}  // namespace identity::health

#endif  // IDENTITYD_SERVER_HEALTH_HEALTH_LISTENER_H_
