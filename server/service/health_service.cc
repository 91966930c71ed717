#include "server/service/health_service.h"

#include <grpcpp/impl/codegen/async_stream.h>
#include <grpcpp/impl/rpc_method.h>
#include <grpcpp/impl/rpc_service_method.h>

#include <optional>
#include <utility>

#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/wire_format_lite.h"

namespace identity::service {
namespace {

using google::protobuf::internal::WireFormatLite;

constexpr char kCheckMethod[] = "/grpc.health.v1.Health/Check";
constexpr char kWatchMethod[] = "/grpc.health.v1.Health/Watch";

// grpc.health.v1.HealthCheckResponse.ServingStatus.
constexpr int kServing = 1;
constexpr int kNotServing = 2;
constexpr int kServiceUnknown = 3;

// HealthCheckRequest.service (field 1, a string); nullopt if the bytes are
// not such a message.
std::optional<std::string> ServiceOf(const grpc::ByteBuffer& bytes) {
  grpc::Slice flat;
  if (bytes.Length() == 0) return std::string();
  if (!bytes.DumpToSingleSlice(&flat).ok()) return std::nullopt;
  google::protobuf::io::CodedInputStream in(flat.begin(), static_cast<int>(flat.size()));
  std::string service;
  for (;;) {
    const std::uint32_t tag = in.ReadTag();
    if (tag == 0) return in.ConsumedEntireMessage() ? std::optional(service) : std::nullopt;
    if (tag == WireFormatLite::MakeTag(1, WireFormatLite::WIRETYPE_LENGTH_DELIMITED)) {
      if (!WireFormatLite::ReadString(&in, &service)) return std::nullopt;
    } else if (!WireFormatLite::SkipField(&in, tag)) {
      return std::nullopt;
    }
  }
}

// HealthCheckResponse{status}: field 1, a varint (the statuses are < 128).
grpc::ByteBuffer Response(int status) {
  const char bytes[2] = {0x08, static_cast<char>(status)};
  grpc::Slice slice(bytes, sizeof bytes);
  return grpc::ByteBuffer(&slice, 1);
}

}  // namespace

// One Watch stream. Its state is guarded by the service's mutex; at most one
// operation (a write or the finish) is in flight; it is deleted once gRPC's
// done notification has come and no operation is in flight.
class HealthService::WatchCall {
 public:
  static void Request(HealthService& health, CompletionQueuePool::Queue& queue) {
    auto* call = new WatchCall(health, queue);
    const bool asked = queue.RequestIfOpen([&] {
      // Before the call starts; not delivered if no call comes (the server
      // shuts down): then the arrival's ok=false deletes the call.
      call->context_.AsyncNotifyWhenDone(&call->done_);
      health.RequestAsyncServerStreaming(1, &call->context_, &call->request_, &call->writer_,
                                         queue.cq(), queue.cq(), &call->arrival_);
    });
    if (!asked) delete call;
  }

  // Sends what the stream still owes (the current status, or the end once
  // the service shut down), if no operation is in flight.
  void Advance() ABSL_EXCLUSIVE_LOCKS_REQUIRED(health_.mutex_) {
    if (in_flight_ || broken_ || finished_) return;
    const int status = health_.WatchStatusLocked(service_);
    if (status != sent_) {
      sent_ = status;
      in_flight_ = true;
      writer_.Write(Response(status), &op_done_);
    } else if (health_.shut_down_) {
      finished_ = true;
      in_flight_ = true;
      writer_.Finish(grpc::Status::OK, &op_done_);
    }
  }

 private:
  // A completion of this call: which one is told by the member it points to.
  class Step final : public CompletionQueuePool::Tag {
   public:
    Step(WatchCall& call, void (WatchCall::*on)(bool)) : call_(call), on_(on) {}
    void Proceed(bool ok) override { (call_.*on_)(ok); }

   private:
    WatchCall& call_;
    void (WatchCall::*on_)(bool);
  };

  WatchCall(HealthService& health, CompletionQueuePool::Queue& queue)
      : health_(health),
        queue_(queue),
        writer_(&context_),
        arrival_(*this, &WatchCall::Arrived),
        op_done_(*this, &WatchCall::OperationDone),
        done_(*this, &WatchCall::Done) {}

  void Arrived(bool ok) {
    if (!ok) {  // no call came: shutting down; no done notification follows
      delete this;
      return;
    }
    Request(health_, queue_);
    const std::optional<std::string> service = ServiceOf(request_);
    absl::MutexLock lock(&health_.mutex_);
    health_.watchers_.insert(this);
    if (!service.has_value()) {
      finished_ = true;
      in_flight_ = true;
      writer_.Finish(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                                  "request: not a valid grpc.health.v1.HealthCheckRequest"),
                     &op_done_);
      return;
    }
    service_ = *service;
    Advance();
  }

  void OperationDone(bool ok) {
    bool release = false;
    {
      absl::MutexLock lock(&health_.mutex_);
      in_flight_ = false;
      if (!ok) broken_ = true;  // the caller has gone
      Advance();
      release = ReleasableLocked();
    }
    if (release) delete this;
  }

  void Done(bool /*ok*/) {
    bool release = false;
    {
      absl::MutexLock lock(&health_.mutex_);
      done_arrived_ = true;
      release = ReleasableLocked();
    }
    if (release) delete this;
  }

  bool ReleasableLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(health_.mutex_) {
    if (!done_arrived_ || in_flight_) return false;
    health_.watchers_.erase(this);
    return true;
  }

  HealthService& health_;
  CompletionQueuePool::Queue& queue_;
  grpc::ServerContext context_;
  grpc::ByteBuffer request_;
  grpc::ServerAsyncWriter<grpc::ByteBuffer> writer_;
  Step arrival_;
  Step op_done_;
  Step done_;
  std::string service_;
  int sent_ = -1;
  bool in_flight_ = false;
  bool broken_ = false;
  bool finished_ = false;
  bool done_arrived_ = false;
};

HealthService::HealthService() {
  AddMethod(new grpc::internal::RpcServiceMethod(kCheckMethod, grpc::internal::RpcMethod::NORMAL_RPC,
                                                 nullptr));
  AddMethod(new grpc::internal::RpcServiceMethod(
      kWatchMethod, grpc::internal::RpcMethod::SERVER_STREAMING, nullptr));
  MarkMethodRaw(0);
  MarkMethodRaw(1);
  check_.request = [this](grpc::ServerContext* context, grpc::ByteBuffer* request,
                          grpc::ServerAsyncResponseWriter<grpc::ByteBuffer>* responder,
                          grpc::ServerCompletionQueue* cq, void* tag) {
    RequestAsyncUnary(0, context, request, responder, cq, cq, tag);
  };
  check_.serve = [this](RawUnaryCall& call) { ServeCheck(call); };
}

HealthService::~HealthService() = default;

void HealthService::SetServing(const std::string& service, bool serving) {
  absl::MutexLock lock(&mutex_);
  if (shut_down_) return;
  serving_[service] = serving;
  NotifyWatchersLocked();
}

void HealthService::Shutdown() {
  absl::MutexLock lock(&mutex_);
  shut_down_ = true;
  for (auto& [service, serving] : serving_) serving = false;
  NotifyWatchersLocked();
}

void HealthService::ServeFrom(CompletionQueuePool& pool) {
  pool.AddCallKind([this](CompletionQueuePool::Queue& queue) {
    RawUnaryCall::Request(check_, queue);
  });
  pool.AddCallKind(
      [this](CompletionQueuePool::Queue& queue) { WatchCall::Request(*this, queue); });
}

int HealthService::WatchStatusLocked(const std::string& service) const {
  const auto it = serving_.find(service);
  if (it == serving_.end()) return kServiceUnknown;
  return it->second ? kServing : kNotServing;
}

void HealthService::NotifyWatchersLocked() {
  for (WatchCall* watcher : watchers_) watcher->Advance();
}

void HealthService::ServeCheck(RawUnaryCall& call) {
  const std::optional<std::string> service = ServiceOf(call.request());
  if (!service.has_value()) {
    call.Finish(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                             "request: not a valid grpc.health.v1.HealthCheckRequest"));
    return;
  }
  int status = 0;
  {
    absl::MutexLock lock(&mutex_);
    status = WatchStatusLocked(*service);
  }
  if (status == kServiceUnknown) {
    call.Finish(grpc::Status(grpc::StatusCode::NOT_FOUND, "service name unknown"));
    return;
  }
  call.response() = Response(status);
  call.Finish(grpc::Status::OK);
}

}  // namespace identity::service
