#include "client/bench/steady_mode.h"

#include <cstdio>
#include <thread>

#include "client/bench/report.h"

namespace identity::bench {

int RunSteady(const std::vector<std::shared_ptr<grpc::Channel>>& channels,
              const std::vector<Scenario>& scenarios, const Workload& workload, double rate,
              const BenchSettings& settings) {
  std::vector<MethodSpec> specs;
  for (const Scenario& s : scenarios) {
    if (s.rotate) return UsageError("--steady_rate: +rotate scenarios are not supported");
    specs.push_back(*MakeMethodSpec(s.method, workload));
  }
  LoadOptions options = settings.LoadOn(channels);
  options.calls = 0;
  options.rate = rate / static_cast<double>(specs.size());
  std::vector<LoadResult> results(specs.size());
  std::vector<std::thread> runs;
  for (std::size_t i = 0; i < specs.size(); ++i) {
    runs.emplace_back([&, i] { results[i] = RunLoad(specs[i], options); });
  }
  for (std::thread& t : runs) t.join();

  std::printf("## Steady load (open loop, every method at once, latency from scheduled start)\n\n");
  std::printf(
      "| method | offered calls/s | achieved calls/s | calls | failed | p50 us | p99 us | p99.9 us "
      "| max us |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
  std::uint64_t calls = 0, failed = 0;
  for (std::size_t i = 0; i < specs.size(); ++i) {
    const LoadResult& l = results[i];
    calls += l.completed;
    failed += l.failed;
    std::printf("| %s | %.0f | %.0f | %llu | %llu | %s | %s | %s | %s |\n", specs[i].name.c_str(),
                options.rate, l.CallsPerSecond(), static_cast<unsigned long long>(l.completed),
                static_cast<unsigned long long>(l.failed), Micros(l.Percentile(0.5)).c_str(),
                Micros(l.Percentile(0.99)).c_str(), Micros(l.Percentile(0.999)).c_str(),
                Micros(l.Percentile(1)).c_str());
  }
  std::printf("\n");
  for (std::size_t i = 0; i < specs.size(); ++i) PrintFailures(specs[i].name, results[i]);
  // One line for scripts (scripts/soak reads it).
  std::printf("steady: calls=%llu failed=%llu\n", static_cast<unsigned long long>(calls),
              static_cast<unsigned long long>(failed));
  return PrintOutcome(failed);
}

}  // namespace identity::bench
