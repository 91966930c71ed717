// Issue calls racing rotations on the real identityd: no call fails, every
// proof verifies under the key of the version it reports, and no thread ever
// sees a version go backwards. And rotations racing each other on the same
// expected_version: exactly one wins.

#include <atomic>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_join.h"
#include "absl/synchronization/mutex.h"
#include "tests/integration/integration_fixture.h"

namespace identity::integration_testing {
namespace {

constexpr int kIssuingThreads = 4;
// Each issuing thread makes at least kMinCalls calls and goes on while the
// rotations last, up to kMaxCalls: the loop is bounded, and overlaps the
// rotations however the two cores are scheduled.
constexpr int kMinCalls = 100;
constexpr int kMaxCalls = 3000;
constexpr int kRotations = 40;  // of each kind

// The secrets the test installs, by kind and version. Written by the rotating
// thread *before* it asks for version v (an issue call may see v before the
// rotation call returns), read by the checks after every thread has joined.
struct KnownSecrets {
  absl::Mutex mu;
  std::map<std::uint64_t, std::string> hash ABSL_GUARDED_BY(mu);
  std::map<std::uint64_t, std::string> jwt ABSL_GUARDED_BY(mu);
};

// Deterministic, distinct secrets per version.
std::string HashSecretFor(std::uint64_t version) {
  return HexEncode(HmacSha256("hash-secret", std::to_string(version)));  // 64 hex chars
}
std::string JwtSecretFor(std::uint64_t version) {
  return "jwt-secret-version-" + std::to_string(version) + "-padding";
}

// What one issue call returned, checked after the run.
struct Observation {
  bool token = false;
  std::string email;
  std::string proof;  // the hash or the JWT
  std::uint64_t version = 0;
};

TEST(ConcurrencyTest, IssueCallsRacingRotationsNeverFailAndAlwaysVerify) {
  testing::IdentitydProcess::Options options = StandardServerOptions();
  // No per-principal rate limit (it has its own tests): the issuing threads
  // make up to 4 x kMaxCalls calls while the rotations last, which on a slow
  // machine (or under AddressSanitizer) outlasts the default burst.
  options.extra_flags.push_back("--rate_limit_per_second=0");
  std::unique_ptr<testing::IdentitydProcess> server = StartServer(options);
  ASSERT_NE(server, nullptr);
  // Two channels: issuing threads share one, the rotating thread has its own.
  std::unique_ptr<client::IdentityClient> issuer = ClientFor(server->target());
  std::unique_ptr<client::IdentityClient> rotator = ClientFor(server->target());
  ASSERT_NE(issuer, nullptr);
  ASSERT_NE(rotator, nullptr);

  KnownSecrets known;
  {
    absl::MutexLock lock(&known.mu);
    known.hash[1] = std::string(kBothHashSecret);
    known.jwt[1] = std::string(kBothJwtSecret);
  }

  std::atomic<bool> go{false};
  std::atomic<bool> rotations_done{false};
  std::atomic<int> issue_failures{0};
  std::vector<std::vector<Observation>> seen(kIssuingThreads);
  std::vector<std::string> failures(kIssuingThreads + 1);
  std::vector<std::thread> threads;
  for (int t = 0; t < kIssuingThreads; ++t) {
    threads.emplace_back([&, t] {
      while (!go.load()) std::this_thread::yield();
      for (int i = 0; i < kMinCalls || (!rotations_done.load() && i < kMaxCalls); ++i) {
        Observation o;
        o.token = (i + t) % 2 == 1;
        o.email = "user" + std::to_string(t) + "." + std::to_string(i) + "@example.com";
        if (o.token) {
          v1::IssueWidgetTokenRequest request;
          request.set_app_id(std::string(kBothApp));
          request.set_email(o.email);
          absl::StatusOr<v1::IssueWidgetTokenResponse> r = issuer->IssueWidgetToken(request);
          if (!r.ok()) {
            ++issue_failures;
            failures[t] = r.status().ToString();
            continue;
          }
          o.proof = r->jwt();
          o.version = r->secret_version();
        } else {
          absl::StatusOr<v1::IssueEmailHashResponse> r = issuer->IssueEmailHash(kBothApp, o.email);
          if (!r.ok()) {
            ++issue_failures;
            failures[t] = r.status().ToString();
            continue;
          }
          o.proof = r->email_hash();
          o.version = r->secret_version();
        }
        seen[t].push_back(std::move(o));
      }
    });
  }
  int rotation_failures = 0;
  threads.emplace_back([&] {
    while (!go.load()) std::this_thread::yield();
    for (std::uint64_t v = 2; v <= kRotations + 1; ++v) {
      for (v1::SecretKind kind : {v1::SECRET_KIND_EMAIL_HASH, v1::SECRET_KIND_JWT}) {
        const bool hash = kind == v1::SECRET_KIND_EMAIL_HASH;
        const std::string secret = hash ? HashSecretFor(v) : JwtSecretFor(v);
        {
          absl::MutexLock lock(&known.mu);
          (hash ? known.hash : known.jwt)[v] = secret;
        }
        v1::RotateSecretRequest request;
        request.set_app_id(std::string(kBothApp));
        request.set_kind(kind);
        request.set_secret(secret);
        request.set_expected_version(v - 1);
        absl::StatusOr<v1::RotateSecretResponse> r = rotator->RotateSecret(request);
        if (!r.ok() || r->version() != v) {
          ++rotation_failures;
          failures[kIssuingThreads] = r.ok() ? "unexpected version" : r.status().ToString();
        }
      }
    }
    rotations_done.store(true);
  });
  go.store(true);
  for (std::thread& thread : threads) thread.join();

  EXPECT_EQ(issue_failures.load(), 0) << "e.g. " << absl::StrJoin(failures, "; ");
  EXPECT_EQ(rotation_failures, 0) << failures[kIssuingThreads];

  absl::MutexLock lock(&known.mu);
  std::uint64_t max_hash_version = 0, max_jwt_version = 0;
  for (int t = 0; t < kIssuingThreads; ++t) {
    SCOPED_TRACE("thread " + std::to_string(t));
    EXPECT_GE(seen[t].size(), static_cast<std::size_t>(kMinCalls));
    std::uint64_t last_hash = 0, last_jwt = 0;
    for (const Observation& o : seen[t]) {
      std::uint64_t& last = o.token ? last_jwt : last_hash;
      EXPECT_GE(o.version, last) << "version went backwards for " << o.email;
      last = o.version;
      const auto& secrets = o.token ? known.jwt : known.hash;
      auto it = secrets.find(o.version);
      ASSERT_NE(it, secrets.end()) << "unknown version " << o.version;
      if (o.token) {
        absl::StatusOr<DecodedJwt> jwt = DecodeJwt(o.proof);
        ASSERT_TRUE(jwt.ok()) << jwt.status();
        EXPECT_TRUE(SignatureMatches(*jwt, it->second))
            << "token for " << o.email << " does not verify under version " << o.version;
        EXPECT_EQ(jwt->claims.value("email", ""), o.email);
      } else {
        EXPECT_EQ(o.proof, ExpectedEmailHash(it->second, o.email))
            << "hash for " << o.email << " is not that of version " << o.version;
      }
    }
    max_hash_version = std::max(max_hash_version, last_hash);
    max_jwt_version = std::max(max_jwt_version, last_jwt);
  }
  // After the run, both kinds serve the last version.
  absl::StatusOr<v1::IssueEmailHashResponse> last = issuer->IssueEmailHash(kBothApp, "z@z.z");
  ASSERT_TRUE(last.ok()) << last.status();
  EXPECT_EQ(last->secret_version(), static_cast<std::uint64_t>(kRotations + 1));
  EXPECT_EQ(last->email_hash(), ExpectedEmailHash(HashSecretFor(kRotations + 1), "z@z.z"));
  // Not an assertion on timing, only a note for whoever reads the log: how
  // much of the rotation sequence the issuing threads actually overlapped.
  std::size_t calls = 0;
  std::set<std::pair<bool, std::uint64_t>> versions_seen;
  for (const auto& s : seen) {
    calls += s.size();
    for (const Observation& o : s) versions_seen.insert({o.token, o.version});
  }
  std::printf("%zu issue calls saw %zu distinct (kind, version) pairs of %d; the last ones saw "
              "email_hash version %llu, jwt %llu\n",
              calls, versions_seen.size(), 2 * (kRotations + 1),
              static_cast<unsigned long long>(max_hash_version),
              static_cast<unsigned long long>(max_jwt_version));
}

// Operators racing with the same expected_version: exactly one rotation wins
// (version 2), every other one is ABORTED, and the next issue call uses the
// winner's secret. Holds however the calls interleave.
TEST(ConcurrencyTest, RotationsRacingOnTheSameExpectedVersionHaveExactlyOneWinner) {
  std::unique_ptr<testing::IdentitydProcess> server = StartServer();
  ASSERT_NE(server, nullptr);
  constexpr int kOperators = 8;
  std::vector<std::unique_ptr<client::IdentityClient>> clients;
  for (int i = 0; i < kOperators; ++i) {
    clients.push_back(ClientFor(server->target()));
    ASSERT_NE(clients.back(), nullptr);
  }
  std::atomic<bool> go{false};
  std::vector<absl::StatusOr<v1::RotateSecretResponse>> results(
      kOperators, absl::UnknownError("not run"));
  std::vector<std::thread> threads;
  for (int i = 0; i < kOperators; ++i) {
    threads.emplace_back([&, i] {
      v1::RotateSecretRequest request;
      request.set_app_id(std::string(kBothApp));
      request.set_kind(v1::SECRET_KIND_EMAIL_HASH);
      request.set_secret(HashSecretFor(100 + i));
      request.set_expected_version(1);
      while (!go.load()) std::this_thread::yield();
      results[i] = clients[i]->RotateSecret(request);
    });
  }
  go.store(true);
  for (std::thread& thread : threads) thread.join();

  int winner = -1;
  for (int i = 0; i < kOperators; ++i) {
    SCOPED_TRACE("operator " + std::to_string(i));
    if (results[i].ok()) {
      EXPECT_EQ(winner, -1) << "a second rotation won";
      winner = i;
      EXPECT_EQ(results[i]->version(), 2u);
    } else {
      EXPECT_THAT(results[i],
                  StatusIs(absl::StatusCode::kAborted,
                           "expected_version: the current email_hash secret is version 2, not 1"));
    }
  }
  ASSERT_NE(winner, -1) << "no rotation won";
  absl::StatusOr<v1::IssueEmailHashResponse> hash =
      clients[0]->IssueEmailHash(kBothApp, "jane@example.com");
  ASSERT_TRUE(hash.ok()) << hash.status();
  EXPECT_EQ(hash->secret_version(), 2u);
  EXPECT_EQ(hash->email_hash(), ExpectedEmailHash(HashSecretFor(100 + winner), "jane@example.com"));
}

}  // namespace
}  // namespace identity::integration_testing
