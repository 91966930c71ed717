#include "client/bench/bulk_mode.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <optional>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "client/bench/process_cpu.h"
#include "client/bench/report.h"

namespace identity::bench {
namespace {

// The target of docs/benchmarks.md (issue 16): hashes per second through
// the RPC on this project's 2-core machine, load generator included.
constexpr double kHashesPerSecondTarget = 1e6;
constexpr int kTargetBatchSize = 1000;

// One line of the table: single IssueEmailHash calls (batch 0) or
// IssueEmailHashes calls of `batch` emails.
struct BulkRow {
  int batch = 0;
  LoadResult load;
  std::optional<absl::Duration> client_cpu, server_cpu;

  int HashesPerCall() const { return batch == 0 ? 1 : batch; }
  double HashesPerSecond() const { return load.CallsPerSecond() * HashesPerCall(); }
  std::string Label() const {
    return batch == 0 ? "IssueEmailHash" : absl::StrCat("IssueEmailHashes x ", batch);
  }
  // CPU per hash over every call that ended (warm-up included), in ns.
  std::string NanosPerHash(const std::optional<absl::Duration>& cpu) const {
    const double hashes = static_cast<double>(load.completed) * HashesPerCall();
    if (!cpu.has_value() || hashes <= 0) return "n/a";
    return absl::StrFormat("%.0f", absl::ToDoubleNanoseconds(*cpu) / hashes);
  }
};

void AddCpu(std::optional<absl::Duration>& total, const std::optional<absl::Duration>& before,
            const std::optional<absl::Duration>& after) {
  if (!before || !after) return;
  total = total.value_or(absl::ZeroDuration()) + (*after - *before);
}

}  // namespace

int RunBulk(const std::vector<std::shared_ptr<grpc::Channel>>& channels,
            const std::vector<int>& batch_sizes, const Workload& workload,
            const BenchSettings& settings) {
  std::vector<BulkRow> rows(1);  // rows[0]: single calls
  for (int batch : batch_sizes) rows.push_back(BulkRow{batch, {}, {}, {}});
  const LoadOptions options = settings.LoadOn(channels);
  for (int round = 0; round < std::max(1, settings.rounds); ++round) {
    for (BulkRow& row : rows) {
      Workload w = workload;
      w.batch_size = row.batch;
      const MethodSpec spec = *MakeMethodSpec(row.batch == 0 ? "hash" : "hashes", w);
      const std::optional<absl::Duration> client_before = MaybeCpuTime(getpid());
      const std::optional<absl::Duration> server_before = MaybeCpuTime(settings.server_pid);
      row.load.Merge(RunLoad(spec, options));
      AddCpu(row.client_cpu, client_before, MaybeCpuTime(getpid()));
      AddCpu(row.server_cpu, server_before, MaybeCpuTime(settings.server_pid));
    }
  }

  std::printf("## Bulk hashes (IssueEmailHashes, closed loop)\n\n");
  std::printf(
      "| calls | emails per call | calls/s | hashes/s | x single calls | p50 us/call | p99 us/call "
      "| client CPU ns/hash | server CPU ns/hash | failed |\n"
      "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
  std::uint64_t failed = 0;
  const double single = rows[0].HashesPerSecond();
  std::optional<double> at_target;
  for (const BulkRow& row : rows) {
    failed += row.load.failed;
    if (row.batch == kTargetBatchSize) at_target = row.HashesPerSecond();
    std::printf("| %s | %d | %.0f | %.0f | %s | %s | %s | %s | %s | %llu |\n", row.Label().c_str(),
                row.HashesPerCall(), row.load.CallsPerSecond(), row.HashesPerSecond(),
                single > 0 ? absl::StrFormat("%.1f", row.HashesPerSecond() / single).c_str() : "-",
                Micros(row.load.Percentile(0.5)).c_str(),
                Micros(row.load.Percentile(0.99)).c_str(), row.NanosPerHash(row.client_cpu).c_str(),
                row.NanosPerHash(row.server_cpu).c_str(),
                static_cast<unsigned long long>(row.load.failed));
  }
  std::printf("\n## Targets (bulk)\n\n");
  if (at_target.has_value()) {
    std::printf("- hashes/s through IssueEmailHashes at %d emails per call: %.0f (target >= %.0f): "
                "%s\n",
                kTargetBatchSize, *at_target, kHashesPerSecondTarget,
                Verdict(*at_target >= kHashesPerSecondTarget && failed == 0).c_str());
  } else {
    std::printf("- hashes/s at %d emails per call: not measured (add %d to --bulk)\n",
                kTargetBatchSize, kTargetBatchSize);
  }
  for (const BulkRow& row : rows) PrintFailures(row.Label(), row.load);
  return PrintOutcome(failed);
}

}  // namespace identity::bench
