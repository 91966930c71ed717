#ifndef IDENTITY_SERVER_SERVICE_RAW_UNARY_CALL_H_
#define IDENTITY_SERVER_SERVICE_RAW_UNARY_CALL_H_

#include <grpcpp/grpcpp.h>
#include <grpcpp/impl/codegen/async_unary_call.h>
#include <grpcpp/impl/codegen/service_type.h>

#include <atomic>
#include <functional>

#include "server/service/completion_queue_pool.h"

namespace identity::service {

// RawUnaryCall is one call of a unary method served from a
// CompletionQueuePool with raw request and response bytes: asked for on a
// queue, served when it arrives (on that queue's thread), deleted once its
// reply has gone out (or the server shut down before a call came).
//
//   RawUnaryCall::Kind hash{
//       [&service](auto* context, auto* request, auto* responder, auto* cq, void* tag) {
//         service.RequestIssueEmailHash(context, request, responder, cq, cq, tag);
//       },
//       [&service](RawUnaryCall& call) {
//         call.Finish(service.ServeIssueEmailHash(call.context(), call.request(),
//                                                 call.response()));
//       }};
//   pool.AddCallKind([&hash](auto& queue) { RawUnaryCall::Request(hash, queue); });
class RawUnaryCall final : public CompletionQueuePool::Tag {
 public:
  struct Kind {
    // Asks gRPC for the next call of the method on `cq`, completing `tag`.
    std::function<void(grpc::ServerContext* context, grpc::ByteBuffer* request,
                       grpc::ServerAsyncResponseWriter<grpc::ByteBuffer>* responder,
                       grpc::ServerCompletionQueue* cq, void* tag)>
        request;
    // Serves an arrived call: must call Finish() once, on any thread (at
    // once, or later from another thread).
    std::function<void(RawUnaryCall& call)> serve;
    // Whether serve() needs Abandoned() to see cancellations (a gRPC "done"
    // notification per call: one more completion, so only where it matters).
    bool notice_cancellation = false;
  };

  // Asks for the next call of `kind` on `queue` (nothing if it is shutting
  // down). `kind` must outlive the queue's thread.
  static void Request(const Kind& kind, CompletionQueuePool::Queue& queue);

  grpc::ServerContext& context() { return context_; }
  const grpc::ByteBuffer& request() const { return request_; }
  grpc::ByteBuffer& response() { return response_; }

  // Whether the caller has gone: the deadline has passed, or (with
  // Kind::notice_cancellation) the call was cancelled.
  bool Abandoned() const;

  // Sends the reply: response() on OK, else just `status`.
  void Finish(const grpc::Status& status);

  void Proceed(bool ok) override;

 private:
  // The "done" notification's tag (Kind::notice_cancellation).
  class DoneTag final : public CompletionQueuePool::Tag {
   public:
    explicit DoneTag(RawUnaryCall& call) : call_(call) {}
    void Proceed(bool ok) override;

   private:
    RawUnaryCall& call_;
  };

  RawUnaryCall(const Kind& kind, CompletionQueuePool::Queue& queue);
  // Deletes the call once every completion it waits for has come.
  void Release();

  const Kind& kind_;
  CompletionQueuePool::Queue& queue_;
  grpc::ServerContext context_;
  grpc::ByteBuffer request_;
  grpc::ByteBuffer response_;
  grpc::ServerAsyncResponseWriter<grpc::ByteBuffer> responder_;
  DoneTag done_tag_;
  bool arrived_ = false;
  std::atomic<bool> done_ = false;
  // Completions still to come once the call has arrived: the reply's, and
  // the done notification's (with notice_cancellation).
  std::atomic<int> pending_ = 0;
};

}  // namespace identity::service

#endif  // IDENTITY_SERVER_SERVICE_RAW_UNARY_CALL_H_
