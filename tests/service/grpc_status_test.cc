// ToGrpcStatus: the one absl -> gRPC status mapping.

#include <grpcpp/support/status.h>

#include <string>

#include "absl/status/status.h"
#include "gtest/gtest.h"
#include "server/service/grpc_status.h"

namespace identity::service {
namespace {

TEST(ToGrpcStatusTest, OkIsOk) {
  const grpc::Status s = ToGrpcStatus(absl::OkStatus());
  EXPECT_TRUE(s.ok());
  EXPECT_EQ(s.error_message(), "");
}

TEST(ToGrpcStatusTest, EveryCanonicalCodeKeepsItsCodeAndMessage) {
  struct Pair {
    absl::StatusCode absl_code;
    grpc::StatusCode grpc_code;
  };
  // Spelled out, not computed: this is the table callers rely on.
  for (const Pair& p : {
           Pair{absl::StatusCode::kCancelled, grpc::StatusCode::CANCELLED},
           Pair{absl::StatusCode::kUnknown, grpc::StatusCode::UNKNOWN},
           Pair{absl::StatusCode::kInvalidArgument, grpc::StatusCode::INVALID_ARGUMENT},
           Pair{absl::StatusCode::kDeadlineExceeded, grpc::StatusCode::DEADLINE_EXCEEDED},
           Pair{absl::StatusCode::kNotFound, grpc::StatusCode::NOT_FOUND},
           Pair{absl::StatusCode::kAlreadyExists, grpc::StatusCode::ALREADY_EXISTS},
           Pair{absl::StatusCode::kPermissionDenied, grpc::StatusCode::PERMISSION_DENIED},
           Pair{absl::StatusCode::kResourceExhausted, grpc::StatusCode::RESOURCE_EXHAUSTED},
           Pair{absl::StatusCode::kFailedPrecondition, grpc::StatusCode::FAILED_PRECONDITION},
           Pair{absl::StatusCode::kAborted, grpc::StatusCode::ABORTED},
           Pair{absl::StatusCode::kOutOfRange, grpc::StatusCode::OUT_OF_RANGE},
           Pair{absl::StatusCode::kUnimplemented, grpc::StatusCode::UNIMPLEMENTED},
           Pair{absl::StatusCode::kInternal, grpc::StatusCode::INTERNAL},
           Pair{absl::StatusCode::kUnavailable, grpc::StatusCode::UNAVAILABLE},
           Pair{absl::StatusCode::kDataLoss, grpc::StatusCode::DATA_LOSS},
           Pair{absl::StatusCode::kUnauthenticated, grpc::StatusCode::UNAUTHENTICATED},
       }) {
    const std::string message = "field: rule broken \xE2\x80\x94 with UTF-8";
    const grpc::Status s = ToGrpcStatus(absl::Status(p.absl_code, message));
    EXPECT_EQ(s.error_code(), p.grpc_code) << absl::StatusCodeToString(p.absl_code);
    EXPECT_EQ(s.error_message(), message);
    EXPECT_EQ(s.error_details(), "");
  }
}

TEST(ToGrpcStatusTest, AnEmptyMessageStaysEmpty) {
  const grpc::Status s = ToGrpcStatus(absl::Status(absl::StatusCode::kNotFound, ""));
  EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(s.error_message(), "");
}

TEST(ToGrpcStatusTest, ANonCanonicalCodeIsNeverPassedThrough) {
  // absl::Status stores any int as its code, but code() maps the ones it does
  // not know to kUnknown: the caller gets UNKNOWN, never a code outside
  // google.rpc.Code, and never OK.
  for (int code : {17, 42, 1000, -1}) {
    const grpc::Status s = ToGrpcStatus(absl::Status(static_cast<absl::StatusCode>(code), "x"));
    EXPECT_EQ(s.error_code(), grpc::StatusCode::UNKNOWN) << code;
  }
}

}  // namespace
}  // namespace identity::service
