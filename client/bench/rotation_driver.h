#ifndef IDENTITY_CLIENT_BENCH_ROTATION_DRIVER_H_
#define IDENTITY_CLIENT_BENCH_ROTATION_DRIVER_H_

#include <grpcpp/channel.h>

#include <memory>
#include <thread>

#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "client/bench/load_generator.h"
#include "client/bench/method_spec.h"

namespace identity::bench {

// RotationDriver makes one RotateSecret call every `period` on a thread of
// its own, while a load runs on other threads: the "rotate every N ms"
// stream. Each call generates a new secret for a widget of `workload`
// (uniformly at random), alternating the two kinds, and is checked like any
// other call. Calls do not overlap: if one takes longer than the period, the
// next starts as soon as it ends (no burst to catch up).
//
//   RotationDriver rotations(channel, workload, absl::Milliseconds(10));
//   rotations.Start();
//   LoadResult load = RunLoad(...);
//   LoadResult rotated = rotations.Stop();
class RotationDriver {
 public:
  RotationDriver(std::shared_ptr<grpc::Channel> channel, Workload workload, absl::Duration period);
  ~RotationDriver();  // stops the thread if still running
  RotationDriver(const RotationDriver&) = delete;
  RotationDriver& operator=(const RotationDriver&) = delete;

  // Starts the thread. Call once.
  void Start();

  // Stops the thread and returns its calls: ok and latencies of every
  // rotation (all are measured), and every failure.
  LoadResult Stop();

 private:
  void Loop();

  const std::shared_ptr<grpc::Channel> channel_;
  const MethodSpec rotate_;
  const absl::Duration period_;
  absl::Notification stop_;
  std::thread thread_;
  LoadResult result_;  // written by thread_ only, read after join
};

}  // namespace identity::bench

#endif  // IDENTITY_CLIENT_BENCH_ROTATION_DRIVER_H_
