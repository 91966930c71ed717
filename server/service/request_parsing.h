#ifndef IDENTITY_SERVER_SERVICE_REQUEST_PARSING_H_
#define IDENTITY_SERVER_SERVICE_REQUEST_PARSING_H_

#include <grpcpp/impl/codegen/proto_utils.h>
#include <grpcpp/support/byte_buffer.h>
#include <grpcpp/support/proto_buffer_reader.h>
#include <grpcpp/support/proto_buffer_writer.h>

#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/descriptor.h"

namespace identity::service {

// The bytes of a request that are not a valid message of `type`, explained:
// "FIELD: must be valid UTF-8" if a string field (at any depth) holds bytes
// that are not UTF-8 (the field is named, its bytes never quoted: it may be
// a secret), else "request: not a valid TYPE message (truncated or not
// protobuf)". Always kInvalidArgument.
absl::Status ExplainUnparseableRequest(const grpc::ByteBuffer& bytes,
                                       const google::protobuf::Descriptor& type);

// Parses a request from the bytes gRPC received, as gRPC's generated code
// would, but with a clear kInvalidArgument (ExplainUnparseableRequest) when
// they are not a valid message of its type.
template <typename Request>
absl::Status ParseRequest(const grpc::ByteBuffer& bytes, Request& request) {
  grpc::ByteBuffer copy(bytes);  // shares the slices; parsing consumes the buffer
  if (grpc::GenericDeserialize<grpc::ProtoBufferReader, Request>(&copy, &request).ok()) {
    return absl::OkStatus();
  }
  return ExplainUnparseableRequest(bytes, *Request::descriptor());
}

// Serializes a response into the bytes gRPC sends.
template <typename Response>
absl::Status SerializeResponse(const Response& response, grpc::ByteBuffer& bytes) {
  bool own_buffer = false;
  if (grpc::GenericSerialize<grpc::ProtoBufferWriter, Response>(response, &bytes, &own_buffer)
          .ok()) {
    return absl::OkStatus();
  }
  return absl::InternalError("cannot serialize the response");
}

}  // namespace identity::service

#endif  // IDENTITY_SERVER_SERVICE_REQUEST_PARSING_H_
