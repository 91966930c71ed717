#ifndef IDENTITY_SERVER_SERVICE_HEALTH_SERVICE_H_
#define IDENTITY_SERVER_SERVICE_HEALTH_SERVICE_H_

#include <grpcpp/grpcpp.h>
#include <grpcpp/impl/codegen/async_unary_call.h>
#include <grpcpp/impl/codegen/service_type.h>

#include <memory>
#include <set>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "server/service/completion_queue_pool.h"
#include "server/service/raw_unary_call.h"

namespace identity::service {

// HealthService serves grpc.health.v1.Health (Check and Watch, the standard
// health protocol that Kubernetes probes, grpcurl and gRPC clients' health
// checking use) from a CompletionQueuePool, in place of gRPC's built-in
// service: that one is written for the callback API, whose threads would
// poll for every call of the server (see completion_queue_pool.h). Messages
// are read and written as bytes (two fields; no generated code needed).
//
// Check answers SERVING or NOT_SERVING for a known service name, NOT_FOUND
// for another. Watch sends the status at once (SERVICE_UNKNOWN for an
// unknown name) and again when it changes; Shutdown() sends NOT_SERVING to
// every watcher and ends their streams with OK.
//
//   HealthService health;
//   builder.RegisterService(&health);
//   health.SetServing("", true);
//   health.ServeFrom(pool);
//   ...
//   health.Shutdown();  // at the start of a graceful stop
class HealthService final : public grpc::Service {
 public:
  HealthService();
  ~HealthService() override;

  // Sets a service name's status ("" is the whole server). Ignored after
  // Shutdown().
  void SetServing(const std::string& service, bool serving);

  // Every service NOT_SERVING from now on; watchers are told and their
  // streams ended.
  void Shutdown();

  // Before pool.Start(): serve Check and Watch from `pool`'s queues.
  void ServeFrom(CompletionQueuePool& pool);

 private:
  class WatchCall;
  friend class WatchCall;

  // The status a Watch reports for `service` (the enum's number).
  int WatchStatusLocked(const std::string& service) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  void NotifyWatchersLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  void ServeCheck(RawUnaryCall& call);

  absl::Mutex mutex_;
  absl::flat_hash_map<std::string, bool> serving_ ABSL_GUARDED_BY(mutex_);
  bool shut_down_ ABSL_GUARDED_BY(mutex_) = false;
  std::set<WatchCall*> watchers_ ABSL_GUARDED_BY(mutex_);
  RawUnaryCall::Kind check_;
};

}  // namespace identity::service

#endif  // IDENTITY_SERVER_SERVICE_HEALTH_SERVICE_H_
