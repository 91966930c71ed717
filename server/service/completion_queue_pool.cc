#include "server/service/completion_queue_pool.h"

#include <utility>

namespace identity::service {
namespace {

// Calls of each kind asked for in advance per queue.
constexpr int kRequestsInAdvance = 8;

}  // namespace

CompletionQueuePool::CompletionQueuePool(grpc::ServerBuilder& builder, int threads) {
  for (int i = 0; i < threads; ++i) {
    queues_.push_back(std::make_unique<Queue>());
    queues_.back()->cq_ = builder.AddCompletionQueue();
  }
}

CompletionQueuePool::~CompletionQueuePool() { Shutdown(); }

void CompletionQueuePool::AddCallKind(std::function<void(Queue&)> request) {
  call_kinds_.push_back(std::move(request));
}

void CompletionQueuePool::Start() {
  for (const std::unique_ptr<Queue>& queue : queues_) {
    for (const std::function<void(Queue&)>& request : call_kinds_) {
      for (int i = 0; i < kRequestsInAdvance; ++i) request(*queue);
    }
    threads_.emplace_back([cq = queue->cq()] {
      void* tag = nullptr;
      bool ok = false;
      while (cq->Next(&tag, &ok)) static_cast<Tag*>(tag)->Proceed(ok);
    });
  }
}

void CompletionQueuePool::Shutdown() {
  if (shut_down_) return;
  shut_down_ = true;
  for (const std::unique_ptr<Queue>& queue : queues_) {
    absl::MutexLock lock(&queue->mutex_);
    queue->open_ = false;
    queue->cq_->Shutdown();
  }
  // A queue that never started still has to be drained before it is destroyed.
  if (threads_.empty()) {
    for (const std::unique_ptr<Queue>& queue : queues_) {
      void* tag = nullptr;
      bool ok = false;
      while (queue->cq_->Next(&tag, &ok)) static_cast<Tag*>(tag)->Proceed(ok);
    }
  }
  for (std::thread& thread : threads_) thread.join();
  threads_.clear();
}

}  // namespace identity::service
