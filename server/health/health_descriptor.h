#ifndef IDENTITYD_SERVER_HEALTH_HEALTH_DESCRIPTOR_H_
#define IDENTITYD_SERVER_HEALTH_HEALTH_DESCRIPTOR_H_

namespace identity::health {

// Makes sure grpc.health.v1's descriptors are in protobuf's generated pool,
// so that server reflection describes the built-in health service as it does
// every other served service (`grpcurl HOST describe grpc.health.v1.Health`,
// `grpcurl … grpc.health.v1.Health/Check`). Call once before serving.
//
// gRPC's built-in health service is written without protobuf's C++ code; the
// generated code of health.proto is linked for its descriptors only, and a
// static library's object is dropped by the linker unless something refers to
// it: this function is that reference.
void LinkHealthDescriptor();

}  // namespace identity::health

#endif  // IDENTITYD_SERVER_HEALTH_HEALTH_DESCRIPTOR_H_
