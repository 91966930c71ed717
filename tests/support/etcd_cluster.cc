#include "tests/support/etcd_cluster.h"

#include <signal.h>
#include <sys/stat.h>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "nlohmann/json.hpp"
#include "tests/support/loopback_port.h"

namespace identity::testing {
namespace {

constexpr char kEtcd[] = "/usr/bin/etcd";
constexpr char kEtcdctl[] = "/usr/bin/etcdctl";

}  // namespace

absl::StatusOr<std::unique_ptr<EtcdCluster>> EtcdCluster::Start(int size,
                                                                std::optional<Tls> tls) {
  struct stat st;
  if (::stat(kEtcd, &st) != 0 || ::stat(kEtcdctl, &st) != 0) {
    return absl::FailedPreconditionError(
        "etcd or etcdctl is missing: install Debian's etcd-server and etcd-client (scripts/test "
        "does)");
  }
  std::unique_ptr<EtcdCluster> cluster(new EtcdCluster());
  cluster->tls_ = std::move(tls);
  std::vector<std::string> peers;
  for (int i = 0; i < size; ++i) {
    Member member;
    member.name = absl::StrCat("m", i);
    absl::StatusOr<int> client = FreeLoopbackPort();
    if (!client.ok()) return client.status();
    absl::StatusOr<int> peer = FreeLoopbackPort();
    if (!peer.ok()) return peer.status();
    member.client_port = *client;
    member.peer_port = *peer;
    peers.push_back(absl::StrCat(member.name, "=http://127.0.0.1:", member.peer_port));
    cluster->members_.push_back(std::move(member));
  }
  cluster->initial_cluster_ = absl::StrJoin(peers, ",");
  for (int i = 0; i < size; ++i) {
    if (absl::Status s = cluster->Launch(i); !s.ok()) return s;
  }
  if (absl::Status s = cluster->WaitHealthy(); !s.ok()) return s;
  return cluster;
}

EtcdCluster::~EtcdCluster() {
  for (int i = 0; i < size(); ++i) Kill(i);
}

absl::Status EtcdCluster::Launch(int i) {
  Member& m = members_[i];
  const std::string client = endpoint(i);
  const std::string peer = absl::StrCat("http://127.0.0.1:", m.peer_port);
  // Short heartbeat and election timeouts: a lost leader is replaced in about
  // a second (the defaults are 100 ms and 1 s already; kept explicit).
  std::vector<std::string> argv = {
      kEtcd, "--name", m.name, "--data-dir", dir_.File(m.name), "--listen-client-urls", client,
      "--advertise-client-urls", client, "--listen-peer-urls", peer,
      "--initial-advertise-peer-urls", peer, "--initial-cluster", initial_cluster_,
      "--initial-cluster-state", "new", "--initial-cluster-token", "identityd-test",
      "--heartbeat-interval", "100", "--election-timeout", "1000", "--logger", "zap",
      "--log-level", "warn", "--snapshot-count", "10000"};
  if (tls_.has_value()) {
    argv.insert(argv.end(), {"--client-cert-auth", "--trusted-ca-file", tls_->ca_file,
                             "--cert-file", tls_->server_cert_file, "--key-file",
                             tls_->server_key_file});
  }
  absl::StatusOr<std::unique_ptr<Subprocess>> process = Subprocess::Start(
      {argv,
       {},
       "",
       dir_.File(absl::StrCat(m.name, ".out")),
       dir_.File(absl::StrCat(m.name, ".err"))});
  if (!process.ok()) return process.status();
  m.process = *std::move(process);
  m.paused = false;
  return absl::OkStatus();
}

std::string EtcdCluster::endpoint(int i) const {
  return absl::StrCat(tls_.has_value() ? "https" : "http", "://127.0.0.1:",
                      members_[i].client_port);
}

std::string EtcdCluster::endpoints() const {
  std::vector<std::string> all;
  for (int i = 0; i < size(); ++i) all.push_back(endpoint(i));
  return absl::StrJoin(all, ",");
}

std::string EtcdCluster::RunningEndpoints() const {
  std::vector<std::string> running;
  for (int i = 0; i < size(); ++i) {
    if (members_[i].process != nullptr && !members_[i].paused) running.push_back(endpoint(i));
  }
  return absl::StrJoin(running, ",");
}

void EtcdCluster::Kill(int i) {
  Member& m = members_[i];
  if (m.process == nullptr) return;
  if (m.paused) m.process->Signal(SIGCONT);
  m.process->Signal(SIGKILL);
  (void)m.process->Wait(absl::Seconds(10));
  m.process.reset();
  m.paused = false;
}

absl::Status EtcdCluster::Restart(int i) { return Launch(i); }

void EtcdCluster::Pause(int i) {
  if (members_[i].process == nullptr) return;
  members_[i].process->Signal(SIGSTOP);
  members_[i].paused = true;
}

void EtcdCluster::Resume(int i) {
  if (members_[i].process == nullptr) return;
  members_[i].process->Signal(SIGCONT);
  members_[i].paused = false;
}

absl::StatusOr<RunResult> EtcdCluster::Etcdctl(const std::vector<std::string>& args) const {
  std::vector<std::string> argv = {kEtcdctl, absl::StrCat("--endpoints=", RunningEndpoints()),
                                   "--command-timeout=5s", "--dial-timeout=2s"};
  if (tls_.has_value()) {
    argv.insert(argv.end(), {absl::StrCat("--cacert=", tls_->ca_file),
                             absl::StrCat("--cert=", tls_->client_cert_file),
                             absl::StrCat("--key=", tls_->client_key_file)});
  }
  argv.insert(argv.end(), args.begin(), args.end());
  return RunProgram(argv, dir_.path(), "", absl::Seconds(20), {{"ETCDCTL_API", "3"}});
}

absl::Status EtcdCluster::WaitHealthy(absl::Duration timeout) const {
  const absl::Time deadline = absl::Now() + timeout;
  std::string last;
  while (absl::Now() < deadline) {
    absl::StatusOr<RunResult> r = Etcdctl({"endpoint", "health"});
    if (r.ok() && r->exit.exited && r->exit.exit_code == 0) return absl::OkStatus();
    if (r.ok()) last = r->stderr_text + r->stdout_text;
    absl::SleepFor(absl::Milliseconds(200));
  }
  return absl::DeadlineExceededError(absl::StrCat("etcd cluster not healthy in time: ", last));
}

absl::StatusOr<int> EtcdCluster::Leader() const {
  absl::StatusOr<RunResult> r = Etcdctl({"endpoint", "status", "--write-out=json"});
  if (!r.ok()) return r.status();
  nlohmann::json statuses = nlohmann::json::parse(r->stdout_text, nullptr, false);
  if (!statuses.is_array()) return absl::InternalError("etcdctl endpoint status: " + r->stdout_text);
  for (const auto& s : statuses) {
    const auto leader = s["Status"]["leader"].get<std::uint64_t>();
    const auto self = s["Status"]["header"]["member_id"].get<std::uint64_t>();
    if (leader == self) {
      const std::string ep = s["Endpoint"].get<std::string>();
      for (int i = 0; i < size(); ++i) {
        if (endpoint(i) == ep) return i;
      }
    }
  }
  return absl::UnavailableError("no leader among the running members");
}

std::string EtcdCluster::Logs(int i) const {
  return ReadFileOrEmpty(dir_.File(absl::StrCat(members_[i].name, ".err")));
}

}  // namespace identity::testing
