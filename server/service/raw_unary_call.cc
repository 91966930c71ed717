#include "server/service/raw_unary_call.h"

#include <chrono>

namespace identity::service {

RawUnaryCall::RawUnaryCall(const Kind& kind, CompletionQueuePool::Queue& queue)
    : kind_(kind), queue_(queue), responder_(&context_), done_tag_(*this) {}

void RawUnaryCall::Request(const Kind& kind, CompletionQueuePool::Queue& queue) {
  auto* call = new RawUnaryCall(kind, queue);
  const bool asked = queue.RequestIfOpen([&kind, call, &queue] {
    // Before the call starts, as gRPC requires. If the request fails (the
    // server shuts down), the notification never comes (gRPC's documented
    // behaviour, grpc/grpc#10136), so Proceed(false) deletes the call.
    if (kind.notice_cancellation) call->context_.AsyncNotifyWhenDone(&call->done_tag_);
    kind.request(&call->context_, &call->request_, &call->responder_, queue.cq(), call);
  });
  if (!asked) delete call;
}

bool RawUnaryCall::Abandoned() const {
  if (context_.deadline() <= std::chrono::system_clock::now()) return true;
  // IsCancelled() may be asked only once the done notification has come.
  return done_.load(std::memory_order_acquire) && context_.IsCancelled();
}

void RawUnaryCall::Finish(const grpc::Status& status) {
  if (status.ok()) {
    responder_.Finish(response_, status, this);
  } else {
    responder_.FinishWithError(status, this);
  }
}

void RawUnaryCall::Proceed(bool ok) {
  if (arrived_) {
    Release();  // the reply went out (or could not: the caller has gone)
    return;
  }
  if (!ok) {  // no call came: the server is shutting down
    delete this;
    return;
  }
  arrived_ = true;
  pending_.store(kind_.notice_cancellation ? 2 : 1, std::memory_order_relaxed);
  Request(kind_, queue_);  // the successor, so that as many calls stay asked for
  kind_.serve(*this);
}

void RawUnaryCall::DoneTag::Proceed(bool /*ok*/) {
  call_.done_.store(true, std::memory_order_release);
  call_.Release();
}

void RawUnaryCall::Release() {
  if (pending_.fetch_sub(1, std::memory_order_acq_rel) == 1) delete this;
}

}  // namespace identity::service
