#ifndef IDENTITY_SERVER_COMMON_SERIAL_WORKER_H_
#define IDENTITY_SERVER_COMMON_SERIAL_WORKER_H_

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

namespace identity {

// SerialWorker runs tasks one at a time, in the order posted, on a thread of
// its own. It is where work that blocks (disk syncs) goes, so that it never
// holds up a thread that serves gRPC calls.
//
//   SerialWorker worker;
//   worker.Post([] { WriteSomethingDurably(); });
class SerialWorker {
 public:
  SerialWorker();
  // Runs every task already posted, then stops the thread.
  ~SerialWorker();
  SerialWorker(const SerialWorker&) = delete;
  SerialWorker& operator=(const SerialWorker&) = delete;

  // Queues `task` to run after every task posted before it. Must not be
  // called once destruction has begun.
  void Post(std::function<void()> task);

 private:
  void Run();

  std::mutex mu_;
  std::condition_variable wake_;
  std::deque<std::function<void()>> tasks_;  // guarded by mu_
  bool stopping_ = false;                    // guarded by mu_
  std::thread thread_;                       // last: starts after the rest exists
};

}  // namespace identity

#endif  // IDENTITY_SERVER_COMMON_SERIAL_WORKER_H_
