// identity-bench: a load generator for identityd (asynchronous gRPC C++,
// completion queues). It drives N channels x M calls in flight against one
// server, checks every response, and prints Markdown tables of calls/s and
// p50/p99/p99.9 latency, with the ratios and targets of docs/benchmarks.md.
//
//   identity-bench --target=127.0.0.1:50051 --insecure --app_id=demo-widget
//       --methods=health,hash,token,hash+rotate,token+rotate --rounds=3
//       --paced_fraction=0.5
//   identity-bench --target=... --insecure --scale=1,1000,100000 --server_pid=PID
//   identity-bench --target=... --insecure --register_widgets=1000
//   identity-bench --target=... --insecure --app_id=demo-widget --methods=hash,token
//       --steady_rate=2000 --duration=10m
//
// Five modes, each in a file of its own (saturation_mode.h, scale_mode.h,
// steady_mode.h, bulk_mode.h; registration: widget_registration.h):
//   saturation (default)  every scenario of --methods in turn, interleaved
//                         over --rounds, closed loop; then, with
//                         --paced_fraction, each method again at that fraction
//                         of its own saturated rate, open loop, for latency.
//   --scale=COUNTS        registers benchmark widgets up to each count (both
//                         kinds, through RotateSecret), reports the server's
//                         resident memory per widget (--server_pid), calls/s
//                         with calls spread uniformly over the widgets, and the
//                         latency of single rotations.
//   --register_widgets=N  registers widgets bench-000000.. and exits.
//   --bulk=SIZES          hashes/s through IssueEmailHashes with SIZES emails
//                         per call (e.g. 100,1000), against single
//                         IssueEmailHash calls, with CPU per hash.
//   --steady_rate=N       every method of --methods at once, open loop, N
//                         calls/s in total (split evenly), for --duration: a
//                         steady load, not a saturation (scripts/soak).
//
// Exit status: 0 if every call succeeded, 1 if any call failed (each
// failure's status is reported), 2 for a usage or connection error. Targets
// missed are reported, not turned into a failure: the numbers depend on the
// machine.

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/status/statusor.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "client/bench/bench_settings.h"
#include "client/bench/bulk_mode.h"
#include "client/bench/connection.h"
#include "client/bench/method_spec.h"
#include "client/bench/report.h"
#include "client/bench/saturation_mode.h"
#include "client/bench/scale_mode.h"
#include "client/bench/scenario.h"
#include "client/bench/steady_mode.h"
#include "client/bench/widget_registration.h"

ABSL_FLAG(std::string, target, "", "identityd address, HOST:PORT (required).");
ABSL_FLAG(bool, insecure, false,
          "Plain-text gRPC, for a server started with --insecure_loopback.");
ABSL_FLAG(std::string, ca, "",
          "TLS: PEM file of the CA certificates that verify the server. Without --insecure, "
          "required.");
ABSL_FLAG(std::string, cert, "",
          "mTLS: PEM file of this client's certificate chain (with --key).");
ABSL_FLAG(std::string, key, "", "mTLS: PEM file of this client's private key (with --cert).");
ABSL_FLAG(std::string, server_name, "",
          "TLS: the name to verify in the server's certificate, if not the target's host.");
ABSL_FLAG(std::vector<std::string>, methods, std::vector<std::string>({"health", "hash", "token"}),
          "Scenarios, in order: health (the null baseline, grpc.health.v1.Health/Check), hash "
          "(IssueEmailHash), token (IssueWidgetToken, no optional claim), token_full (all five "
          "optional claims and a ttl), rotate (RotateSecret). Append +rotate to run a scenario "
          "while a separate channel rotates a secret every --rotate_every (e.g. hash+rotate).");
ABSL_FLAG(int, channels, 2, "Channels, each its own TCP connection.");
ABSL_FLAG(int, in_flight, 16, "Calls in flight per channel.");
ABSL_FLAG(int, threads, 1, "Client threads polling completion queues.");
ABSL_FLAG(absl::Duration, duration, absl::Seconds(3),
          "Measured time per scenario and round (timed mode).");
ABSL_FLAG(absl::Duration, warmup, absl::Milliseconds(500),
          "Unmeasured time before each measurement.");
ABSL_FLAG(uint64_t, calls, 0,
          "If > 0: make exactly this many calls per scenario and round instead of timing.");
ABSL_FLAG(int, rounds, 1,
          "Run the list of scenarios this many times, interleaved, and merge each scenario's "
          "rounds (slow drifts of a shared machine then hit every scenario alike).");
ABSL_FLAG(absl::Duration, rotate_every, absl::Milliseconds(10),
          "The period of the rotation stream of +rotate scenarios.");
ABSL_FLAG(double, paced_fraction, 0,
          "If > 0: after the saturation runs, run each scenario without +rotate again, open "
          "loop, at this fraction of its saturated calls/s (0.5: half of saturation), "
          "measuring latency from each call's scheduled start.");
ABSL_FLAG(std::string, app_id, "", "The widget to call (when --widgets is 0).");
ABSL_FLAG(std::string, email, "jane.doe@example.com", "The email in every request.");
ABSL_FLAG(uint64_t, widgets, 0,
          "If > 0: register widgets bench-000000.. (both kinds) and spread calls uniformly "
          "over them instead of --app_id.");
ABSL_FLAG(std::vector<std::string>, scale, {},
          "Scale mode: widget counts, ascending (e.g. 1,1000,100000).");
ABSL_FLAG(int, server_pid, 0,
          "The server's process id (same machine), to read its CPU time (saturation mode: CPU "
          "per call) and its resident memory (scale mode: bytes per widget).");
ABSL_FLAG(uint64_t, rotation_probe_calls, 300,
          "Scale mode: single RotateSecret calls (one in flight) timed at each widget count.");
ABSL_FLAG(uint64_t, register_widgets, 0,
          "Register mode: register widgets bench-000000.. up to this count and exit.");
ABSL_FLAG(double, steady_rate, 0,
          "Steady mode: if > 0, run every method of --methods at once (no +rotate), open loop, "
          "at this many calls/s in total split evenly between them, for --warmup + --duration, "
          "and report each method's calls, failures and latency.");
ABSL_FLAG(std::vector<std::string>, bulk, {},
          "Bulk mode: emails per IssueEmailHashes call, 1..1000, e.g. 100,1000: hashes/s at each "
          "size against single IssueEmailHash calls (--app_id's widget).");
ABSL_FLAG(absl::Duration, connect_timeout, absl::Seconds(10),
          "How long to wait for every channel to connect.");

namespace identity::bench {
namespace {

BenchSettings SettingsFromFlags() {
  BenchSettings s;
  s.load.in_flight_per_channel = absl::GetFlag(FLAGS_in_flight);
  s.load.threads = absl::GetFlag(FLAGS_threads);
  s.load.warmup = absl::GetFlag(FLAGS_warmup);
  s.load.duration = absl::GetFlag(FLAGS_duration);
  s.load.calls = absl::GetFlag(FLAGS_calls);
  s.rounds = absl::GetFlag(FLAGS_rounds);
  s.server_pid = absl::GetFlag(FLAGS_server_pid);
  s.rotate_every = absl::GetFlag(FLAGS_rotate_every);
  s.paced_fraction = absl::GetFlag(FLAGS_paced_fraction);
  s.rotation_probe_calls = absl::GetFlag(FLAGS_rotation_probe_calls);
  s.email = absl::GetFlag(FLAGS_email);
  s.connect_timeout = absl::GetFlag(FLAGS_connect_timeout);
  return s;
}

TransportFlags TransportFromFlags() {
  TransportFlags t;
  t.target = absl::GetFlag(FLAGS_target);
  t.insecure = absl::GetFlag(FLAGS_insecure);
  t.ca = absl::GetFlag(FLAGS_ca);
  t.cert = absl::GetFlag(FLAGS_cert);
  t.key = absl::GetFlag(FLAGS_key);
  t.server_name = absl::GetFlag(FLAGS_server_name);
  return t;
}

void PrintHeader(const Connection& c, const BenchSettings& s, int channels, int argc,
                 char** argv) {
  std::printf("# identity-bench\n\n");
  std::printf("- command: `%s`\n", absl::StrJoin(argv, argv + argc, " ").c_str());
  std::printf("- target: %s (%s)\n", c.target.c_str(), c.transport.c_str());
  std::printf("- load: %d channel(s) x %d call(s) in flight, %d client thread(s)\n", channels,
              s.load.in_flight_per_channel, s.load.threads);
  if (s.load.calls > 0) {
    std::printf("- length: %llu calls per scenario and round, %d round(s)\n",
                static_cast<unsigned long long>(s.load.calls), s.rounds);
  } else {
    std::printf("- length: %s measured (after %s warm-up) per scenario and round, %d round(s)\n",
                absl::FormatDuration(s.load.duration).c_str(),
                absl::FormatDuration(s.load.warmup).c_str(), s.rounds);
  }
  std::printf("- started: %s\n\n", absl::FormatTime(absl::Now(), absl::UTCTimeZone()).c_str());
}

int Main(int argc, char** argv) {
  absl::StatusOr<Connection> conn = MakeConnection(TransportFromFlags());
  if (!conn.ok()) return UsageError(conn.status().message());
  const int n_channels = absl::GetFlag(FLAGS_channels);
  if (n_channels < 1 || absl::GetFlag(FLAGS_in_flight) < 1 || absl::GetFlag(FLAGS_threads) < 1) {
    return UsageError("--channels, --in_flight and --threads must be at least 1");
  }
  absl::StatusOr<std::vector<Scenario>> scenarios = ParseScenarios(absl::GetFlag(FLAGS_methods));
  if (!scenarios.ok()) return UsageError(scenarios.status().message());
  absl::StatusOr<std::vector<std::shared_ptr<grpc::Channel>>> channels =
      Connect(*conn, n_channels, absl::GetFlag(FLAGS_connect_timeout));
  if (!channels.ok()) return UsageError(channels.status().message());

  const BenchSettings settings = SettingsFromFlags();
  if (const std::uint64_t n = absl::GetFlag(FLAGS_register_widgets); n > 0) {
    const absl::Time start = absl::Now();
    LoadResult r = RegisterWidgets(*channels, settings, 0, n);
    const absl::Duration took = absl::Now() - start;
    std::printf("registered %llu widget(s) (both kinds, %llu RotateSecret calls) in %s: %.0f "
                "calls/s\n",
                static_cast<unsigned long long>(n), static_cast<unsigned long long>(r.ok),
                absl::FormatDuration(took).c_str(), r.CallsPerSecond());
    PrintFailures("registration", r);
    return r.failed == 0 ? 0 : 1;
  }

  PrintHeader(*conn, settings, n_channels, argc, argv);
  if (!absl::GetFlag(FLAGS_scale).empty()) {
    std::vector<std::uint64_t> counts;
    for (const std::string& c : absl::GetFlag(FLAGS_scale)) {
      std::uint64_t n = 0;
      if (!absl::SimpleAtoi(c, &n) || n == 0 || (!counts.empty() && n <= counts.back())) {
        return UsageError("--scale: positive widget counts in ascending order, e.g. 1,1000,100000");
      }
      counts.push_back(n);
    }
    return RunScale(*channels, *scenarios, counts, settings);
  }

  Workload workload;
  workload.email = settings.email;
  if (const std::uint64_t n = absl::GetFlag(FLAGS_widgets); n > 0) {
    LoadResult r = RegisterWidgets(*channels, settings, 0, n);
    PrintFailures("registration", r);
    if (r.failed > 0) return 1;
    workload.app_ids = BenchAppIds(n);
  } else {
    const std::string app_id = absl::GetFlag(FLAGS_app_id);
    if (app_id.empty()) return UsageError("pass --app_id=ID (or --widgets=N)");
    workload.app_ids = {app_id};
  }
  if (!absl::GetFlag(FLAGS_bulk).empty()) {
    std::vector<int> sizes;
    for (const std::string& b : absl::GetFlag(FLAGS_bulk)) {
      int n = 0;
      if (!absl::SimpleAtoi(b, &n) || n < 1 || n > 1000) {
        return UsageError("--bulk: emails per call, each 1..1000, e.g. 100,1000");
      }
      sizes.push_back(n);
    }
    return RunBulk(*channels, sizes, workload, settings);
  }
  if (const double rate = absl::GetFlag(FLAGS_steady_rate); rate > 0) {
    return RunSteady(*channels, *scenarios, workload, rate, settings);
  }
  return RunSaturation(*conn, *channels, *scenarios, workload, settings);
}

}  // namespace
}  // namespace identity::bench

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "identity-bench --target=HOST:PORT (--insecure | --ca=FILE [--cert=FILE --key=FILE]) "
      "[--methods=health,hash,token[+rotate]] [--channels=N --in_flight=M] [--duration=D | "
      "--calls=N] [--rotate_every=10ms] [--paced_fraction=0.5] [--app_id=ID | --widgets=N] "
      "[--scale=1,1000,100000 --server_pid=PID] [--register_widgets=N] [--steady_rate=N] "
      "[--bulk=100,1000]\n"
      "Load generator for identityd; see docs/benchmarks.md.");
  // As in identityd (server/startup/main.cc): no deadlock graph on every absl::Mutex
  // of gRPC, whose cost Debian's Abseil build would otherwise add to the
  // client's share of the machine.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  absl::ParseCommandLine(argc, argv);
  return identity::bench::Main(argc, argv);
}
