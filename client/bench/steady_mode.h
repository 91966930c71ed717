#ifndef IDENTITY_CLIENT_BENCH_STEADY_MODE_H_
#define IDENTITY_CLIENT_BENCH_STEADY_MODE_H_

#include <grpcpp/channel.h>

#include <memory>
#include <vector>

#include "client/bench/bench_settings.h"
#include "client/bench/method_spec.h"
#include "client/bench/scenario.h"

namespace identity::bench {

// --steady_rate: every method of `scenarios` at once (no +rotate), each at
// its share of `rate` calls/s, open loop, on the same channels, for the
// warm-up plus the duration of settings.load: a steady load, not a
// saturation (scripts/soak). Prints each method's calls, failures and
// latency, and the line "steady: calls=N failed=M" for scripts ("calls"
// counts every call that ended, warm-up and the calls still in flight at the
// end included: what the server served, to be compared with its audit log).
// Returns the exit status: 0 if every call succeeded, 1 if any failed, 2 for
// a +rotate scenario.
int RunSteady(const std::vector<std::shared_ptr<grpc::Channel>>& channels,
              const std::vector<Scenario>& scenarios, const Workload& workload, double rate,
              const BenchSettings& settings);

}  // namespace identity::bench

#endif  // IDENTITY_CLIENT_BENCH_STEADY_MODE_H_
