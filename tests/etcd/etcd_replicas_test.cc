// Replicas of the real identityd sharing their widgets through a real 3-member
// etcd cluster on 127.0.0.1 (Debian's etcd-server): a rotation on one replica
// is served by the others (propagation delay printed), racing rotations with
// one expected_version have exactly one winner, member failures (kill -9 of
// one and of two, SIGSTOP of the leader) keep issuance going and rotations
// bounded by their deadline, a replica that missed compacted history
// reloads, a wrong master key refuses the start, and etcd never holds a
// secret in any encoding.

#include <signal.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "client/identity_client.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/crypto/hex.h"
#include "tests/store/store_test_util.h"
#include "tests/support/http_get.h"
#include "tests/support/etcd_cluster.h"
#include "tests/support/identityd_process.h"
#include "tests/support/test_pki.h"

namespace identity {
namespace {

using ::identity::testing::EtcdCluster;
using ::identity::testing::HttpGet;
using ::identity::testing::MetricsPortFromLog;
using ::identity::testing::IdentitydProcess;
using ::identity::testing::RunResult;
using ::testing::HasSubstr;

constexpr char kEmail[] = "jane@example.com";
constexpr char kApp[] = "widget-1";

struct Replica {
  std::unique_ptr<IdentitydProcess> process;
  std::unique_ptr<client::IdentityClient> client;
};

class EtcdReplicasTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::unique_ptr<EtcdCluster>> cluster = EtcdCluster::Start(3);
    ASSERT_TRUE(cluster.ok()) << cluster.status();
    cluster_ = *std::move(cluster);
    master_key_ = IdentitydProcess::NewMasterKeyHex();
  }

  IdentitydProcess::Options ReplicaOptions(const std::string& endpoints) {
    IdentitydProcess::Options options;
    options.write_config = false;
    options.master_key_hex = master_key_;
    // No rate limit: the tests issue in tight loops (1,000+ calls/s) to show
    // that issuance goes on during etcd's failures.
    options.extra_flags = {absl::StrCat("--etcd_endpoints=", endpoints), "--etcd_prefix=/test/",
                           "--rate_limit_per_second=0", "--metrics_listen=127.0.0.1:0"};
    return options;
  }

  // Starts a replica (on every member unless `endpoints` names some).
  void StartReplica(std::string endpoints = "") {
    if (endpoints.empty()) endpoints = cluster_->endpoints();
    absl::StatusOr<std::unique_ptr<IdentitydProcess>> process =
        IdentitydProcess::Start(ReplicaOptions(endpoints));
    ASSERT_TRUE(process.ok()) << process.status();
    Replica replica;
    replica.process = *std::move(process);
    replica.client = NewClient(replica.process->target(), absl::Seconds(5));
    replicas_.push_back(std::move(replica));
  }

  static std::unique_ptr<client::IdentityClient> NewClient(const std::string& target,
                                                           absl::Duration timeout) {
    client::ClientOptions options = client::ClientOptions::Insecure(target);
    options.timeout = timeout;
    absl::StatusOr<std::unique_ptr<client::IdentityClient>> c =
        client::IdentityClient::Create(std::move(options));
    EXPECT_TRUE(c.ok()) << c.status();
    return c.ok() ? *std::move(c) : nullptr;
  }

  static absl::StatusOr<v1::RotateSecretResponse> Rotate(const client::IdentityClient& client,
                                                         std::optional<std::uint64_t> expected) {
    v1::RotateSecretRequest request;
    request.set_app_id(kApp);
    request.set_kind(v1::SECRET_KIND_EMAIL_HASH);
    request.set_generate(true);
    if (expected.has_value()) request.set_expected_version(*expected);
    return client.RotateSecret(request);
  }

  // The email-hash version replica `r` serves now (0 on error).
  std::uint64_t ServedVersion(const Replica& r) {
    absl::StatusOr<v1::IssueEmailHashResponse> hash = r.client->IssueEmailHash(kApp, kEmail);
    return hash.ok() ? hash->secret_version() : 0;
  }

  // Waits (bounded) until every replica serves `version` with one hash.
  void ExpectConverged(std::uint64_t version, absl::Duration timeout = absl::Seconds(10)) {
    const absl::Time deadline = absl::Now() + timeout;
    for (Replica& r : replicas_) {
      while (ServedVersion(r) != version && absl::Now() < deadline) {
        absl::SleepFor(absl::Milliseconds(5));
      }
      EXPECT_EQ(ServedVersion(r), version) << r.process->Logs();
    }
    std::string first;
    for (Replica& r : replicas_) {
      absl::StatusOr<v1::IssueEmailHashResponse> hash = r.client->IssueEmailHash(kApp, kEmail);
      ASSERT_TRUE(hash.ok()) << hash.status();
      if (first.empty()) first = hash->email_hash();
      EXPECT_EQ(hash->email_hash(), first);
    }
  }

  // The current email-hash version in etcd, asked through replica `r`'s
  // GetWidget (a linearizable read).
  std::uint64_t StoredVersion(const Replica& r) {
    absl::StatusOr<v1::GetWidgetResponse> widget = r.client->GetWidget(kApp);
    if (!widget.ok()) return 0;
    for (const v1::WidgetSecret& secret : widget->widget().secrets()) {
      if (secret.kind() == v1::SECRET_KIND_EMAIL_HASH) return secret.current().version();
    }
    return 0;
  }

  std::unique_ptr<EtcdCluster> cluster_;
  std::string master_key_;
  std::vector<Replica> replicas_;
};

absl::Duration Percentile(std::vector<absl::Duration> samples, double p) {
  std::sort(samples.begin(), samples.end());
  const std::size_t i = std::min(samples.size() - 1,
                                 static_cast<std::size_t>(p * static_cast<double>(samples.size())));
  return samples[i];
}

TEST_F(EtcdReplicasTest, RotationOnOneReplicaIsServedByTheOthers) {
  for (int i = 0; i < 3; ++i) StartReplica();
  absl::StatusOr<v1::RotateSecretResponse> first = Rotate(*replicas_[0].client, 0);
  ASSERT_TRUE(first.ok()) << first.status();
  ExpectConverged(1);

  // Propagation: from the rotation's OK on one replica to the new version
  // being served by each other replica (polled every 0.2 ms or so).
  std::vector<absl::Duration> delays;
  std::vector<absl::Duration> rotation_latencies;
  std::uint64_t version = 1;
  for (int round = 0; round < 40; ++round) {
    Replica& rotating = replicas_[round % 3];
    const absl::Time start = absl::Now();
    absl::StatusOr<v1::RotateSecretResponse> r = Rotate(*rotating.client, version);
    const absl::Time acknowledged = absl::Now();
    ASSERT_TRUE(r.ok()) << r.status();
    ASSERT_EQ(r->version(), version + 1);
    version = r->version();
    rotation_latencies.push_back(acknowledged - start);
    for (int other = 0; other < 3; ++other) {
      if (other == round % 3) continue;
      const absl::Time deadline = acknowledged + absl::Seconds(5);
      while (ServedVersion(replicas_[other]) != version && absl::Now() < deadline) {
      }
      ASSERT_EQ(ServedVersion(replicas_[other]), version);
      delays.push_back(absl::Now() - acknowledged);
    }
  }
  ExpectConverged(version);
  std::printf("etcd propagation delay (rotation OK -> served by another replica), %zu samples: "
              "p50 %s, p99 %s, max %s; rotation latency p50 %s, p99 %s\n",
              delays.size(), absl::FormatDuration(Percentile(delays, 0.5)).c_str(),
              absl::FormatDuration(Percentile(delays, 0.99)).c_str(),
              absl::FormatDuration(Percentile(delays, 1.0)).c_str(),
              absl::FormatDuration(Percentile(rotation_latencies, 0.5)).c_str(),
              absl::FormatDuration(Percentile(rotation_latencies, 0.99)).c_str());
}

TEST_F(EtcdReplicasTest, RacingRotationsWithOneExpectedVersionHaveExactlyOneWinner) {
  for (int i = 0; i < 3; ++i) StartReplica();
  ASSERT_TRUE(Rotate(*replicas_[0].client, 0).ok());
  std::uint64_t version = 1;
  for (int round = 0; round < 10; ++round) {
    std::atomic<int> won{0}, aborted{0}, other{0};
    std::vector<std::thread> racers;
    for (int i = 0; i < 3; ++i) {
      racers.emplace_back([&, i] {
        absl::StatusOr<v1::RotateSecretResponse> r = Rotate(*replicas_[i].client, version);
        if (r.ok()) {
          ++won;
        } else if (absl::IsAborted(r.status())) {
          ++aborted;
        } else {
          ++other;
          ADD_FAILURE() << r.status();
        }
      });
    }
    for (std::thread& t : racers) t.join();
    EXPECT_EQ(won.load(), 1) << "round " << round;
    EXPECT_EQ(aborted.load(), 2) << "round " << round;
    ++version;
    ExpectConverged(version);
  }
}

TEST_F(EtcdReplicasTest, KillingOneMemberKeepsIssuanceAndRotationsGoing) {
  for (int i = 0; i < 3; ++i) StartReplica();
  ASSERT_TRUE(Rotate(*replicas_[0].client, 0).ok());
  ExpectConverged(1);
  absl::StatusOr<int> leader = cluster_->Leader();
  ASSERT_TRUE(leader.ok()) << leader.status();
  cluster_->Kill(*leader);  // the worst member to lose
  std::uint64_t version = 1;
  for (int round = 0; round < 6; ++round) {
    absl::StatusOr<v1::RotateSecretResponse> r = Rotate(*replicas_[round % 3].client, version);
    ASSERT_TRUE(r.ok()) << "round " << round << ": " << r.status();
    version = r->version();
    ExpectConverged(version);
  }
}

TEST_F(EtcdReplicasTest, WithoutQuorumRotationsFailInTimeIssuanceGoesOnAndAllConvergeAfter) {
  for (int i = 0; i < 3; ++i) StartReplica();
  ASSERT_TRUE(Rotate(*replicas_[0].client, 0).ok());
  ExpectConverged(1);
  cluster_->Kill(1);
  cluster_->Kill(2);
  // A rotation with a 3 s deadline fails within it (never OK), on every replica.
  std::vector<std::string> outcomes;
  for (int i = 0; i < 3; ++i) {
    std::unique_ptr<client::IdentityClient> short_client =
        NewClient(replicas_[i].process->target(), absl::Seconds(3));
    const absl::Time start = absl::Now();
    absl::StatusOr<v1::RotateSecretResponse> r = Rotate(*short_client, std::nullopt);
    const absl::Duration took = absl::Now() - start;
    EXPECT_FALSE(r.ok());
    EXPECT_TRUE(absl::IsUnavailable(r.status()) || absl::IsDeadlineExceeded(r.status()))
        << r.status();
    EXPECT_LT(took, absl::Milliseconds(3500));
    outcomes.push_back(std::string(r.status().message()));
  }
  for (const std::string& o : outcomes) std::printf("rotation without quorum: %s\n", o.c_str());
  // Issuance goes on from memory, for 2 s, while an operator's GetWidget
  // calls wait for etcd (up to 1 s each) on every replica: they must not hold
  // up the issue calls (they are served off the serving threads).
  std::atomic<bool> reading{true};
  std::vector<std::thread> readers;
  for (Replica& r : replicas_) {
    readers.emplace_back([&reading, &r] {
      while (reading.load()) (void)r.client->GetWidget(kApp);
    });
  }
  const absl::Time until = absl::Now() + absl::Seconds(2);
  int issued = 0;
  while (absl::Now() < until) {
    for (Replica& r : replicas_) {
      ASSERT_EQ(ServedVersion(r), 1u);
      ++issued;
    }
  }
  reading.store(false);
  for (std::thread& t : readers) t.join();
  EXPECT_GT(issued, 100);
  ASSERT_TRUE(cluster_->Restart(1).ok());
  ASSERT_TRUE(cluster_->Restart(2).ok());
  ASSERT_TRUE(cluster_->WaitHealthy().ok());
  // Whatever etcd holds now (a lost write may have committed): every replica
  // serves it.
  const std::uint64_t stored = StoredVersion(replicas_[0]);
  ASSERT_GE(stored, 1u);
  ExpectConverged(stored, absl::Seconds(15));
  absl::StatusOr<v1::RotateSecretResponse> after = Rotate(*replicas_[1].client, stored);
  ASSERT_TRUE(after.ok()) << after.status();
  ExpectConverged(stored + 1);
}

TEST_F(EtcdReplicasTest, PausedLeaderDoesNotStopIssuanceOrRotations) {
  absl::StatusOr<int> leader = cluster_->Leader();
  ASSERT_TRUE(leader.ok()) << leader.status();
  // The leader first in every replica's list: their calls and change feeds
  // start on it, so the pause must be noticed (silence, not an error).
  std::string endpoints = cluster_->endpoint(*leader);
  for (int i = 0; i < cluster_->size(); ++i) {
    if (i != *leader) absl::StrAppend(&endpoints, ",", cluster_->endpoint(i));
  }
  for (int i = 0; i < 3; ++i) StartReplica(endpoints);
  ASSERT_TRUE(Rotate(*replicas_[0].client, 0).ok());
  ExpectConverged(1);
  cluster_->Pause(*leader);
  std::uint64_t version = 1;
  for (int round = 0; round < 3; ++round) {
    absl::StatusOr<v1::RotateSecretResponse> r = Rotate(*replicas_[round % 3].client, version);
    if (!r.ok()) {
      // The first may fall in the election (about a second): then once more.
      ASSERT_TRUE(absl::IsUnavailable(r.status())) << r.status();
      version = StoredVersion(replicas_[round % 3]);
      r = Rotate(*replicas_[round % 3].client, version);
    }
    ASSERT_TRUE(r.ok()) << "round " << round << ": " << r.status();
    version = r->version();
    ExpectConverged(version);
  }
  for (Replica& r : replicas_) {
    EXPECT_THAT(r.process->Logs(), HasSubstr("no word on the change feed"));
  }
  cluster_->Resume(*leader);
}

TEST_F(EtcdReplicasTest, WrongMasterKeyRefusesToStartNamingIt) {
  StartReplica();
  IdentitydProcess::Options options = ReplicaOptions(cluster_->endpoints());
  options.master_key_hex = IdentitydProcess::NewMasterKeyHex();
  absl::StatusOr<RunResult> refused = IdentitydProcess::StartExpectingFailure(options);
  ASSERT_TRUE(refused.ok()) << refused.status();
  EXPECT_THAT(refused->stderr_text + refused->stdout_text,
              HasSubstr("--master_key_file: the master key does not open the etcd prefix /test/"));
}

TEST_F(EtcdReplicasTest, StateDirAndEtcdEndpointsAreExclusive) {
  IdentitydProcess::Options options = ReplicaOptions(cluster_->endpoints());
  options.extra_flags.push_back("--state_dir=/nonexistent");
  absl::StatusOr<RunResult> refused = IdentitydProcess::StartExpectingFailure(options);
  ASSERT_TRUE(refused.ok()) << refused.status();
  EXPECT_THAT(refused->stderr_text + refused->stdout_text,
              HasSubstr("--state_dir and --etcd_endpoints are mutually exclusive"));
}

TEST_F(EtcdReplicasTest, EtcdNeverHoldsASecretInAnyEncoding) {
  StartReplica();
  std::vector<std::string> forms;
  for (int i = 0; i < 4; ++i) {
    absl::StatusOr<v1::RotateSecretResponse> r = Rotate(*replicas_[0].client, i);
    ASSERT_TRUE(r.ok()) << r.status();
    const std::string displayed = r->generated_secret();
    const std::string key = absl::HexStringToBytes(displayed);
    for (const std::string& f : store::testing::LeakForms(key, displayed)) forms.push_back(f);
  }
  ASSERT_FALSE(forms.empty());
  // Each dump, with what proves it holds the widget's key (the key as that
  // output format writes it).
  const std::vector<std::pair<std::vector<std::string>, std::string>> dumps = {
      {{"get", "--prefix", "/"}, "/test/widgets/widget-1"},
      {{"get", "--prefix", "/", "--write-out=json"}, absl::Base64Escape("/test/widgets/widget-1")},
      {{"get", "--prefix", "/", "--hex"}, "\\x77\\x69\\x64\\x67\\x65\\x74"},
      {{"get", "--prefix", "/", "--write-out=fields"}, "/test/widgets/widget-1"}};
  for (const auto& [args, marker] : dumps) {
    absl::StatusOr<RunResult> dump = cluster_->Etcdctl(args);
    ASSERT_TRUE(dump.ok()) << dump.status();
    ASSERT_THAT(dump->stdout_text, HasSubstr(marker)) << "etcdctl " << args.back();
    for (std::size_t i = 0; i < forms.size(); ++i) {
      EXPECT_EQ(dump->stdout_text.find(forms[i]), std::string::npos)
          << "etcdctl " << args.back() << " shows a secret (form " << i << ")";
    }
  }
}

// IssueEmailHash calls that `r` answered OK, from its metrics (-1 if unreadable).
std::int64_t HashCallsServed(const IdentitydProcess& r) {
  absl::StatusOr<int> port = MetricsPortFromLog(r.Logs());
  if (!port.ok()) return -1;
  absl::StatusOr<std::string> text = HttpGet(*port, "/metrics");
  if (!text.ok()) return -1;
  const std::string line = "identityd_rpc_calls_total{rpc=\"IssueEmailHash\",code=\"OK\"} ";
  const std::size_t at = text->find(line);
  return at == std::string::npos ? -1 : std::stoll(text->substr(at + line.size()));
}

TEST_F(EtcdReplicasTest, RoundRobinSpreadsCallsOverEveryReplica) {
  for (int i = 0; i < 3; ++i) StartReplica();
  ASSERT_TRUE(Rotate(*replicas_[0].client, 0).ok());
  ExpectConverged(1);
  std::string target = "ipv4:";
  for (std::size_t i = 0; i < replicas_.size(); ++i) {
    absl::StrAppend(&target, i == 0 ? "" : ",", "127.0.0.1:", replicas_[i].process->port());
  }
  std::vector<std::int64_t> before;
  for (Replica& r : replicas_) before.push_back(HashCallsServed(*r.process));

  // The C++ client, round_robin over the list: every replica takes calls.
  client::ClientOptions options = client::ClientOptions::Insecure(target);
  options.load_balancing_policy = "round_robin";
  absl::StatusOr<std::unique_ptr<client::IdentityClient>> spread =
      client::IdentityClient::Create(options);
  ASSERT_TRUE(spread.ok()) << spread.status();
  constexpr int kCalls = 30;
  for (int i = 0; i < kCalls; ++i) {
    absl::StatusOr<v1::IssueEmailHashResponse> hash = (*spread)->IssueEmailHash(kApp, kEmail);
    ASSERT_TRUE(hash.ok()) << hash.status();
  }
  std::int64_t total = 0;
  for (std::size_t i = 0; i < replicas_.size(); ++i) {
    const std::int64_t served = HashCallsServed(*replicas_[i].process) - before[i];
    std::printf("replica %zu served %lld of %d calls\n", i, static_cast<long long>(served),
                kCalls);
    EXPECT_GE(served, 3) << "replica " << i;
    total += served;
  }
  EXPECT_EQ(total, kCalls);

  // identityctl the same way; an unknown policy is a usage error naming it.
  absl::StatusOr<RunResult> ctl = replicas_[0].process->IdentityctlWith(
      {"--insecure", "--target=" + target, "--lb_policy=round_robin"}, {"hash", kApp, kEmail});
  ASSERT_TRUE(ctl.ok()) << ctl.status();
  EXPECT_EQ(ctl->exit.exit_code, 0) << ctl->stderr_text;
  ctl = replicas_[0].process->IdentityctlWith({"--insecure", "--lb_policy=random"},
                                              {"hash", kApp, kEmail});
  ASSERT_TRUE(ctl.ok()) << ctl.status();
  EXPECT_EQ(ctl->exit.exit_code, 2);
  EXPECT_THAT(ctl->stderr_text, HasSubstr("--lb_policy: must be pick_first or round_robin"));
}

TEST_F(EtcdReplicasTest, ReplicaThatMissedCompactedHistoryReloads) {
  StartReplica();
  // The second replica watches member 0 only, so that its feed can be cut.
  StartReplica(cluster_->endpoint(0));
  ASSERT_TRUE(Rotate(*replicas_[0].client, 0).ok());
  ExpectConverged(1);
  // The second replica stops; its member goes down, so nothing reaches its
  // socket while rotations happen and history is compacted away.
  replicas_[1].process->process().Signal(SIGSTOP);
  cluster_->Kill(0);
  std::uint64_t version = 1;
  for (int i = 0; i < 5; ++i) {
    absl::StatusOr<v1::RotateSecretResponse> r = Rotate(*replicas_[0].client, version);
    ASSERT_TRUE(r.ok()) << r.status();
    version = r->version();
  }
  absl::StatusOr<RunResult> status = cluster_->Etcdctl({"endpoint", "status", "--write-out=json"});
  ASSERT_TRUE(status.ok());
  const std::size_t at = status->stdout_text.find("\"revision\":");
  ASSERT_NE(at, std::string::npos);
  const std::string revision =
      std::to_string(std::stoll(status->stdout_text.substr(at + std::strlen("\"revision\":"))));
  absl::StatusOr<RunResult> compact = cluster_->Etcdctl({"compact", revision});
  ASSERT_TRUE(compact.ok() && compact->exit.exit_code == 0)
      << (compact.ok() ? compact->stderr_text : compact.status().ToString());
  ASSERT_TRUE(cluster_->Restart(0).ok());
  ASSERT_TRUE(cluster_->WaitHealthy().ok());
  replicas_[1].process->process().Signal(SIGCONT);
  ExpectConverged(version, absl::Seconds(15));
  EXPECT_THAT(replicas_[1].process->Logs(), HasSubstr("reloading every widget"));
  // The reload and the revision the replica now reflects are in its metrics.
  absl::StatusOr<int> port = MetricsPortFromLog(replicas_[1].process->Logs());
  ASSERT_TRUE(port.ok()) << port.status();
  absl::StatusOr<std::string> metrics = HttpGet(*port, "/metrics");
  ASSERT_TRUE(metrics.ok()) << metrics.status();
  EXPECT_THAT(*metrics, HasSubstr("identityd_store_reloads_total{outcome=\"success\"} 1\n"));
  EXPECT_THAT(*metrics, HasSubstr("identityd_store_watched_revision " + revision + "\n"));
  EXPECT_THAT(*metrics, HasSubstr("identityd_store_revision_lag 0\n"));
}

TEST_F(EtcdReplicasTest, ReplicaKilledDuringRotationsConvergesAfterRestart) {
  for (int i = 0; i < 2; ++i) StartReplica();
  ASSERT_TRUE(Rotate(*replicas_[0].client, 0).ok());
  std::atomic<bool> stop{false};
  std::thread rotator([&] {
    while (!stop) (void)Rotate(*replicas_[1].client, std::nullopt);
  });
  absl::SleepFor(absl::Milliseconds(300));
  ASSERT_TRUE(replicas_[1].process->Kill().ok());
  stop = true;
  rotator.join();
  replicas_.erase(replicas_.begin() + 1);
  StartReplica();
  const std::uint64_t stored = StoredVersion(replicas_[0]);
  ASSERT_GE(stored, 1u);
  ExpectConverged(stored);
}

// Deadlines so short that the transaction's answer often arrives after its
// share of the deadline: the write was sent, the answer is "lost", and the
// replica must settle it (read back, fence) or say the outcome is unknown.
// Whatever each call said, etcd ends up with exactly the rotations that were
// acknowledged plus at most those whose outcome was not settled.
TEST_F(EtcdReplicasTest, LostAnswersAreSettledOrReportedUnknown) {
  StartReplica();
  StartReplica();
  ASSERT_TRUE(Rotate(*replicas_[0].client, 0).ok());
  int ok = 0, unknown = 0, unchanged = 0, client_deadline = 0, aborted = 0;
  // One connected client per deadline, 2 to 21 ms.
  std::vector<std::unique_ptr<client::IdentityClient>> hurried;
  for (int i = 0; i < 20; ++i) {
    hurried.push_back(
        NewClient(replicas_[0].process->target(), absl::Microseconds(2000 + 1000 * i)));
    for (int tries = 0; tries < 20 && !hurried.back()->IssueEmailHash(kApp, kEmail).ok(); ++tries) {
    }
  }
  for (int i = 0; i < 60; ++i) {
    absl::StatusOr<v1::RotateSecretResponse> r = Rotate(*hurried[i % 20], std::nullopt);
    if (r.ok()) {
      ++ok;
    } else if (absl::IsUnavailable(r.status()) &&
               absl::StrContains(r.status().message(), "outcome of this rotation is unknown")) {
      ++unknown;
      EXPECT_THAT(std::string(r.status().message()), HasSubstr("identityctl widget widget-1"));
    } else if (absl::IsUnavailable(r.status())) {
      ++unchanged;
    } else if (absl::IsDeadlineExceeded(r.status())) {
      ++client_deadline;
    } else if (absl::IsAborted(r.status())) {
      ++aborted;
    } else {
      ADD_FAILURE() << r.status();
    }
  }
  const std::uint64_t stored = StoredVersion(replicas_[1]);
  const std::string logs = replicas_[0].process->Logs();
  auto count = [&logs](const std::string& what) {
    int n = 0;
    for (std::size_t at = logs.find(what); at != std::string::npos; at = logs.find(what, at + 1)) ++n;
    return n;
  };
  std::printf("60 rotations with 2-21 ms deadlines: %d OK, %d outcome unknown, %d unavailable "
              "(nothing changed), %d aborted, %d deadline exceeded at the client; etcd holds "
              "version %llu; the replica's log: %d lost answers, %d found committed, %d fenced "
              "off, %d unknown\n",
              ok, unknown, unchanged, aborted, client_deadline,
              static_cast<unsigned long long>(stored), count("was lost ("),
              count(" was committed\n"), count("fenced off"), count("is unknown ("));
  EXPECT_GE(stored, 1u + ok);
  EXPECT_LE(stored, 1u + ok + unknown + client_deadline);
  ExpectConverged(stored);
}

// etcd with client certificates (https://, --client-cert-auth): replicas with
// --etcd_ca_file, --etcd_cert_file and --etcd_key_file share rotations; one
// without a client certificate cannot start.
TEST(EtcdTlsTest, ReplicasReachATlsClusterWithClientCertificates) {
  absl::StatusOr<std::unique_ptr<::identity::testing::TestPki>> pki =
      ::identity::testing::TestPki::Create();
  ASSERT_TRUE(pki.ok()) << pki.status();
  absl::StatusOr<std::unique_ptr<EtcdCluster>> cluster = EtcdCluster::Start(
      3, EtcdCluster::Tls{(*pki)->Cert("ca"), (*pki)->Cert("server"), (*pki)->Key("server"),
                          (*pki)->Cert("ops"), (*pki)->Key("ops")});
  ASSERT_TRUE(cluster.ok()) << cluster.status();
  const std::string master_key = IdentitydProcess::NewMasterKeyHex();
  auto options = [&](bool with_client_cert) {
    IdentitydProcess::Options o;
    o.write_config = false;
    o.master_key_hex = master_key;
    o.extra_flags = {absl::StrCat("--etcd_endpoints=", (*cluster)->endpoints()),
                     absl::StrCat("--etcd_ca_file=", (*pki)->Cert("ca"))};
    if (with_client_cert) {
      o.extra_flags.push_back(absl::StrCat("--etcd_cert_file=", (*pki)->Cert("service")));
      o.extra_flags.push_back(absl::StrCat("--etcd_key_file=", (*pki)->Key("service")));
    }
    return o;
  };
  absl::StatusOr<std::unique_ptr<IdentitydProcess>> a = IdentitydProcess::Start(options(true));
  ASSERT_TRUE(a.ok()) << a.status();
  absl::StatusOr<std::unique_ptr<IdentitydProcess>> b = IdentitydProcess::Start(options(true));
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_THAT((*a)->Logs(), ::testing::Not(HasSubstr("plain http://")));
  client::ClientOptions ca = client::ClientOptions::Insecure((*a)->target());
  client::ClientOptions cb = client::ClientOptions::Insecure((*b)->target());
  std::unique_ptr<client::IdentityClient> to_a = *client::IdentityClient::Create(ca);
  std::unique_ptr<client::IdentityClient> to_b = *client::IdentityClient::Create(cb);
  v1::RotateSecretRequest request;
  request.set_app_id(kApp);
  request.set_kind(v1::SECRET_KIND_EMAIL_HASH);
  request.set_generate(true);
  ASSERT_TRUE(to_a->RotateSecret(request).ok());
  const absl::Time deadline = absl::Now() + absl::Seconds(5);
  absl::StatusOr<v1::IssueEmailHashResponse> hash = to_b->IssueEmailHash(kApp, kEmail);
  while (!hash.ok() && absl::Now() < deadline) hash = to_b->IssueEmailHash(kApp, kEmail);
  ASSERT_TRUE(hash.ok()) << hash.status();
  EXPECT_EQ(hash->secret_version(), 1u);
  absl::StatusOr<RunResult> refused = IdentitydProcess::StartExpectingFailure(options(false));
  ASSERT_TRUE(refused.ok()) << refused.status();
  EXPECT_THAT(refused->stderr_text + refused->stdout_text, HasSubstr("refusing to start"));
}

TEST_F(EtcdReplicasTest, ImportCopiesAStateDirectoryOnceAndNeverOverwritesANewerVersion) {
  ::identity::testing::TempDir work;
  const std::string state_dir = work.File("state");
  absl::StatusOr<RunResult> init = IdentitydProcess::InitStateDir(state_dir, master_key_);
  ASSERT_TRUE(init.ok() && init->exit.exit_code == 0);
  std::string embedded_hash;
  {
    IdentitydProcess::Options options;
    options.write_config = false;
    options.state_dir = state_dir;
    options.master_key_hex = master_key_;
    absl::StatusOr<std::unique_ptr<IdentitydProcess>> one = IdentitydProcess::Start(options);
    ASSERT_TRUE(one.ok()) << one.status();
    std::unique_ptr<client::IdentityClient> c = NewClient((*one)->target(), absl::Seconds(5));
    for (std::uint64_t v = 0; v < 3; ++v) ASSERT_TRUE(Rotate(*c, v).ok());
    absl::StatusOr<v1::IssueEmailHashResponse> hash = c->IssueEmailHash(kApp, kEmail);
    ASSERT_TRUE(hash.ok());
    embedded_hash = hash->email_hash();
    ASSERT_TRUE((*one)->Stop().ok());
  }
  const std::string key_file = work.File("master.key");
  ::identity::testing::WriteFileOrDie(key_file, master_key_ + "\n");
  const std::vector<std::string> import = {
      ::identity::testing::IdentitydPath(), absl::StrCat("--import_state_dir=", state_dir),
      absl::StrCat("--etcd_endpoints=", cluster_->endpoints()), "--etcd_prefix=/test/",
      absl::StrCat("--master_key_file=", key_file)};
  for (int run = 0; run < 2; ++run) {
    absl::StatusOr<RunResult> r = ::identity::testing::RunProgram(import, work.path());
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_EQ(r->exit.exit_code, 0) << r->stderr_text;
    EXPECT_THAT(r->stderr_text + r->stdout_text,
                HasSubstr(run == 0 ? "1 copied, 0 updated, 0 already there"
                                   : "0 copied, 0 updated, 1 already there"));
  }
  StartReplica();
  EXPECT_EQ(ServedVersion(replicas_[0]), 3u);
  absl::StatusOr<v1::IssueEmailHashResponse> hash = replicas_[0].client->IssueEmailHash(kApp, kEmail);
  ASSERT_TRUE(hash.ok());
  EXPECT_EQ(hash->email_hash(), embedded_hash);
  // Rotated in etcd since: a later import leaves it alone and says so.
  ASSERT_TRUE(Rotate(*replicas_[0].client, 3).ok());
  absl::StatusOr<RunResult> again = ::identity::testing::RunProgram(import, work.path());
  ASSERT_TRUE(again.ok());
  EXPECT_NE(again->exit.exit_code, 0);
  EXPECT_THAT(again->stderr_text + again->stdout_text,
              HasSubstr("widget widget-1: NOT copied: etcd holds email_hash version 4"));
  EXPECT_EQ(StoredVersion(replicas_[0]), 4u);
}

}  // namespace
}  // namespace identity
