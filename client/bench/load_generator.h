#ifndef IDENTITY_CLIENT_BENCH_LOAD_GENERATOR_H_
#define IDENTITY_CLIENT_BENCH_LOAD_GENERATOR_H_

#include <grpcpp/channel.h>
#include <grpcpp/security/credentials.h>
#include <grpcpp/support/byte_buffer.h>
#include <grpcpp/support/status.h>

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "client/bench/method_spec.h"

namespace identity::bench {

// How to drive one method.
struct LoadOptions {
  // One connection each (see NewBenchChannel). Calls are spread evenly.
  std::vector<std::shared_ptr<grpc::Channel>> channels;
  // Calls kept in flight on each channel.
  int in_flight_per_channel = 16;
  // Threads polling completion queues; each owns the calls of some channels.
  int threads = 1;
  // Timed mode (calls == 0): run `warmup` unmeasured, then measure for
  // `duration`. Calls still in flight at the end are waited for and checked,
  // but not counted.
  absl::Duration warmup = absl::Milliseconds(500);
  absl::Duration duration = absl::Seconds(3);
  // Count mode (calls > 0): make exactly this many calls, all measured, no
  // warm-up, no duration.
  std::uint64_t calls = 0;
  // Open loop when > 0: calls are scheduled at this many per second in total
  // and each one's latency is measured from its scheduled start, so time
  // spent waiting for a free slot counts (no coordinated omission). 0: closed
  // loop, every slot starts its next call as soon as the last one ends.
  double rate = 0;
  // The deadline of each call. A call that misses it has failed.
  absl::Duration call_timeout = absl::Seconds(10);
};

// What one run measured.
struct LoadResult {
  // Measured successful calls, and the time they were measured over.
  std::uint64_t ok = 0;
  absl::Duration elapsed;
  // Every failed call, measured or not (a failure in the warm-up still fails
  // the run): a non-OK status or a malformed response.
  std::uint64_t failed = 0;
  // Every call that ended, measured or not, ok or not (CPU time per call is
  // the CPU time of the whole run over this).
  std::uint64_t completed = 0;
  // Failures by "CODE: message", for the report.
  std::map<std::string, std::uint64_t> failures;
  // The latency of each measured successful call, in nanoseconds.
  std::vector<std::int64_t> latencies_ns;

  // Counts one failed call.
  void AddFailure(const absl::Status& status);
  // Merges `other` (another round of the same scenario) into this one.
  void Merge(const LoadResult& other);
  // Measured successful calls per second.
  double CallsPerSecond() const;
  // The `q`-quantile (0..1) of the latencies, e.g. 0.99; 0 without calls.
  // Exact (nearest rank over every sample), not estimated from buckets.
  absl::Duration Percentile(double q) const;
};

// The outcome of one finished call of `method`: its status if not OK, else
// the method's check of `response`.
absl::Status CallOutcome(const MethodSpec& method, const grpc::Status& status,
                         grpc::ByteBuffer& response);

// Makes a channel to `target` with its own TCP connection: channels with the
// same arguments share connections in gRPC unless each has a local
// subchannel pool.
std::shared_ptr<grpc::Channel> NewBenchChannel(
    const std::string& target, const std::shared_ptr<grpc::ChannelCredentials>& credentials,
    const std::string& ssl_target_name_override);

// Drives `method` as `options` say, on the calling thread plus
// options.threads - 1 others, and returns when every call has ended.
LoadResult RunLoad(const MethodSpec& method, const LoadOptions& options);

}  // namespace identity::bench

#endif  // IDENTITY_CLIENT_BENCH_LOAD_GENERATOR_H_
