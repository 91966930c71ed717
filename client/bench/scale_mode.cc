#include "client/bench/scale_mode.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <optional>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "client/bench/method_spec.h"
#include "client/bench/process_cpu.h"
#include "client/bench/process_memory.h"
#include "client/bench/report.h"
#include "client/bench/widget_registration.h"

namespace identity::bench {
namespace {

// The targets of docs/benchmarks.md.
constexpr double kScaleSpreadTarget = 0.10;
constexpr double kBytesPerWidgetTarget = 1024;

// What one widget count measured.
struct ScaleRow {
  std::uint64_t widgets = 0;
  std::optional<std::int64_t> rss_after;
  std::optional<double> bytes_per_widget;  // over this step's new widgets
  absl::Duration register_time;
  std::uint64_t registered_now = 0;
  std::map<std::string, LoadResult> loads;
  // Client + server CPU time per call of each method (server with --server_pid).
  std::map<std::string, double> cpu_us_per_call;
  LoadResult rotations;
};

// Registers widgets [registered, count) and measures every method and the
// rotation probes at `count` widgets. Adds the failed calls to `failed`.
ScaleRow MeasureStep(const std::vector<std::shared_ptr<grpc::Channel>>& channels,
                     const std::vector<std::string>& methods, std::uint64_t registered,
                     std::uint64_t count, const BenchSettings& settings, std::uint64_t& failed) {
  const int pid = settings.server_pid;
  ScaleRow row;
  row.widgets = count;
  absl::StatusOr<std::int64_t> rss_before =
      pid > 0 ? ResidentBytes(pid) : absl::NotFoundError("no --server_pid");
  const absl::Time start = absl::Now();
  LoadResult reg = RegisterWidgets(channels, settings, registered, count);
  row.register_time = absl::Now() - start;
  row.registered_now = count - registered;
  failed += reg.failed;
  PrintFailures(absl::StrCat("registration up to ", count), reg);
  if (rss_before.ok()) {
    absl::StatusOr<std::int64_t> rss_after = ResidentBytes(pid);
    if (rss_after.ok()) {
      row.rss_after = *rss_after;
      if (row.registered_now > 0) {
        row.bytes_per_widget = static_cast<double>(*rss_after - *rss_before) /
                               static_cast<double>(row.registered_now);
      }
    }
  }
  Workload workload;
  workload.app_ids = BenchAppIds(count);
  workload.email = settings.email;
  std::map<std::string, absl::Duration> cpu;
  for (int round = 0; round < std::max(1, settings.rounds); ++round) {
    for (const std::string& m : methods) {
      const std::optional<absl::Duration> client_before = MaybeCpuTime(getpid());
      const std::optional<absl::Duration> server_before = MaybeCpuTime(pid);
      row.loads[m].Merge(RunLoad(*MakeMethodSpec(m, workload), settings.LoadOn(channels)));
      const std::optional<absl::Duration> client_after = MaybeCpuTime(getpid());
      const std::optional<absl::Duration> server_after = MaybeCpuTime(pid);
      if (client_before && client_after && server_before && server_after) {
        cpu[m] += (*client_after - *client_before) + (*server_after - *server_before);
      }
    }
  }
  for (const std::string& m : methods) {
    if (cpu.count(m) > 0 && row.loads[m].completed > 0) {
      row.cpu_us_per_call[m] =
          absl::ToDoubleMicroseconds(cpu[m]) / static_cast<double>(row.loads[m].completed);
    }
  }
  for (const std::string& m : methods) {
    failed += row.loads[m].failed;
    PrintFailures(absl::StrCat(m, " at ", count, " widgets"), row.loads[m]);
  }
  LoadOptions probe = settings.LoadOn({channels[0]});
  probe.in_flight_per_channel = 1;
  probe.threads = 1;
  probe.calls = settings.rotation_probe_calls;
  if (probe.calls > 0) {
    row.rotations = RunLoad(*MakeMethodSpec("rotate", workload), probe);
    failed += row.rotations.failed;
    PrintFailures(absl::StrCat("rotations at ", count, " widgets"), row.rotations);
  }
  return row;
}

void PrintScaleTable(const std::vector<ScaleRow>& rows, const std::vector<std::string>& methods) {
  std::printf("## Scale in widgets (calls spread uniformly over the registered widgets)\n\n");
  std::printf("| widgets | registered in | server RSS MiB | RSS bytes/widget (this step) |");
  for (const std::string& m : methods) {
    std::printf(" %s calls/s | %s p99 us | %s CPU us/call |", m.c_str(), m.c_str(), m.c_str());
  }
  std::printf(" rotation p50 us | rotation p99 us |\n|---:|---:|---:|---:|");
  for (std::size_t i = 0; i < methods.size(); ++i) std::printf("---:|---:|---:|");
  std::printf("---:|---:|\n");
  for (const ScaleRow& row : rows) {
    std::printf("| %llu | %s | %s | %s |", static_cast<unsigned long long>(row.widgets),
                row.registered_now > 0 ? absl::FormatDuration(absl::Trunc(row.register_time, absl::Milliseconds(1))).c_str() : "-",
                row.rss_after ? absl::StrFormat("%.1f", *row.rss_after / 1048576.0).c_str() : "n/a",
                row.bytes_per_widget ? absl::StrFormat("%.0f", *row.bytes_per_widget).c_str()
                                     : "n/a");
    for (const std::string& m : methods) {
      const LoadResult& l = row.loads.at(m);
      auto cpu = row.cpu_us_per_call.find(m);
      std::printf(" %.0f | %s | %s |", l.CallsPerSecond(), Micros(l.Percentile(0.99)).c_str(),
                  cpu == row.cpu_us_per_call.end()
                      ? "n/a"
                      : absl::StrFormat("%.1f", cpu->second).c_str());
    }
    std::printf(" %s | %s |\n", Micros(row.rotations.Percentile(0.5)).c_str(),
                Micros(row.rotations.Percentile(0.99)).c_str());
  }
}

void PrintScaleTargets(const std::vector<ScaleRow>& rows, const std::vector<std::string>& methods) {
  std::printf("\n## Targets (scale)\n\n");
  for (const std::string& m : methods) {
    double lo = 0, hi = 0;
    for (const ScaleRow& row : rows) {
      const double cps = row.loads.at(m).CallsPerSecond();
      lo = lo == 0 ? cps : std::min(lo, cps);
      hi = std::max(hi, cps);
    }
    const double spread = lo > 0 ? hi / lo - 1 : 0;
    std::printf("- %s calls/s across %zu widget counts: max/min - 1 = %.1f%% (target <= %.0f%%): %s\n",
                m.c_str(), rows.size(), 100 * spread, 100 * kScaleSpreadTarget,
                Verdict(lo > 0 && spread <= kScaleSpreadTarget).c_str());
    double cpu_lo = 0, cpu_hi = 0;
    bool all_cpu = true;
    for (const ScaleRow& row : rows) {
      auto it = row.cpu_us_per_call.find(m);
      if (it == row.cpu_us_per_call.end() || it->second <= 0) {
        all_cpu = false;
        break;
      }
      cpu_lo = cpu_lo == 0 ? it->second : std::min(cpu_lo, it->second);
      cpu_hi = std::max(cpu_hi, it->second);
    }
    if (all_cpu) {
      std::printf(
          "- %s client+server CPU per call across the widget counts: max/min - 1 = %.1f%% "
          "(load-independent view of the same target)\n",
          m.c_str(), 100 * (cpu_hi / cpu_lo - 1));
    }
  }
  const ScaleRow& last = rows.back();
  if (last.bytes_per_widget.has_value()) {
    std::printf(
        "- resident memory per widget with both kinds (the %llu widgets of the last step): %.0f "
        "bytes (target <= %.0f): %s\n",
        static_cast<unsigned long long>(last.registered_now), *last.bytes_per_widget,
        kBytesPerWidgetTarget, Verdict(*last.bytes_per_widget <= kBytesPerWidgetTarget).c_str());
  } else {
    std::printf("- resident memory per widget: not measured (pass --server_pid)\n");
  }
  if (rows.size() >= 2 && rows.front().rotations.ok > 0 && last.rotations.ok > 0) {
    std::printf(
        "- one rotation (RPC round trip, one in flight): p50 %s us at %llu widget(s), %s us at "
        "%llu (ratio %.2f)\n",
        Micros(rows.front().rotations.Percentile(0.5)).c_str(),
        static_cast<unsigned long long>(rows.front().widgets),
        Micros(last.rotations.Percentile(0.5)).c_str(),
        static_cast<unsigned long long>(last.widgets),
        absl::ToDoubleSeconds(last.rotations.Percentile(0.5)) /
            absl::ToDoubleSeconds(rows.front().rotations.Percentile(0.5)));
  }
}

}  // namespace

int RunScale(const std::vector<std::shared_ptr<grpc::Channel>>& channels,
             const std::vector<Scenario>& scenarios, const std::vector<std::uint64_t>& counts,
             const BenchSettings& settings) {
  std::vector<std::string> methods;
  for (const Scenario& s : scenarios) {
    if (!s.rotate && s.method != "rotate") methods.push_back(s.method);
  }
  std::vector<ScaleRow> rows;
  std::uint64_t failed = 0;
  std::uint64_t registered = 0;
  for (std::uint64_t count : counts) {
    rows.push_back(MeasureStep(channels, methods, registered, count, settings, failed));
    registered = count;
  }
  PrintScaleTable(rows, methods);
  PrintScaleTargets(rows, methods);
  return PrintOutcome(failed);
}

}  // namespace identity::bench
