#ifndef IDENTITY_CLIENT_BENCH_BENCH_SETTINGS_H_
#define IDENTITY_CLIENT_BENCH_BENCH_SETTINGS_H_

#include <grpcpp/channel.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "client/bench/load_generator.h"

namespace identity::bench {

// What every mode of identity-bench reads from its command line (the flags
// are defined in identity_bench.cc, which fills this once): the modes take it
// as an argument, so that none of them reads a flag itself.
struct BenchSettings {
  // The load of one run, without its channels: calls in flight per channel,
  // client threads, warm-up and duration, or a count of calls.
  LoadOptions load;
  // Times each list of scenarios (or, in scale mode, of methods) is run,
  // interleaved; at least 1.
  int rounds = 1;
  // The server's process id on this machine, for its CPU time and memory
  // (0: not measured).
  int server_pid = 0;
  // The period of the rotation stream of +rotate scenarios.
  absl::Duration rotate_every = absl::Milliseconds(10);
  // Saturation mode: the fraction of each scenario's saturated rate of its
  // open-loop pass (0: no such pass).
  double paced_fraction = 0;
  // Scale mode: single RotateSecret calls timed at each widget count.
  std::uint64_t rotation_probe_calls = 0;
  // The email in every request.
  std::string email;
  // How long to wait for every channel to connect.
  absl::Duration connect_timeout = absl::Seconds(10);

  // `load` on `channels`.
  LoadOptions LoadOn(std::vector<std::shared_ptr<grpc::Channel>> channels) const {
    LoadOptions o = load;
    o.channels = std::move(channels);
    return o;
  }
};

}  // namespace identity::bench

#endif  // IDENTITY_CLIENT_BENCH_BENCH_SETTINGS_H_
