#include "server/service/grpc_status.h"

#include <string>

namespace identity::service {

grpc::Status ToGrpcStatus(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  const int code = static_cast<int>(status.code());
  // Both enums number google.rpc.Code 0..16; anything else is a bug below.
  if (code < 0 || code > 16) {
    return grpc::Status(grpc::StatusCode::INTERNAL, "internal error: unknown status code");
  }
  return grpc::Status(static_cast<grpc::StatusCode>(code), std::string(status.message()));
}

}  // namespace identity::service
