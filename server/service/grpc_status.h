#ifndef IDENTITY_SERVER_SERVICE_GRPC_STATUS_H_
#define IDENTITY_SERVER_SERVICE_GRPC_STATUS_H_

#include <grpcpp/support/status.h>

#include "absl/status/status.h"

namespace identity::service {

// ToGrpcStatus maps an absl::Status from the layers below to the gRPC status
// returned to the caller: the one place where the two meet. The codes share
// their numbering (both follow google.rpc.Code); the message is passed
// through, so every layer writes messages fit for callers.
grpc::Status ToGrpcStatus(const absl::Status& status);

}  // namespace identity::service

#endif  // IDENTITY_SERVER_SERVICE_GRPC_STATUS_H_
