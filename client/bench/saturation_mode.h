#ifndef IDENTITY_CLIENT_BENCH_SATURATION_MODE_H_
#define IDENTITY_CLIENT_BENCH_SATURATION_MODE_H_

#include <grpcpp/channel.h>

#include <memory>
#include <vector>

#include "client/bench/bench_settings.h"
#include "client/bench/connection.h"
#include "client/bench/method_spec.h"
#include "client/bench/scenario.h"

namespace identity::bench {

// identity-bench's default mode: every scenario in turn, interleaved over
// settings.rounds, closed loop on `channels` (a +rotate scenario with a
// rotation stream on a channel of its own, opened through `connection`); then,
// with settings.paced_fraction, each scenario without +rotate again, open
// loop, at that fraction of its own saturated rate, for latency. Prints the
// Markdown tables (calls/s, latency, ratios to the null baseline and the
// targets of docs/benchmarks.md, CPU per call). Returns the exit status: 0 if
// every call succeeded, 1 if any failed, 2 if the rotation channel could not
// connect.
int RunSaturation(const Connection& connection,
                  const std::vector<std::shared_ptr<grpc::Channel>>& channels,
                  const std::vector<Scenario>& scenarios, const Workload& workload,
                  const BenchSettings& settings);

}  // namespace identity::bench

#endif  // IDENTITY_CLIENT_BENCH_SATURATION_MODE_H_
