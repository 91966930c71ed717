#include "client/bench/process_cpu.h"

#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace identity::bench {

absl::StatusOr<absl::Duration> CpuTime(int pid) {
  const std::string path = absl::StrCat("/proc/", pid, "/stat");
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat(path, ": cannot be read"));
  std::ostringstream text;
  text << in.rdbuf();
  const std::string stat = text.str();
  // "PID (COMM) STATE PPID ...": COMM may hold spaces and parentheses, so the
  // fields are counted from the last ')'. utime and stime are fields 14 and
  // 15, i.e. the 12th and 13th after STATE.
  const std::size_t close = stat.rfind(')');
  if (close == std::string::npos) {
    return absl::NotFoundError(absl::StrCat(path, ": unexpected form"));
  }
  std::vector<absl::string_view> fields =
      absl::StrSplit(absl::string_view(stat).substr(close + 1), ' ', absl::SkipEmpty());
  std::int64_t utime = 0;
  std::int64_t stime = 0;
  if (fields.size() < 13 || !absl::SimpleAtoi(fields[11], &utime) ||
      !absl::SimpleAtoi(fields[12], &stime)) {
    return absl::NotFoundError(absl::StrCat(path, ": no utime/stime"));
  }
  const long ticks_per_second = sysconf(_SC_CLK_TCK);
  if (ticks_per_second <= 0) return absl::NotFoundError("sysconf(_SC_CLK_TCK) failed");
  return absl::Seconds(static_cast<double>(utime + stime) / static_cast<double>(ticks_per_second));
}

std::optional<absl::Duration> MaybeCpuTime(int pid) {
  if (pid <= 0) return std::nullopt;
  absl::StatusOr<absl::Duration> cpu = CpuTime(pid);
  if (!cpu.ok()) return std::nullopt;
  return *cpu;
}

}  // namespace identity::bench
