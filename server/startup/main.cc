// identityd: the widget identity service. Flags, configuration, start-up and
// graceful stop; everything else lives in the layers under server/.

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/grpcpp.h>
#include <signal.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/flags/usage_config.h"
#include "absl/functional/function_ref.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "server/common/library_log.h"
#include "server/common/listen_address.h"
#include "server/common/log.h"
#include "server/config/server_config.h"
#include "server/health/health_descriptor.h"
#include "server/health/health_listener.h"
#include "server/keyring/keyring.h"
#include "server/metrics/store_metrics.h"
#include "server/service/completion_queue_pool.h"
#include "server/service/health_service.h"
#include "server/service/identity_service_impl.h"
#include "server/startup/audit_setup.h"
#include "server/startup/log_setup.h"
#include "server/startup/metrics_setup.h"
#include "server/startup/process_hardening.h"
#include "server/startup/server_security.h"
#include "server/startup/state_bootstrap.h"
#include "server/startup/state_import.h"
#include "server/store/instrumented_secret_store.h"

ABSL_FLAG(std::string, listen, "",
          "HOST:PORT to serve on (required), e.g. 127.0.0.1:50051; port 0 picks a free one "
          "(see --port_file).");
ABSL_FLAG(std::string, config, "",
          "JSON config file listing widgets and where their initial secrets are read from "
          "(see README, \"Configuration\"). Without it, identityd starts with no widgets.");
ABSL_FLAG(std::string, state_dir, "",
          "Directory holding every widget's secrets, sealed under the master key; made once with "
          "--init_state_dir, never at start. Without it state is in memory only, which is "
          "allowed only with --insecure_loopback (see README, \"State directory\").");
ABSL_FLAG(std::string, etcd_endpoints, "",
          "Keep the state in etcd instead of --state_dir, shared by every replica: the "
          "members' URLs, https://HOST:PORT[,...] (http:// is accepted with a warning, for "
          "development). Values are sealed under the master key as in a state directory "
          "(see README, \"Running replicas\").");
ABSL_FLAG(std::string, etcd_prefix, "/identityd/",
          "Prefix of identityd's keys in etcd; must end with '/'. Replicas sharing widgets use "
          "the same prefix and master key.");
ABSL_FLAG(std::string, etcd_ca_file, "",
          "PEM CA certificate(s) that sign the etcd members' certificates (https:// endpoints); "
          "default: the system's roots.");
ABSL_FLAG(std::string, etcd_cert_file, "",
          "PEM client certificate identityd presents to etcd (with --etcd_key_file).");
ABSL_FLAG(std::string, etcd_key_file, "", "PEM private key of --etcd_cert_file.");
ABSL_FLAG(std::string, import_state_dir, "",
          "Copy the state directory DIR (identityd stopped on it) into etcd, then exit without "
          "serving: `identityd --import_state_dir=DIR --etcd_endpoints=URL,... "
          "--master_key_file=FILE`. Idempotent; never overwrites a widget that is newer or "
          "different in etcd (exit 1, naming it). See README, \"Running replicas\".");
ABSL_FLAG(bool, init_state_dir, false,
          "Make a new state directory at --state_dir (which must not exist yet) for the master "
          "key, then exit without serving: `identityd --init_state_dir --state_dir=DIR "
          "--master_key_file=FILE`. On a state directory this key already opens: nothing "
          "changes, exit 0.");
ABSL_FLAG(std::string, master_key_file, "",
          "File holding the 32-byte master key that seals --state_dir, as 64 hex characters "
          "(e.g. `openssl rand -hex 32`). Default: the IDENTITYD_MASTER_KEY environment variable.");
ABSL_FLAG(int, previous_versions, 2,
          "How many versions older than the current one to keep per widget secret, for rollback "
          "and forensics (0..99).");
ABSL_FLAG(std::string, port_file, "",
          "If set, write the bound port to this file once serving (for --listen=HOST:0).");
ABSL_FLAG(int, serving_threads, 0,
          "Threads that serve calls, each from its own gRPC completion queue (1..64); 0: one per "
          "two online CPUs (at least 1). Each thread more polls too, and gRPC 1.51 hands the "
          "polling from one to the next: fewer threads cost less CPU per call "
          "(docs/benchmarks.md).");
ABSL_FLAG(absl::Duration, shutdown_grace, absl::Seconds(10),
          "On SIGTERM/SIGINT: stop accepting calls, then give in-flight calls this long to "
          "finish before cancelling them.");
ABSL_FLAG(std::string, health_listen, "",
          "HOST:PORT of a second, plain-text port that answers grpc.health.v1.Health only, for "
          "probes that cannot do mutual TLS (Kubernetes' gRPC probes), e.g. 0.0.0.0:8081. Off "
          "if empty.");

namespace identity {
namespace {

// How long a stop may take beyond --shutdown_grace (flushing the audit log,
// releasing secrets) before the watchdog ends the process.
constexpr absl::Duration kStopFlushLimit = absl::Seconds(30);

// A stop must end even when something it waits for never returns (an audit
// sink that blocks without failing: stdout nobody reads, a hung mount): a
// second SIGTERM or SIGINT, or `limit` after the first, ends the process at
// once, with status 1 and a message saying what may be lost.
void StartStopWatchdog(sigset_t signals, absl::Duration limit) {
  std::thread([signals, limit] {
    const absl::Time deadline = absl::Now() + limit;
    for (;;) {
      const timespec wait = absl::ToTimespec(std::max(deadline - absl::Now(), absl::ZeroDuration()));
      const int signal_number = sigtimedwait(&signals, nullptr, &wait);
      if (signal_number == SIGHUP) continue;  // no reopening while stopping
      if (signal_number < 0 && errno == EINTR) continue;
      LogError(signal_number > 0
                   ? "second stop signal: exiting now; audit events still queued are lost"
                   : absl::StrCat("stop took longer than ", absl::FormatDuration(limit),
                                  " (an audit sink that blocks?); exiting now; audit events "
                                  "still queued are lost"));
      std::_Exit(1);
    }
  }).detach();
}

int Fail(absl::string_view message) {
  LogError(message);
  return 1;
}

// Where the state is (--state_dir or --etcd_*), its key and how many versions
// it keeps, for serving and for the state commands alike. The caller sets
// allow_memory_only and store_metrics.
absl::StatusOr<StateOptions> StateOptionsFromFlags() {
  const int previous_versions = absl::GetFlag(FLAGS_previous_versions);
  if (previous_versions < 0) return absl::InvalidArgumentError("--previous_versions must be 0..99");
  StateOptions options;
  options.state_dir = absl::GetFlag(FLAGS_state_dir);
  options.master_key_file = absl::GetFlag(FLAGS_master_key_file);
  options.previous_versions = static_cast<std::size_t>(previous_versions);
  options.etcd_endpoints = absl::GetFlag(FLAGS_etcd_endpoints);
  options.etcd_prefix = absl::GetFlag(FLAGS_etcd_prefix);
  options.etcd_ca_file = absl::GetFlag(FLAGS_etcd_ca_file);
  options.etcd_cert_file = absl::GetFlag(FLAGS_etcd_cert_file);
  options.etcd_key_file = absl::GetFlag(FLAGS_etcd_key_file);
  return options;
}

// --init_state_dir and --import_state_dir: `command` runs once on the state
// the flags name, then identityd exits (1 if it failed, with the message
// after `flag`). Refused with --listen (`listen_refusal`): kept apart from
// serving, so that no service's command line ever contains them and no
// restart can make a fresh state directory over a lost one.
int RunStateCommand(absl::string_view flag, absl::string_view listen,
                    absl::string_view listen_refusal,
                    absl::FunctionRef<absl::Status(const StateOptions&)> command) {
  if (!listen.empty()) return Fail(listen_refusal);
  absl::StatusOr<StateOptions> options = StateOptionsFromFlags();
  if (!options.ok()) return Fail(options.status().message());
  if (absl::Status s = command(*options); !s.ok()) {
    return Fail(absl::StrCat(flag, ": ", s.message()));
  }
  return 0;
}

// Writes `port` to `path` atomically (temp file + rename), so a reader polling
// for the file never sees it half-written.
bool WritePortFile(const std::string& path, int port) {
  const std::string tmp = absl::StrCat(path, ".tmp");
  {
    std::ofstream out(tmp, std::ios::trunc);
    if (!out) return false;
    out << port << "\n";
    if (!out.flush()) return false;
  }
  return std::rename(tmp.c_str(), path.c_str()) == 0;
}

// Stops serving after a failure that comes once the server is started, in
// the order gRPC needs: the server first (its pending requests come back on
// the queues), then the queues, drained and joined, so that no serving
// thread touches the server after it is destroyed (it is destroyed before
// the pool on the way out of Run).
void StopServing(grpc::Server& server, service::CompletionQueuePool& pool) {
  server.Shutdown();
  pool.Shutdown();
}

int Run() {
  // Block the handled signals before any thread starts (the audit writer,
  // the file pollers, gRPC's), so that every thread inherits the mask and
  // only the sigwait() below receives them: SIGINT and SIGTERM stop, SIGHUP
  // reopens the audit files (logrotate).
  sigset_t handled_signals;
  sigemptyset(&handled_signals);
  sigaddset(&handled_signals, SIGINT);
  sigaddset(&handled_signals, SIGTERM);
  sigaddset(&handled_signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &handled_signals, nullptr);
  const std::string listen = absl::GetFlag(FLAGS_listen);
  if (absl::GetFlag(FLAGS_init_state_dir)) {
    return RunStateCommand(
        "--init_state_dir", listen,
        "--init_state_dir makes the state directory and exits, it does not serve: drop --listen "
        "(then start identityd without --init_state_dir)",
        InitialiseStateDirectory);
  }
  if (const std::string import_dir = absl::GetFlag(FLAGS_import_state_dir); !import_dir.empty()) {
    return RunStateCommand(
        "--import_state_dir", listen,
        "--import_state_dir copies the state into etcd and exits, it does not serve: drop --listen",
        [&import_dir](const StateOptions& options) {
          return ImportStateDirectory(options, import_dir);
        });
  }
  if (listen.empty()) return Fail("--listen is required, e.g. --listen=127.0.0.1:50051");
  absl::StatusOr<ListenAddress> address = ParseListenAddress(listen);
  if (!address.ok()) return Fail(address.status().message());
  // TLS files, policy, limits (server/startup/server_security.h): checked before any
  // secret is loaded.
  absl::StatusOr<std::unique_ptr<ServerSecurity>> security = ServerSecurity::FromFlags(*address);
  if (!security.ok()) return Fail(security.status().message());
  // The audit log before any secret, too: a sink that cannot be opened stops
  // the start. It outlives the service, which records into it until the end.
  absl::StatusOr<std::unique_ptr<audit::AuditLog>> audit_log = AuditLogFromFlags();
  if (!audit_log.ok()) return Fail(audit_log.status().message());

  std::optional<config::ServerConfig> config;
  const std::string config_path = absl::GetFlag(FLAGS_config);
  if (!config_path.empty()) {
    absl::StatusOr<config::ServerConfig> loaded = config::LoadServerConfigFile(config_path);
    if (!loaded.ok()) return Fail(loaded.status().message());
    config = *std::move(loaded);
  }
  absl::StatusOr<StateOptions> state_options = StateOptionsFromFlags();
  if (!state_options.ok()) return Fail(state_options.status().message());
  state_options->allow_memory_only = (*security)->plaintext();
  keyring::Keyring keyring;
  // Before the store: a replicated back end reports its watch into it.
  metrics::StoreMetrics store_metrics;
  state_options->store_metrics = &store_metrics;
  // The store first, then the config's seeds for widgets it does not know.
  absl::StatusOr<BootstrappedState> state =
      BootstrapState(*state_options, config.has_value() ? &*config : nullptr, config_path,
                     keyring, absl::Now());
  // Declared after the keyring, so destroyed first: the follower stops
  // installing before the keyring goes.
  if (!state.ok()) return Fail(state.status().message());

  // Every store call the service makes is timed (server/startup/metrics_setup.h).
  store::InstrumentedSecretStore instrumented_store(*state->store, store_metrics);

  service::IdentityServiceImpl service(
      keyring, instrumented_store,
      service::AccessControl{
          &(*security)->authorizer(), (*security)->rate_limiter(),
          static_cast<std::size_t>((*security)->limits().max_metadata_bytes)},
      audit_log->get());
  // Before the gRPC port opens; stopped first (declared last).
  absl::StatusOr<std::unique_ptr<metrics::MetricsHttpServer>> metrics_server =
      StartMetricsFromFlags({&keyring, audit_log->get(), security->get(), &store_metrics});
  if (!metrics_server.ok()) return Fail(metrics_server.status().message());
  // Our own health service, served from the same queues (its built-in
  // counterpart would bring the callback API's threads; see
  // server/service/completion_queue_pool.h).
  // (--health_listen's plain-text server, built after this one, turns the
  // built-in service back on for itself: server/health/health_listener.cc.)
  grpc::EnableDefaultHealthCheckService(false);
  service::HealthService health;
  health.SetServing("", true);
  health.SetServing("identity.v1.IdentityService", true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  health::LinkHealthDescriptor();
  grpc::ServerBuilder builder;
  // gRPC sets SO_REUSEPORT by default: a second identityd on the same port
  // would bind silently and take half the calls. Fail on a busy port instead.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  int bound_port = 0;
  (*security)->ConfigureServer(listen, builder, &bound_port);
  builder.RegisterService(&service);
  builder.RegisterService(&health);
  int serving_threads = absl::GetFlag(FLAGS_serving_threads);
  if (serving_threads < 0 || serving_threads > 64) return Fail("--serving_threads must be 0..64");
  if (serving_threads == 0) {
    serving_threads = std::clamp(static_cast<int>(std::thread::hardware_concurrency()) / 2, 1, 64);
  }
  service::CompletionQueuePool pool(builder, serving_threads);
  service.ServeFrom(pool);
  health.ServeFrom(pool);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || bound_port == 0) {
    return Fail(absl::StrCat("cannot listen on ", listen, " (address in use or not local?)"));
  }
  pool.Start();
  const std::string bound =
      absl::StrCat(absl::StrContains(address->host, ':') ? absl::StrCat("[", address->host, "]")
                                                         : address->host,
                   ":", bound_port);
  LogInfo(absl::StrCat("identityd serving on ", bound, " with ", keyring.size(), " widget(s)"));
  std::unique_ptr<health::HealthListener> health_listener;
  if (const std::string health_listen = absl::GetFlag(FLAGS_health_listen);
      !health_listen.empty()) {
    absl::StatusOr<std::unique_ptr<health::HealthListener>> started =
        health::HealthListener::Start(health_listen, {"identity.v1.IdentityService"});
    if (!started.ok()) {
      StopServing(*server, pool);
      return Fail(started.status().message());
    }
    health_listener = *std::move(started);
    LogInfo(absl::StrCat("health checks (plain text, grpc.health.v1 only) on port ",
                         health_listener->port()));
  }
  if (const std::string path = absl::GetFlag(FLAGS_port_file); !path.empty()) {
    if (!WritePortFile(path, bound_port)) {
      StopServing(*server, pool);
      return Fail(absl::StrCat("--port_file: cannot write ", path));
    }
  }

  int signal_number = 0;
  for (;;) {
    sigwait(&handled_signals, &signal_number);
    if (signal_number != SIGHUP) break;
    if (*audit_log != nullptr) {
      LogInfo("received SIGHUP; reopening the audit sinks");
      (*audit_log)->RequestReopen();
    }
  }
  const absl::Duration grace = absl::GetFlag(FLAGS_shutdown_grace);
  LogInfo(absl::StrCat("received ", signal_number == SIGTERM ? "SIGTERM" : "SIGINT",
                       "; stopping (in-flight calls get up to ", absl::FormatDuration(grace), ")"));
  StartStopWatchdog(handled_signals, grace + kStopFlushLimit);
  // Probes see NOT_SERVING at once; new calls are refused; in-flight calls may
  // finish until the deadline, after which they are cancelled.
  health.Shutdown();
  if (health_listener != nullptr) health_listener->SetNotServing();
  server->Shutdown(absl::ToChronoTime(absl::Now() + grace));
  server->Wait();
  if (health_listener != nullptr) health_listener->Shutdown();
  pool.Shutdown();
  LogInfo("stopped");
  return 0;
}

}  // namespace
}  // namespace identity

int main(int argc, char** argv) {
  // Debian builds Abseil without NDEBUG, so every absl::Mutex (gRPC takes
  // several per call) feeds a process-wide deadlock graph behind one global
  // lock: about 6% of the server's CPU under load in perf (GraphCycles::GetId,
  // InsertEdge, RemoveNode; docs/benchmarks.md). That is a debugging aid, not
  // something a production server should pay for.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  // A reader of stdout (an audit sink) or a syslog peer that goes away must
  // make a write fail (EPIPE, counted by the audit log), not kill the process.
  // Before any thread starts.
  signal(SIGPIPE, SIG_IGN);
  // gRPC's and protobuf's own lines in identityd's format, throttled: callers
  // can make them log (bad handshakes, headers, compressed or malformed
  // requests), and must not be able to fill the disk that way.
  identity::RouteLibraryLogsThroughIdentityLog();
  absl::SetProgramUsageMessage(
      "identityd --listen=HOST:PORT [--config=FILE] [--state_dir=DIR --master_key_file=FILE]\n"
      "          (--tls_cert_file=F --tls_key_file=F --tls_client_ca_file=F "
      "--authz_policy_file=F | --insecure_loopback) ...\n"
      "identityd --init_state_dir --state_dir=DIR --master_key_file=FILE   (once, then exit)\n"
      "identityd --import_state_dir=DIR --etcd_endpoints=URL[,URL...] --master_key_file=FILE\n"
      "          (copies a state directory into etcd once, then exit)\n"
      "Signs chat-widget identity proofs (HMAC email hashes and HS256 JWTs) with secrets\n"
      "that only it holds. See README.md.");
  absl::FlagsUsageConfig usage;
  // Show this program's flags under --help, whatever the file is called.
  usage.contains_help_flags = [](absl::string_view file) {
    return absl::StrContains(file, "server/");
  };
  absl::SetFlagsUsageConfig(usage);
  absl::ParseCommandLine(argc, argv);
  if (absl::Status s = identity::ApplyLogFlags(); !s.ok()) return identity::Fail(s.message());
  // Before anything reads a secret: non-dumpable process, secure heap.
  if (absl::Status s = identity::HardenProcessFromFlags(); !s.ok()) {
    return identity::Fail(s.message());
  }
  const int exit_code = identity::Run();
  // Run() has destroyed the keyring: every secret is released and cleansed.
  identity::LogSecretMemoryAtShutdown();
  return exit_code;
}
