// What a call pays for the metrics: CallMetrics::Record (the one update on
// the call path) with recording on and off, alone and from 2 threads at once
// (the machine's cores, contending for the same counters), and one scrape's
// rendering. scripts/bench part 6 measures the whole-server cost.
#include <benchmark/benchmark.h>

#include "absl/status/status.h"
#include "absl/time/clock.h"
#include "server/metrics/text_format.h"
#include "server/service/call_metrics.h"

namespace identity::service {
namespace {

CallMetrics& Enabled() {
  static CallMetrics* metrics = [] {
    auto* m = new CallMetrics();
    m->Enable();
    return m;
  }();
  return *metrics;
}

void BM_RecordCall(benchmark::State& state) {
  CallMetrics& metrics = Enabled();
  const absl::Status ok = absl::OkStatus();
  const absl::Time now = absl::Now();
  for (auto _ : state) {
    metrics.Record("IssueEmailHash", ok, absl::Microseconds(40), "email_hash", now);
  }
}
BENCHMARK(BM_RecordCall)->Threads(1)->Threads(2);

void BM_RecordCallDisabled(benchmark::State& state) {
  static CallMetrics* metrics = new CallMetrics();
  const absl::Status ok = absl::OkStatus();
  const absl::Time now = absl::Now();
  for (auto _ : state) {
    metrics->Record("IssueEmailHash", ok, absl::Microseconds(40), "email_hash", now);
  }
}
BENCHMARK(BM_RecordCallDisabled);

// What CallAudit adds with metrics on: the clock read for the latency.
void BM_ClockRead(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(absl::Now());
}
BENCHMARK(BM_ClockRead);

void BM_RenderCallMetrics(benchmark::State& state) {
  CallMetrics& metrics = Enabled();
  for (auto _ : state) {
    metrics::TextFormatWriter out;
    metrics.Collect(out);
    benchmark::DoNotOptimize(out.Take());
  }
}
BENCHMARK(BM_RenderCallMetrics);

}  // namespace
}  // namespace identity::service

BENCHMARK_MAIN();
