#ifndef IDENTITY_CLIENT_BENCH_BULK_MODE_H_
#define IDENTITY_CLIENT_BENCH_BULK_MODE_H_

#include <grpcpp/channel.h>

#include <memory>
#include <vector>

#include "client/bench/bench_settings.h"
#include "client/bench/method_spec.h"

namespace identity::bench {

// --bulk=BATCH_SIZES: hashes per second through IssueEmailHashes at each
// batch size (closed loop, `workload`'s widget, batch_size distinct emails
// per call), against single IssueEmailHash calls, interleaved over
// settings.rounds. Prints calls/s, hashes/s, latency per call, and client and
// server CPU per hash (server with settings.server_pid), with the target of
// docs/benchmarks.md (>= 1,000,000 hashes/s at 1,000 emails per call).
// Returns the exit status: 0 if every call succeeded, else 1.
int RunBulk(const std::vector<std::shared_ptr<grpc::Channel>>& channels,
            const std::vector<int>& batch_sizes, const Workload& workload,
            const BenchSettings& settings);

}  // namespace identity::bench

#endif  // IDENTITY_CLIENT_BENCH_BULK_MODE_H_
