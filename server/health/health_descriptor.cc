#include "server/health/health_descriptor.h"

#include "grpc/health/v1/health.pb.h"

namespace identity::health {

void LinkHealthDescriptor() {
  // descriptor() lives in health.pb.cc, whose static initialiser registers
  // the file with the generated pool.
  (void)grpc::health::v1::HealthCheckRequest::descriptor();
}

}  // namespace identity::health
