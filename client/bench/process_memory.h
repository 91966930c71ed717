#ifndef IDENTITY_CLIENT_BENCH_PROCESS_MEMORY_H_
#define IDENTITY_CLIENT_BENCH_PROCESS_MEMORY_H_

#include <cstdint>

#include "absl/status/statusor.h"

namespace identity::bench {

// ResidentBytes returns the resident set size of process `pid` (VmRSS in
// /proc/PID/status), in bytes. kNotFound if the process or the field is
// missing (not Linux, or the process has ended).
//
//   absl::StatusOr<std::int64_t> rss = ResidentBytes(server_pid);
absl::StatusOr<std::int64_t> ResidentBytes(int pid);

}  // namespace identity::bench

#endif  // IDENTITY_CLIENT_BENCH_PROCESS_MEMORY_H_
