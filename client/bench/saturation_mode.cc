#include "client/bench/saturation_mode.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <optional>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "client/bench/process_cpu.h"
#include "client/bench/report.h"
#include "client/bench/rotation_driver.h"

namespace identity::bench {
namespace {

// The targets of docs/benchmarks.md.
constexpr double kHashVsNullTarget = 0.95;
constexpr double kTokenVsNullTarget = 0.90;
constexpr double kRotationVsPlainTarget = 0.95;
constexpr absl::Duration kHalfLoadP99Target = absl::Milliseconds(2);

struct ScenarioResult {
  Scenario scenario;
  LoadResult load;
  LoadResult rotations;  // +rotate scenarios only
  // CPU time used over the scenario's runs (warm-up included), by this
  // process and by the server (if --server_pid), and the calls they made.
  absl::Duration client_cpu;
  std::optional<absl::Duration> server_cpu;

  // CPU per call (client, server), over every call that ended.
  double ClientMicrosPerCall() const { return MicrosPer(client_cpu); }
  std::optional<double> ServerMicrosPerCall() const {
    if (!server_cpu.has_value()) return std::nullopt;
    return MicrosPer(*server_cpu);
  }

 private:
  double MicrosPer(absl::Duration cpu) const {
    const std::uint64_t calls = load.completed + rotations.completed;
    return calls > 0 ? absl::ToDoubleMicroseconds(cpu) / static_cast<double>(calls) : 0;
  }
};

// The result of the scenario `method` (with or without +rotate), if run.
const ScenarioResult* Find(const std::vector<ScenarioResult>& results, absl::string_view method,
                           bool rotate) {
  for (const ScenarioResult& r : results) {
    if (r.scenario.method == method && r.scenario.rotate == rotate) return &r;
  }
  return nullptr;
}

// Runs every scenario, closed loop, settings.rounds times interleaved.
std::vector<ScenarioResult> Measure(const std::shared_ptr<grpc::Channel>& rotation_channel,
                                    const std::vector<std::shared_ptr<grpc::Channel>>& channels,
                                    const std::vector<Scenario>& scenarios,
                                    const Workload& workload, const BenchSettings& settings) {
  std::vector<ScenarioResult> results;
  for (const Scenario& s : scenarios) results.push_back({s, {}, {}, {}, {}});
  const LoadOptions options = settings.LoadOn(channels);
  for (int round = 0; round < std::max(1, settings.rounds); ++round) {
    for (ScenarioResult& r : results) {
      const MethodSpec spec = *MakeMethodSpec(r.scenario.method, workload);
      const std::optional<absl::Duration> client_before = MaybeCpuTime(getpid());
      const std::optional<absl::Duration> server_before = MaybeCpuTime(settings.server_pid);
      std::optional<RotationDriver> rotations;
      if (r.scenario.rotate) {
        rotations.emplace(rotation_channel, workload, settings.rotate_every);
        rotations->Start();
      }
      r.load.Merge(RunLoad(spec, options));
      if (rotations.has_value()) r.rotations.Merge(rotations->Stop());
      const std::optional<absl::Duration> client_after = MaybeCpuTime(getpid());
      const std::optional<absl::Duration> server_after = MaybeCpuTime(settings.server_pid);
      if (client_before && client_after) r.client_cpu += *client_after - *client_before;
      if (server_before && server_after) {
        r.server_cpu = r.server_cpu.value_or(absl::ZeroDuration()) + *server_after - *server_before;
      }
    }
  }
  return results;
}

// The saturation table, with each scenario's ratio to its baseline (health,
// or the same method without +rotate) and target; adds a line per target to
// `verdicts`. Returns the failed calls.
std::uint64_t PrintSaturationTable(const std::vector<ScenarioResult>& results,
                                   std::vector<std::string>& verdicts) {
  const ScenarioResult* null_baseline = Find(results, "health", false);
  std::printf("## Saturation (closed loop)\n\n");
  std::printf(
      "| scenario | calls/s | p50 us | p99 us | p99.9 us | calls | failed | ratio | target | "
      "verdict |\n");
  std::printf("|---|---:|---:|---:|---:|---:|---:|---:|---|---|\n");
  std::uint64_t failed = 0;
  for (const ScenarioResult& r : results) {
    const LoadResult& l = r.load;
    failed += l.failed + r.rotations.failed;
    std::string ratio = "-", target = "-", verdict = "-";
    const ScenarioResult* base = nullptr;
    double want = 0;
    if (r.scenario.rotate) {
      base = Find(results, r.scenario.method, false);
      want = kRotationVsPlainTarget;
      if (base != nullptr) target = absl::StrFormat(">= %.2f x %s", want, base->scenario.label());
    } else if (r.scenario.method == "hash" || r.scenario.method == "token") {
      base = null_baseline;
      want = r.scenario.method == "hash" ? kHashVsNullTarget : kTokenVsNullTarget;
      if (base != nullptr) target = absl::StrFormat(">= %.2f x health", want);
    } else if (r.scenario.method != "health" && null_baseline != nullptr) {
      base = null_baseline;  // informational: no target
    }
    if (base != nullptr && base->load.CallsPerSecond() > 0) {
      const double x = l.CallsPerSecond() / base->load.CallsPerSecond();
      ratio = absl::StrFormat("%.3f", x);
      if (want > 0) {
        const bool met = x >= want && l.failed == 0 && r.rotations.failed == 0;
        verdict = Verdict(met);
        verdicts.push_back(absl::StrFormat(
            "- %s: %.3f x %s calls/s (target >= %.2f)%s: %s", r.scenario.label(), x,
            base->scenario.label(), want,
            r.scenario.rotate ? absl::StrFormat(", %llu rotations, %llu failed calls",
                                                static_cast<unsigned long long>(r.rotations.ok),
                                                static_cast<unsigned long long>(l.failed +
                                                                                r.rotations.failed))
                              : "",
            verdict));
      }
    }
    std::printf("| %s | %.0f | %s | %s | %s | %llu | %llu | %s | %s | %s |\n",
                r.scenario.label().c_str(), l.CallsPerSecond(), Micros(l.Percentile(0.5)).c_str(),
                Micros(l.Percentile(0.99)).c_str(), Micros(l.Percentile(0.999)).c_str(),
                static_cast<unsigned long long>(l.ok), static_cast<unsigned long long>(l.failed),
                ratio.c_str(), target.c_str(), verdict.c_str());
  }
  return failed;
}

// The rotation streams of the +rotate scenarios, if any.
void PrintRotationStreams(const std::vector<ScenarioResult>& results,
                          const BenchSettings& settings) {
  bool any_rotation = false;
  for (const ScenarioResult& r : results) any_rotation |= r.scenario.rotate;
  if (!any_rotation) return;
  std::printf("\nRotation streams (one RotateSecret every %s, generate, alternating kinds):\n\n",
              absl::FormatDuration(settings.rotate_every).c_str());
  std::printf("| during | rotations | failed | p50 us | p99 us |\n|---|---:|---:|---:|---:|\n");
  for (const ScenarioResult& r : results) {
    if (!r.scenario.rotate) continue;
    std::printf("| %s | %llu | %llu | %s | %s |\n", r.scenario.label().c_str(),
                static_cast<unsigned long long>(r.rotations.ok),
                static_cast<unsigned long long>(r.rotations.failed),
                Micros(r.rotations.Percentile(0.5)).c_str(),
                Micros(r.rotations.Percentile(0.99)).c_str());
  }
}

// CPU per call of each scenario, and the calls/s ratio to health it projects.
void PrintCpuTable(const std::vector<ScenarioResult>& results) {
  const ScenarioResult* null_baseline = Find(results, "health", false);
  std::printf(
      "\nCPU time per call (warm-up included; client: this process, rotation thread included; "
      "server: --server_pid). On a shared machine this is the load-independent cost; the "
      "projection is the calls/s ratio a machine running only these two processes would "
      "show: (client + server CPU of health) / (client + server CPU of the scenario).\n\n");
  std::printf(
      "| scenario | client CPU us/call | server CPU us/call | server CPU x health | "
      "projected calls/s ratio |\n|---|---:|---:|---:|---:|\n");
  for (const ScenarioResult& r : results) {
    const std::optional<double> server = r.ServerMicrosPerCall();
    std::string vs_health = "-", projected = "-";
    if (null_baseline != nullptr && server.has_value() &&
        null_baseline->ServerMicrosPerCall().value_or(0) > 0) {
      const double base_server = *null_baseline->ServerMicrosPerCall();
      vs_health = absl::StrFormat("%.2f", *server / base_server);
      const double total = r.ClientMicrosPerCall() + *server;
      if (total > 0) {
        projected =
            absl::StrFormat("%.3f", (null_baseline->ClientMicrosPerCall() + base_server) / total);
      }
    }
    std::printf("| %s | %.1f | %s | %s | %s |\n", r.scenario.label().c_str(),
                r.ClientMicrosPerCall(),
                server.has_value() ? absl::StrFormat("%.1f", *server).c_str() : "n/a",
                vs_health.c_str(), projected.c_str());
  }
}

// Each scenario without +rotate again, open loop at settings.paced_fraction
// of its saturated rate; adds a line per target to `verdicts`. Returns the
// failed calls.
std::uint64_t RunPacedPass(const std::vector<ScenarioResult>& results,
                           const std::vector<std::shared_ptr<grpc::Channel>>& channels,
                           const Workload& workload, const BenchSettings& settings,
                           std::vector<std::string>& verdicts) {
  const double fraction = settings.paced_fraction;
  std::printf(
      "\n## Open loop at %.2f x each scenario's saturated calls/s (latency from scheduled "
      "start)\n\n",
      fraction);
  std::printf(
      "| scenario | offered calls/s | achieved calls/s | p50 us | p99 us | p99.9 us | failed | "
      "target | verdict |\n|---|---:|---:|---:|---:|---:|---:|---|---|\n");
  std::uint64_t failed = 0;
  for (const ScenarioResult& r : results) {
    if (r.scenario.rotate || r.load.CallsPerSecond() <= 0) continue;
    LoadOptions paced = settings.LoadOn(channels);
    paced.rate = fraction * r.load.CallsPerSecond();
    LoadResult l;
    for (int round = 0; round < std::max(1, settings.rounds); ++round) {
      l.Merge(RunLoad(*MakeMethodSpec(r.scenario.method, workload), paced));
    }
    failed += l.failed;
    const absl::Duration p99 = l.Percentile(0.99);
    std::string verdict = "-";
    if (r.scenario.method != "health" && r.scenario.method != "rotate") {
      verdict = Verdict(p99 <= kHalfLoadP99Target && l.failed == 0);
      verdicts.push_back(absl::StrFormat("- %s at %.2f x saturation: p99 %s us (target <= %s): %s",
                                         r.scenario.label(), fraction, Micros(p99),
                                         absl::FormatDuration(kHalfLoadP99Target), verdict));
    }
    std::printf("| %s | %.0f | %.0f | %s | %s | %s | %llu | %s | %s |\n",
                r.scenario.label().c_str(), paced.rate, l.CallsPerSecond(),
                Micros(l.Percentile(0.5)).c_str(), Micros(p99).c_str(),
                Micros(l.Percentile(0.999)).c_str(), static_cast<unsigned long long>(l.failed),
                r.scenario.method == "health" || r.scenario.method == "rotate"
                    ? "-"
                    : absl::StrCat("p99 <= ", absl::FormatDuration(kHalfLoadP99Target)).c_str(),
                verdict.c_str());
    for (const auto& [message, count] : l.failures) {
      std::printf("- FAILED %s (paced): %llu x %s\n", r.scenario.label().c_str(),
                  static_cast<unsigned long long>(count), message.c_str());
    }
  }
  return failed;
}

}  // namespace

int RunSaturation(const Connection& connection,
                  const std::vector<std::shared_ptr<grpc::Channel>>& channels,
                  const std::vector<Scenario>& scenarios, const Workload& workload,
                  const BenchSettings& settings) {
  absl::StatusOr<std::vector<std::shared_ptr<grpc::Channel>>> rotation_channel =
      Connect(connection, 1, settings.connect_timeout);
  if (!rotation_channel.ok()) return UsageError(rotation_channel.status().message());

  const std::vector<ScenarioResult> results =
      Measure((*rotation_channel)[0], channels, scenarios, workload, settings);
  std::vector<std::string> verdicts;
  std::uint64_t failed = PrintSaturationTable(results, verdicts);
  PrintRotationStreams(results, settings);
  PrintCpuTable(results);
  if (settings.paced_fraction > 0) {
    failed += RunPacedPass(results, channels, workload, settings, verdicts);
  }

  std::printf("\n## Targets (%s)\n\n", connection.transport.c_str());
  for (const std::string& line : verdicts) std::printf("%s\n", line.c_str());
  for (const ScenarioResult& r : results) {
    PrintFailures(r.scenario.label(), r.load);
    PrintFailures(absl::StrCat(r.scenario.label(), " rotations"), r.rotations);
  }
  return PrintOutcome(failed);
}

}  // namespace identity::bench
