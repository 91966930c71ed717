#ifndef IDENTITY_CLIENT_BENCH_SCALE_MODE_H_
#define IDENTITY_CLIENT_BENCH_SCALE_MODE_H_

#include <grpcpp/channel.h>

#include <cstdint>
#include <memory>
#include <vector>

#include "client/bench/bench_settings.h"
#include "client/bench/scenario.h"

namespace identity::bench {

// --scale=COUNTS: for each widget count in turn (ascending), registers
// benchmark widgets up to it (both kinds, through RotateSecret), reports the
// server's resident memory per widget (settings.server_pid), the calls/s of
// each method of `scenarios` (no +rotate, no rotate) with calls spread
// uniformly over the widgets, and the latency of single rotations
// (settings.rotation_probe_calls, one in flight). Prints the Markdown table
// and the targets of docs/benchmarks.md; returns the exit status (0 if every
// call succeeded, else 1).
int RunScale(const std::vector<std::shared_ptr<grpc::Channel>>& channels,
             const std::vector<Scenario>& scenarios, const std::vector<std::uint64_t>& counts,
             const BenchSettings& settings);

}  // namespace identity::bench

#endif  // IDENTITY_CLIENT_BENCH_SCALE_MODE_H_
