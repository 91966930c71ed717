#ifndef IDENTITY_SERVER_SERVICE_COMPLETION_QUEUE_POOL_H_
#define IDENTITY_SERVER_SERVICE_COMPLETION_QUEUE_POOL_H_

#include <grpcpp/grpcpp.h>

#include <functional>
#include <memory>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

namespace identity::service {

// CompletionQueuePool serves a gRPC server's calls from completion queues:
// one queue per thread, each thread waiting on its own queue and running
// what it receives to the end before it waits again. Every service of the
// server is served this way (identityd registers no callback or sync
// method but reflection's), so no other gRPC thread polls for calls.
//
// Why not the callback API: in gRPC 1.51 its calls run on "nexting" threads
// (at least two, whatever the core count) that share one queue and wake each
// other for nearly every call: scheduler work and futex wake-ups were the
// largest single cost in perf (docs/benchmarks.md, "Profiles"). Here the
// thread that read a request runs its handler and starts the reply.
//
//   CompletionQueuePool pool(builder, /*threads=*/1);
//   pool.AddCallKind([&](CompletionQueuePool::Queue& q) { MyCall::Request(q); });
//   std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
//   pool.Start();
//   ...
//   server->Shutdown(deadline);
//   pool.Shutdown();  // after the server: drains the queues, joins the threads
class CompletionQueuePool {
 public:
  // What a queue's thread receives: Proceed(ok) runs the step the completion
  // starts (`ok` as gRPC reports it for the operation).
  class Tag {
   public:
    virtual ~Tag() = default;
    virtual void Proceed(bool ok) = 0;
  };

  // One completion queue and its thread.
  class Queue {
   public:
    grpc::ServerCompletionQueue* cq() { return cq_.get(); }

    // Runs `request` (which asks gRPC for a call on cq()) unless the queue
    // is shutting down: asking on a queue that has shut down aborts the
    // process, and calls ask for their successor from the queue's thread.
    template <typename Request>
    bool RequestIfOpen(Request request) {
      absl::MutexLock lock(&mutex_);
      if (!open_) return false;
      request();
      return true;
    }

   private:
    friend class CompletionQueuePool;
    std::unique_ptr<grpc::ServerCompletionQueue> cq_;
    absl::Mutex mutex_;
    bool open_ ABSL_GUARDED_BY(mutex_) = true;
  };

  // Adds `threads` (>= 1) completion queues to `builder`.
  CompletionQueuePool(grpc::ServerBuilder& builder, int threads);
  // Shuts down (if not done yet).
  ~CompletionQueuePool();

  CompletionQueuePool(const CompletionQueuePool&) = delete;
  CompletionQueuePool& operator=(const CompletionQueuePool&) = delete;

  // Before Start: `request` asks for one call of some method on the queue it
  // is given; Start runs it a few times per queue, so that a burst of new
  // calls is matched at once (each served call then asks for its successor).
  void AddCallKind(std::function<void(Queue&)> request);

  // Once the server is built and started: asks for the first calls and
  // starts the threads.
  void Start();

  // After grpc::Server::Shutdown (which ends every call): shuts the queues
  // down, lets each thread drain its queue, joins them.
  void Shutdown();

 private:
  std::vector<std::unique_ptr<Queue>> queues_;
  std::vector<std::function<void(Queue&)>> call_kinds_;
  std::vector<std::thread> threads_;
  bool shut_down_ = false;
};

}  // namespace identity::service

#endif  // IDENTITY_SERVER_SERVICE_COMPLETION_QUEUE_POOL_H_
