#ifndef IDENTITY_CLIENT_BENCH_PROCESS_CPU_H_
#define IDENTITY_CLIENT_BENCH_PROCESS_CPU_H_

#include <optional>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace identity::bench {

// CpuTime returns the CPU time (user + system, all threads) that process
// `pid` has used so far, from /proc/PID/stat (in clock ticks, usually 10 ms).
// On a machine shared with other work, CPU time per call is what a benchmark
// can compare across runs: wall-clock throughput also measures the neighbours.
// kNotFound if the process or the fields are missing.
//
//   absl::StatusOr<absl::Duration> before = CpuTime(server_pid);
absl::StatusOr<absl::Duration> CpuTime(int pid);

// CpuTime(pid), or nullopt if it cannot be read (or pid is 0: not given).
std::optional<absl::Duration> MaybeCpuTime(int pid);

}  // namespace identity::bench

#endif  // IDENTITY_CLIENT_BENCH_PROCESS_CPU_H_
