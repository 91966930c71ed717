#include "client/bench/rotation_driver.h"

#include <grpcpp/client_context.h>
#include <grpcpp/completion_queue.h>
#include <grpcpp/generic/generic_stub.h>

#include <algorithm>
#include <chrono>

#include "absl/random/random.h"
#include "absl/time/clock.h"

namespace identity::bench {

RotationDriver::RotationDriver(std::shared_ptr<grpc::Channel> channel, Workload workload,
                               absl::Duration period)
    : channel_(std::move(channel)),
      rotate_(*MakeMethodSpec("rotate", std::move(workload))),
      period_(period) {}

RotationDriver::~RotationDriver() {
  if (thread_.joinable()) Stop();
}

void RotationDriver::Start() {
  thread_ = std::thread([this] { Loop(); });
}

LoadResult RotationDriver::Stop() {
  stop_.Notify();
  if (thread_.joinable()) thread_.join();
  return result_;
}

void RotationDriver::Loop() {
  grpc::GenericStub stub(channel_);
  grpc::CompletionQueue cq;
  absl::InsecureBitGen gen;
  const absl::Time begin = absl::Now();
  absl::Time next = begin;
  for (std::uint64_t i = 0;; ++i) {
    if (stop_.WaitForNotificationWithDeadline(next)) break;
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    grpc::ByteBuffer request;
    grpc::ByteBuffer response;
    rotate_.make_request(i, gen, request);
    const absl::Time start = absl::Now();
    // One call at a time, so a completion queue of its own makes it blocking.
    grpc::Status status;
    std::unique_ptr<grpc::ClientAsyncResponseReader<grpc::ByteBuffer>> reader =
        stub.PrepareUnaryCall(&context, rotate_.path, request, &cq);
    reader->StartCall();
    reader->Finish(&response, &status, &cq);
    void* tag = nullptr;
    bool ok = false;
    cq.Next(&tag, &ok);
    const absl::Time end = absl::Now();
    ++result_.completed;
    if (absl::Status outcome = CallOutcome(rotate_, status, response); outcome.ok()) {
      ++result_.ok;
      result_.latencies_ns.push_back(absl::ToInt64Nanoseconds(end - start));
    } else {
      result_.AddFailure(outcome);
    }
    next = std::max(next + period_, end);
  }
  result_.elapsed = absl::Now() - begin;
  cq.Shutdown();
  void* tag = nullptr;
  bool ok = false;
  while (cq.Next(&tag, &ok)) {
  }
}

}  // namespace identity::bench
