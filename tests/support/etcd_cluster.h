#ifndef IDENTITY_TESTS_SUPPORT_ETCD_CLUSTER_H_
#define IDENTITY_TESTS_SUPPORT_ETCD_CLUSTER_H_

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "tests/support/subprocess.h"
#include "tests/support/temp_dir.h"

namespace identity::testing {

// EtcdCluster is a real etcd cluster (Debian's etcd-server) of `size` members
// on 127.0.0.1, each with free client and peer ports and a data directory in
// the cluster's temporary directory. Members can be killed (SIGKILL),
// restarted on their data, stopped (SIGSTOP) and continued, to test failures.
// Every member still running is killed when the cluster is destroyed.
class EtcdCluster {
 public:
  // Client-side TLS of the members (https:// client URLs, client
  // certificates required); the peers talk plain text on loopback.
  struct Tls {
    std::string ca_file;           // signs the members' and the clients' certificates
    std::string server_cert_file;  // the members' certificate (IP SAN 127.0.0.1)
    std::string server_key_file;
    std::string client_cert_file;  // what etcdctl presents
    std::string client_key_file;
  };

  // Starts the members and waits (bounded) until every one reports healthy.
  static absl::StatusOr<std::unique_ptr<EtcdCluster>> Start(int size = 3,
                                                            std::optional<Tls> tls = std::nullopt);
  ~EtcdCluster();

  int size() const { return static_cast<int>(members_.size()); }
  // "http://127.0.0.1:PORT" (https:// with TLS) of member `i`.
  std::string endpoint(int i) const;
  // Every member's endpoint, comma-separated (--etcd_endpoints).
  std::string endpoints() const;

  // SIGKILL, as a crash; the member's data stays for Restart().
  void Kill(int i);
  // Starts a killed member again on its data.
  absl::Status Restart(int i);
  // SIGSTOP / SIGCONT: a member that stops answering without closing anything.
  void Pause(int i);
  void Resume(int i);
  // The index of the current leader (asked of the running members).
  absl::StatusOr<int> Leader() const;
  // Waits (bounded) until the members `which` (empty: all running) report
  // healthy.
  absl::Status WaitHealthy(absl::Duration timeout = absl::Seconds(20)) const;

  // Runs etcdctl against the running members with `args`.
  absl::StatusOr<RunResult> Etcdctl(const std::vector<std::string>& args) const;

  // The member's log so far.
  std::string Logs(int i) const;

 private:
  struct Member {
    std::string name;
    int client_port = 0;
    int peer_port = 0;
    std::unique_ptr<Subprocess> process;
    bool paused = false;
  };
  EtcdCluster() = default;
  absl::Status Launch(int i);
  std::string RunningEndpoints() const;

  TempDir dir_;
  std::optional<Tls> tls_;
  std::string initial_cluster_;
  std::vector<Member> members_;
};

}  // namespace identity::testing

#endif  // IDENTITY_TESTS_SUPPORT_ETCD_CLUSTER_H_
