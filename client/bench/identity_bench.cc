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
// Four modes:
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
//   --steady_rate=N       every method of --methods at once, open loop, N
//                         calls/s in total (split evenly), for --duration: a
//                         steady load, not a saturation (scripts/soak).
//
// Exit status: 0 if every call succeeded, 1 if any call failed (each
// failure's status is reported), 2 for a usage or connection error. Targets
// missed are reported, not turned into a failure: the numbers depend on the
// machine.

#include <grpcpp/channel.h>
#include <grpcpp/security/credentials.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "client/bench/load_generator.h"
#include "client/bench/method_spec.h"
#include "client/bench/process_cpu.h"
#include "client/bench/process_memory.h"
#include "client/bench/rotation_driver.h"

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
ABSL_FLAG(absl::Duration, connect_timeout, absl::Seconds(10),
          "How long to wait for every channel to connect.");

namespace identity::bench {
namespace {

// The targets of docs/benchmarks.md.
constexpr double kHashVsNullTarget = 0.95;
constexpr double kTokenVsNullTarget = 0.90;
constexpr double kRotationVsPlainTarget = 0.95;
constexpr absl::Duration kHalfLoadP99Target = absl::Milliseconds(2);
constexpr double kScaleSpreadTarget = 0.10;
constexpr double kBytesPerWidgetTarget = 1024;

struct Scenario {
  std::string method;
  bool rotate = false;
  std::string label() const { return rotate ? absl::StrCat(method, "+rotate") : method; }
};

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

// The CPU time of process `pid`, or nullopt if it cannot be read (pid 0).
std::optional<absl::Duration> MaybeCpuTime(int pid) {
  if (pid <= 0) return std::nullopt;
  absl::StatusOr<absl::Duration> cpu = CpuTime(pid);
  if (!cpu.ok()) return std::nullopt;
  return *cpu;
}

// Everything a run needs to reach the server.
struct Connection {
  std::string target;
  std::string transport;  // "plaintext", "TLS" or "mTLS"
  std::shared_ptr<grpc::ChannelCredentials> credentials;
  std::string server_name;
};

int UsageError(absl::string_view message) {
  std::fprintf(stderr, "identity-bench: %s\n", std::string(message).c_str());
  return 2;
}

absl::StatusOr<std::string> ReadFile(const std::string& flag, const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::InvalidArgumentError(absl::StrCat("--", flag, ": cannot read ", path));
  std::ostringstream content;
  content << in.rdbuf();
  return content.str();
}

absl::StatusOr<Connection> ConnectionFromFlags() {
  Connection c;
  c.target = absl::GetFlag(FLAGS_target);
  if (c.target.empty()) return absl::InvalidArgumentError("--target is required");
  const std::string ca = absl::GetFlag(FLAGS_ca);
  const std::string cert = absl::GetFlag(FLAGS_cert);
  const std::string key = absl::GetFlag(FLAGS_key);
  if (absl::GetFlag(FLAGS_insecure)) {
    if (!ca.empty() || !cert.empty() || !key.empty()) {
      return absl::InvalidArgumentError("--insecure excludes --ca, --cert and --key");
    }
    c.transport = "plaintext";
    c.credentials = grpc::InsecureChannelCredentials();
    return c;
  }
  if (ca.empty()) {
    return absl::InvalidArgumentError("pass --ca=FILE for TLS, or --insecure for plain text");
  }
  if (cert.empty() != key.empty()) {
    return absl::InvalidArgumentError("--cert and --key go together (mTLS)");
  }
  grpc::SslCredentialsOptions options;
  absl::StatusOr<std::string> pem = ReadFile("ca", ca);
  if (!pem.ok()) return pem.status();
  options.pem_root_certs = *std::move(pem);
  c.transport = "TLS";
  if (!cert.empty()) {
    pem = ReadFile("cert", cert);
    if (!pem.ok()) return pem.status();
    options.pem_cert_chain = *std::move(pem);
    pem = ReadFile("key", key);  // a private key: held in memory only, never printed
    if (!pem.ok()) return pem.status();
    options.pem_private_key = *std::move(pem);
    c.transport = "mTLS";
  }
  c.credentials = grpc::SslCredentials(options);
  c.server_name = absl::GetFlag(FLAGS_server_name);
  return c;
}

absl::StatusOr<std::vector<std::shared_ptr<grpc::Channel>>> Connect(const Connection& c, int n) {
  std::vector<std::shared_ptr<grpc::Channel>> channels;
  const auto deadline = std::chrono::system_clock::now() +
                        absl::ToChronoNanoseconds(absl::GetFlag(FLAGS_connect_timeout));
  for (int i = 0; i < n; ++i) {
    channels.push_back(NewBenchChannel(c.target, c.credentials, c.server_name));
    if (!channels.back()->WaitForConnected(deadline)) {
      return absl::UnavailableError(
          absl::StrCat("cannot connect to ", c.target, " (", c.transport, ")"));
    }
  }
  return channels;
}

absl::StatusOr<std::vector<Scenario>> ParseScenarios(const std::vector<std::string>& names) {
  std::vector<Scenario> out;
  for (absl::string_view name : names) {
    Scenario s;
    s.rotate = absl::ConsumeSuffix(&name, "+rotate");
    s.method = std::string(name);
    if (std::find(std::begin(kMethodNames), std::end(kMethodNames), s.method) ==
        std::end(kMethodNames)) {
      return absl::InvalidArgumentError(absl::StrCat("--methods: unknown method \"", name,
                                                     "\" (", absl::StrJoin(kMethodNames, ", "),
                                                     ", each optionally +rotate)"));
    }
    out.push_back(s);
  }
  if (out.empty()) return absl::InvalidArgumentError("--methods: name at least one method");
  return out;
}

LoadOptions BaseOptions(const std::vector<std::shared_ptr<grpc::Channel>>& channels) {
  LoadOptions o;
  o.channels = channels;
  o.in_flight_per_channel = absl::GetFlag(FLAGS_in_flight);
  o.threads = absl::GetFlag(FLAGS_threads);
  o.warmup = absl::GetFlag(FLAGS_warmup);
  o.duration = absl::GetFlag(FLAGS_duration);
  o.calls = absl::GetFlag(FLAGS_calls);
  return o;
}

std::vector<std::string> BenchAppIds(std::uint64_t count) {
  std::vector<std::string> ids;
  ids.reserve(count);
  for (std::uint64_t i = 0; i < count; ++i) ids.push_back(BenchAppId(i));
  return ids;
}

// Registers widgets [first, end) with both kinds; returns the calls' result.
LoadResult Register(const std::vector<std::shared_ptr<grpc::Channel>>& channels,
                    std::uint64_t first, std::uint64_t end) {
  LoadOptions o = BaseOptions(channels);
  o.calls = 2 * (end - first);
  if (o.calls == 0) return LoadResult();
  return RunLoad(MakeRegistrationSpec(first), o);
}

std::string Micros(absl::Duration d) {
  return absl::StrFormat("%.0f", absl::ToDoubleMicroseconds(d));
}

std::string Verdict(bool met) { return met ? "met" : "NOT met"; }

void PrintFailures(absl::string_view what, const LoadResult& r) {
  for (const auto& [message, count] : r.failures) {
    std::printf("- FAILED %s: %llu x %s\n", std::string(what).c_str(),
                static_cast<unsigned long long>(count), message.c_str());
  }
  if (r.failed > 0 && r.failures.empty()) {
    std::printf("- FAILED %s: %llu calls\n", std::string(what).c_str(),
                static_cast<unsigned long long>(r.failed));
  }
}

void PrintHeader(const Connection& c, int argc, char** argv) {
  std::printf("# identity-bench\n\n");
  std::printf("- command: `%s`\n", absl::StrJoin(argv, argv + argc, " ").c_str());
  std::printf("- target: %s (%s)\n", c.target.c_str(), c.transport.c_str());
  std::printf("- load: %d channel(s) x %d call(s) in flight, %d client thread(s)\n",
              absl::GetFlag(FLAGS_channels), absl::GetFlag(FLAGS_in_flight),
              absl::GetFlag(FLAGS_threads));
  if (absl::GetFlag(FLAGS_calls) > 0) {
    std::printf("- length: %llu calls per scenario and round, %d round(s)\n",
                static_cast<unsigned long long>(absl::GetFlag(FLAGS_calls)),
                absl::GetFlag(FLAGS_rounds));
  } else {
    std::printf("- length: %s measured (after %s warm-up) per scenario and round, %d round(s)\n",
                absl::FormatDuration(absl::GetFlag(FLAGS_duration)).c_str(),
                absl::FormatDuration(absl::GetFlag(FLAGS_warmup)).c_str(),
                absl::GetFlag(FLAGS_rounds));
  }
  std::printf("- started: %s\n\n", absl::FormatTime(absl::Now(), absl::UTCTimeZone()).c_str());
}

// ---- Saturation mode.

int RunSaturation(const Connection& conn, const std::vector<std::shared_ptr<grpc::Channel>>& channels,
                  const std::vector<Scenario>& scenarios, const Workload& workload) {
  absl::StatusOr<std::vector<std::shared_ptr<grpc::Channel>>> rotation_channel =
      Connect(conn, 1);
  if (!rotation_channel.ok()) return UsageError(rotation_channel.status().message());

  const int server_pid = absl::GetFlag(FLAGS_server_pid);
  std::vector<ScenarioResult> results;
  for (const Scenario& s : scenarios) results.push_back({s, {}, {}, {}, {}});
  const LoadOptions options = BaseOptions(channels);
  for (int round = 0; round < std::max(1, absl::GetFlag(FLAGS_rounds)); ++round) {
    for (ScenarioResult& r : results) {
      const MethodSpec spec = *MakeMethodSpec(r.scenario.method, workload);
      const std::optional<absl::Duration> client_before = MaybeCpuTime(getpid());
      const std::optional<absl::Duration> server_before = MaybeCpuTime(server_pid);
      std::optional<RotationDriver> rotations;
      if (r.scenario.rotate) {
        rotations.emplace((*rotation_channel)[0], workload, absl::GetFlag(FLAGS_rotate_every));
        rotations->Start();
      }
      r.load.Merge(RunLoad(spec, options));
      if (rotations.has_value()) r.rotations.Merge(rotations->Stop());
      const std::optional<absl::Duration> client_after = MaybeCpuTime(getpid());
      const std::optional<absl::Duration> server_after = MaybeCpuTime(server_pid);
      if (client_before && client_after) r.client_cpu += *client_after - *client_before;
      if (server_before && server_after) {
        r.server_cpu = r.server_cpu.value_or(absl::ZeroDuration()) + *server_after - *server_before;
      }
    }
  }

  auto find = [&](absl::string_view method, bool rotate) -> const ScenarioResult* {
    for (const ScenarioResult& r : results) {
      if (r.scenario.method == method && r.scenario.rotate == rotate) return &r;
    }
    return nullptr;
  };
  const ScenarioResult* null_baseline = find("health", false);

  std::printf("## Saturation (closed loop)\n\n");
  std::printf(
      "| scenario | calls/s | p50 us | p99 us | p99.9 us | calls | failed | ratio | target | "
      "verdict |\n");
  std::printf("|---|---:|---:|---:|---:|---:|---:|---:|---|---|\n");
  std::vector<std::string> verdicts;
  std::uint64_t failed = 0;
  for (const ScenarioResult& r : results) {
    const LoadResult& l = r.load;
    failed += l.failed + r.rotations.failed;
    std::string ratio = "-", target = "-", verdict = "-";
    const ScenarioResult* base = nullptr;
    double want = 0;
    if (r.scenario.rotate) {
      base = find(r.scenario.method, false);
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
  bool any_rotation = false;
  for (const ScenarioResult& r : results) any_rotation |= r.scenario.rotate;
  if (any_rotation) {
    std::printf("\nRotation streams (one RotateSecret every %s, generate, alternating kinds):\n\n",
                absl::FormatDuration(absl::GetFlag(FLAGS_rotate_every)).c_str());
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

  const double fraction = absl::GetFlag(FLAGS_paced_fraction);
  if (fraction > 0) {
    std::printf(
        "\n## Open loop at %.2f x each scenario's saturated calls/s (latency from scheduled "
        "start)\n\n",
        fraction);
    std::printf(
        "| scenario | offered calls/s | achieved calls/s | p50 us | p99 us | p99.9 us | failed | "
        "target | verdict |\n|---|---:|---:|---:|---:|---:|---:|---|---|\n");
    for (const ScenarioResult& r : results) {
      if (r.scenario.rotate || r.load.CallsPerSecond() <= 0) continue;
      LoadOptions paced = options;
      paced.rate = fraction * r.load.CallsPerSecond();
      LoadResult l;
      for (int round = 0; round < std::max(1, absl::GetFlag(FLAGS_rounds)); ++round) {
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
  }

  std::printf("\n## Targets (%s)\n\n", conn.transport.c_str());
  for (const std::string& line : verdicts) std::printf("%s\n", line.c_str());
  for (const ScenarioResult& r : results) {
    PrintFailures(r.scenario.label(), r.load);
    PrintFailures(absl::StrCat(r.scenario.label(), " rotations"), r.rotations);
  }
  std::printf("\n%s: %llu failed call(s)\n", failed == 0 ? "OK" : "FAILED",
              static_cast<unsigned long long>(failed));
  return failed == 0 ? 0 : 1;
}

// ---- Steady mode.

// Every method at once, each at its share of `rate` calls/s, open loop, on
// the same channels. "calls" counts every call that ended (warm-up and the
// calls still in flight at the end included): what the server served, to be
// compared with its audit log.
int RunSteady(const std::vector<std::shared_ptr<grpc::Channel>>& channels,
              const std::vector<Scenario>& scenarios, const Workload& workload, double rate) {
  std::vector<MethodSpec> specs;
  for (const Scenario& s : scenarios) {
    if (s.rotate) return UsageError("--steady_rate: +rotate scenarios are not supported");
    specs.push_back(*MakeMethodSpec(s.method, workload));
  }
  LoadOptions options = BaseOptions(channels);
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
  std::printf("\n%s: %llu failed call(s)\n", failed == 0 ? "OK" : "FAILED",
              static_cast<unsigned long long>(failed));
  return failed == 0 ? 0 : 1;
}

// ---- Scale mode.

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

int RunScale(const std::vector<std::shared_ptr<grpc::Channel>>& channels,
             const std::vector<Scenario>& scenarios, const std::vector<std::uint64_t>& counts) {
  const int pid = absl::GetFlag(FLAGS_server_pid);
  std::vector<ScaleRow> rows;
  std::uint64_t failed = 0;
  std::uint64_t registered = 0;
  std::vector<std::string> methods;
  for (const Scenario& s : scenarios) {
    if (!s.rotate && s.method != "rotate") methods.push_back(s.method);
  }
  for (std::uint64_t count : counts) {
    ScaleRow row;
    row.widgets = count;
    absl::StatusOr<std::int64_t> rss_before =
        pid > 0 ? ResidentBytes(pid) : absl::NotFoundError("no --server_pid");
    const absl::Time start = absl::Now();
    LoadResult reg = Register(channels, registered, count);
    row.register_time = absl::Now() - start;
    row.registered_now = count - registered;
    failed += reg.failed;
    PrintFailures(absl::StrCat("registration up to ", count), reg);
    registered = count;
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
    workload.email = absl::GetFlag(FLAGS_email);
    std::map<std::string, absl::Duration> cpu;
    for (int round = 0; round < std::max(1, absl::GetFlag(FLAGS_rounds)); ++round) {
      for (const std::string& m : methods) {
        const std::optional<absl::Duration> client_before = MaybeCpuTime(getpid());
        const std::optional<absl::Duration> server_before = MaybeCpuTime(pid);
        row.loads[m].Merge(RunLoad(*MakeMethodSpec(m, workload), BaseOptions(channels)));
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
    LoadOptions probe = BaseOptions({channels[0]});
    probe.in_flight_per_channel = 1;
    probe.threads = 1;
    probe.calls = absl::GetFlag(FLAGS_rotation_probe_calls);
    if (probe.calls > 0) {
      row.rotations = RunLoad(*MakeMethodSpec("rotate", workload), probe);
      failed += row.rotations.failed;
      PrintFailures(absl::StrCat("rotations at ", count, " widgets"), row.rotations);
    }
    rows.push_back(std::move(row));
  }

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
  std::printf("\n%s: %llu failed call(s)\n", failed == 0 ? "OK" : "FAILED",
              static_cast<unsigned long long>(failed));
  return failed == 0 ? 0 : 1;
}

int Main(int argc, char** argv) {
  absl::StatusOr<Connection> conn = ConnectionFromFlags();
  if (!conn.ok()) return UsageError(conn.status().message());
  const int n_channels = absl::GetFlag(FLAGS_channels);
  if (n_channels < 1 || absl::GetFlag(FLAGS_in_flight) < 1 || absl::GetFlag(FLAGS_threads) < 1) {
    return UsageError("--channels, --in_flight and --threads must be at least 1");
  }
  absl::StatusOr<std::vector<Scenario>> scenarios = ParseScenarios(absl::GetFlag(FLAGS_methods));
  if (!scenarios.ok()) return UsageError(scenarios.status().message());
  absl::StatusOr<std::vector<std::shared_ptr<grpc::Channel>>> channels =
      Connect(*conn, n_channels);
  if (!channels.ok()) return UsageError(channels.status().message());

  if (const std::uint64_t n = absl::GetFlag(FLAGS_register_widgets); n > 0) {
    const absl::Time start = absl::Now();
    LoadResult r = Register(*channels, 0, n);
    const absl::Duration took = absl::Now() - start;
    std::printf("registered %llu widget(s) (both kinds, %llu RotateSecret calls) in %s: %.0f "
                "calls/s\n",
                static_cast<unsigned long long>(n), static_cast<unsigned long long>(r.ok),
                absl::FormatDuration(took).c_str(), r.CallsPerSecond());
    PrintFailures("registration", r);
    return r.failed == 0 ? 0 : 1;
  }

  PrintHeader(*conn, argc, argv);
  if (!absl::GetFlag(FLAGS_scale).empty()) {
    std::vector<std::uint64_t> counts;
    for (const std::string& c : absl::GetFlag(FLAGS_scale)) {
      std::uint64_t n = 0;
      if (!absl::SimpleAtoi(c, &n) || n == 0 || (!counts.empty() && n <= counts.back())) {
        return UsageError("--scale: positive widget counts in ascending order, e.g. 1,1000,100000");
      }
      counts.push_back(n);
    }
    return RunScale(*channels, *scenarios, counts);
  }

  Workload workload;
  workload.email = absl::GetFlag(FLAGS_email);
  if (const std::uint64_t n = absl::GetFlag(FLAGS_widgets); n > 0) {
    LoadResult r = Register(*channels, 0, n);
    PrintFailures("registration", r);
    if (r.failed > 0) return 1;
    workload.app_ids = BenchAppIds(n);
  } else {
    const std::string app_id = absl::GetFlag(FLAGS_app_id);
    if (app_id.empty()) return UsageError("pass --app_id=ID (or --widgets=N)");
    workload.app_ids = {app_id};
  }
  if (const double rate = absl::GetFlag(FLAGS_steady_rate); rate > 0) {
    return RunSteady(*channels, *scenarios, workload, rate);
  }
  return RunSaturation(*conn, *channels, *scenarios, workload);
}

}  // namespace
}  // namespace identity::bench

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "identity-bench --target=HOST:PORT (--insecure | --ca=FILE [--cert=FILE --key=FILE]) "
      "[--methods=health,hash,token[+rotate]] [--channels=N --in_flight=M] [--duration=D | "
      "--calls=N] [--rotate_every=10ms] [--paced_fraction=0.5] [--app_id=ID | --widgets=N] "
      "[--scale=1,1000,100000 --server_pid=PID] [--register_widgets=N] [--steady_rate=N]\n"
      "Load generator for identityd; see docs/benchmarks.md.");
  // As in identityd (server/startup/main.cc): no deadlock graph on every absl::Mutex
  // of gRPC, whose cost Debian's Abseil build would otherwise add to the
  // client's share of the machine.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  absl::ParseCommandLine(argc, argv);
  return identity::bench::Main(argc, argv);
}
