// A concurrency stress test of the Keyring, built twice: as is and with
// -fsanitize=thread (keyring_stress_test_tsan, which compiles the keyring and
// crypto sources itself so that ThreadSanitizer sees every access).
//
// Issuing threads look up secrets and hash or sign with them while one thread
// rotates secrets (compare-and-swap installs) and another registers new
// widgets, forcing the table to grow. Every loop is bounded (no timing), and
// every result is checked against a value computed before the threads start.

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <latch>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "server/crypto/hex.h"
#include "server/crypto/jwt_signer.h"
#include "server/keyring/keyring.h"
#include "tests/crypto/jwt_test_verifier.h"
#include "tests/keyring/test_versions.h"

namespace identity::keyring {
namespace {

using widget::SecretKind;

using keyring_testing::TestKey;
using keyring_testing::TestVersion;

struct StressSize {
  int issuers;
  int iterations_per_issuer;
  int rotation_rounds;  // each round rotates both kinds of every rotating widget
  int new_widgets;      // registered while the issuers run
};

#ifdef IDENTITY_STRESS_UNDER_TSAN
// ThreadSanitizer makes each access 5-15 times slower; keep the run short.
constexpr StressSize kSize = {8, 3000, 150, 10000};
#else
constexpr StressSize kSize = {8, 30000, 1500, 50000};
#endif

constexpr int kRotatingWidgets = 4;
constexpr int kStaticWidgets = 50;
constexpr absl::string_view kEmail = "jane.doe+stress@example.com";
constexpr SecretKind kKinds[] = {SecretKind::kEmailHash, SecretKind::kJwt};

int KindIndex(SecretKind kind) { return kind == SecretKind::kEmailHash ? 0 : 1; }

// Counters of everything that must not happen.
struct Errors {
  std::atomic<int> failed_lookups{0};    // a rotating or static widget not found
  std::atomic<int> non_monotonic{0};     // a reader saw a version go backwards
  std::atomic<int> wrong_results{0};     // hash or token not the one of that version
  std::atomic<int> wrong_held_results{0};  // same, for a version held across rotations
  std::atomic<int> lost_widgets{0};      // a widget whose Register() returned not found
  std::atomic<int> phantom_widgets{0};   // an unregistered widget found
  std::atomic<int> cas_failures{0};      // a CAS that should have succeeded or failed didn't
};

class KeyringStressTest : public testing::Test {
 protected:
  void SetUp() override {
    const int max_version = kSize.rotation_rounds + 1;
    for (int w = 0; w < kRotatingWidgets; ++w) rotating_ids_.push_back(absl::StrCat("rot-", w));
    for (int w = 0; w < kStaticWidgets; ++w) static_ids_.push_back(absl::StrCat("static-", w));
    for (int w = 0; w < kSize.new_widgets; ++w) new_ids_.push_back(absl::StrCat("new-", w));
    for (int w = 0; w < 16; ++w) unknown_ids_.push_back(absl::StrCat("unknown-", w));

    claims_.email = kEmail;
    claims_.audience = "stress-widget";
    claims_.issued_at = 1700000000;
    claims_.expires_at = 1700000600;
    claims_.name = "Stress \"Test\"";

    // The token's signing input is the same for every key; sign once to get it.
    absl::StatusOr<crypto::JwtSigner> any = crypto::JwtSigner::FromSecret(std::string(32, 'x'));
    ASSERT_TRUE(any.ok());
    absl::StatusOr<std::string> token = any->Sign(claims_);
    ASSERT_TRUE(token.ok());
    const std::string signing_input = token->substr(0, token->rfind('.'));

    // Expected results for every version of every rotating widget, computed
    // with the library's one-shot HMAC(), not with the code under test.
    expected_.resize(kRotatingWidgets);
    for (int w = 0; w < kRotatingWidgets; ++w) {
      expected_[w].resize(max_version + 1);
      for (int v = 1; v <= max_version; ++v) {
        const std::string hash_key = TestKey(rotating_ids_[w], SecretKind::kEmailHash, v);
        const std::string mac = crypto_testing::OneShotHmacSha256(hash_key, kEmail);
        expected_[w][v].email_hash = crypto::HexEncode(absl::Span<const std::uint8_t>(
            reinterpret_cast<const std::uint8_t*>(mac.data()), mac.size()));
        const std::string jwt_key = TestKey(rotating_ids_[w], SecretKind::kJwt, v);
        expected_[w][v].jwt = absl::StrCat(
            signing_input, ".",
            crypto_testing::EncodeBase64Url(
                crypto_testing::OneShotHmacSha256(jwt_key, signing_input)));
      }
    }

    for (const std::string& id : rotating_ids_) {
      for (SecretKind kind : kKinds) {
        ASSERT_TRUE(keyring_.Install(id, TestVersion(id, kind, 1), 0).ok());
      }
    }
    for (const std::string& id : static_ids_) {
      ASSERT_TRUE(keyring_.Install(id, TestVersion(id, SecretKind::kJwt, 1), 0).ok());
    }
  }

  // Whether `version` of rotating widget `w` gives the precomputed result.
  bool ResultIsCorrect(const SecretVersion& version, int w) const {
    const std::uint64_t v = version.version();
    if (v == 0 || v >= expected_[w].size()) return false;
    if (version.kind() == SecretKind::kEmailHash) {
      return version.email_hasher() != nullptr &&
             version.email_hasher()->Hash(kEmail) == expected_[w][v].email_hash;
    }
    if (version.jwt_signer() == nullptr) return false;
    absl::StatusOr<std::string> token = version.jwt_signer()->Sign(claims_);
    return token.ok() && *token == expected_[w][v].jwt;
  }

  void Issue(int thread_index) {
    std::mt19937 rng(thread_index);
    std::uint64_t last_seen[kRotatingWidgets][2] = {};
    std::shared_ptr<const SecretVersion> held;
    int held_widget = 0;
    for (int i = 0; i < kSize.iterations_per_issuer; ++i) {
      const int w = static_cast<int>(rng() % kRotatingWidgets);
      const SecretKind kind = kKinds[rng() % 2];
      absl::StatusOr<std::shared_ptr<const SecretVersion>> current =
          keyring_.Current(rotating_ids_[w], kind);
      if (!current.ok() || *current == nullptr || (*current)->kind() != kind) {
        ++errors_.failed_lookups;
        continue;
      }
      const std::uint64_t v = (*current)->version();
      std::uint64_t& last = last_seen[w][KindIndex(kind)];
      if (v < last) ++errors_.non_monotonic;
      last = v;
      if (v > max_version_seen_.load(std::memory_order_relaxed)) {
        max_version_seen_.store(v, std::memory_order_relaxed);  // statistics only
      }
      if (!ResultIsCorrect(**current, w)) ++errors_.wrong_results;

      // Now and then keep a version across later rotations, and use it again
      // once it has (probably) been replaced: it must still work.
      if (i % 64 == 0) {
        if (held != nullptr && !ResultIsCorrect(*held, held_widget)) ++errors_.wrong_held_results;
        held = *current;
        held_widget = w;
      }

      // A widget whose Register() has returned is always found.
      const int published = published_.load(std::memory_order_acquire);
      if (published > 0) {
        const std::string& id = new_ids_[rng() % published];
        if (keyring_.Current(id, SecretKind::kEmailHash).status().code() !=
            absl::StatusCode::kFailedPrecondition) {
          ++errors_.lost_widgets;
        }
      }
      const std::string& static_id = static_ids_[rng() % static_ids_.size()];
      absl::StatusOr<std::shared_ptr<const SecretVersion>> fixed =
          keyring_.Current(static_id, SecretKind::kJwt);
      if (!fixed.ok() || (*fixed)->version() != 1) ++errors_.failed_lookups;
      if (keyring_.Current(unknown_ids_[rng() % unknown_ids_.size()], kind).status().code() !=
          absl::StatusCode::kNotFound) {
        ++errors_.phantom_widgets;
      }
    }
  }

  void Rotate() {
    for (int round = 0; round < kSize.rotation_rounds; ++round) {
      for (const std::string& id : rotating_ids_) {
        for (SecretKind kind : kKinds) {
          const std::uint64_t current = keyring_.CurrentVersion(id, kind);
          // A stale compare-and-swap first: refused, nothing changed.
          if (round % 4 == 0) {
            if (keyring_.Install(id, TestVersion(id, kind, current + 1), current - 1).code() !=
                    absl::StatusCode::kAborted ||
                keyring_.CurrentVersion(id, kind) != current) {
              ++errors_.cas_failures;
            }
          }
          std::shared_ptr<const SecretVersion> next = TestVersion(id, kind, current + 1);
          installed_.push_back(next);  // only this thread touches installed_
          if (!keyring_.Install(id, std::move(next), current).ok()) ++errors_.cas_failures;
        }
      }
    }
  }

  void RegisterNewWidgets() {
    for (int j = 0; j < kSize.new_widgets; ++j) {
      keyring_.Register(new_ids_[j]);
      published_.store(j + 1, std::memory_order_release);
    }
  }

  struct Expected {
    std::string email_hash;
    std::string jwt;
  };

  Keyring keyring_;
  crypto::WidgetClaims claims_;
  std::vector<std::string> rotating_ids_, static_ids_, new_ids_, unknown_ids_;
  std::vector<std::vector<Expected>> expected_;  // [widget][version]
  std::vector<std::weak_ptr<const SecretVersion>> installed_;
  std::atomic<int> published_{0};
  std::atomic<std::uint64_t> max_version_seen_{0};
  Errors errors_;
};

TEST_F(KeyringStressTest, IssuersSeeConsistentSecretsDuringRotationAndGrowth) {
  std::latch start(kSize.issuers + 2);
  std::vector<std::thread> threads;
  for (int t = 0; t < kSize.issuers; ++t) {
    threads.emplace_back([&, t] {
      start.arrive_and_wait();
      Issue(t);
    });
  }
  threads.emplace_back([&] {
    start.arrive_and_wait();
    Rotate();
  });
  threads.emplace_back([&] {
    start.arrive_and_wait();
    RegisterNewWidgets();
  });
  for (std::thread& t : threads) t.join();

  EXPECT_EQ(errors_.failed_lookups.load(), 0);
  EXPECT_EQ(errors_.non_monotonic.load(), 0);
  EXPECT_EQ(errors_.wrong_results.load(), 0);
  EXPECT_EQ(errors_.wrong_held_results.load(), 0);
  EXPECT_EQ(errors_.lost_widgets.load(), 0);
  EXPECT_EQ(errors_.phantom_widgets.load(), 0);
  EXPECT_EQ(errors_.cas_failures.load(), 0);

  // Everything registered is there, and every rotation took effect.
  EXPECT_EQ(keyring_.size(),
            static_cast<std::size_t>(kRotatingWidgets + kStaticWidgets + kSize.new_widgets));
  for (const std::string& id : new_ids_) {
    ASSERT_EQ(keyring_.Current(id, SecretKind::kEmailHash).status().code(),
              absl::StatusCode::kFailedPrecondition)
        << id;
  }
  for (const std::string& id : rotating_ids_) {
    for (SecretKind kind : kKinds) {
      EXPECT_EQ(keyring_.CurrentVersion(id, kind),
                static_cast<std::uint64_t>(kSize.rotation_rounds + 1));
    }
  }

  // With the readers gone, only the current versions are alive: every
  // replaced version was destroyed (and its key state cleansed).
  const std::size_t current_count = 2 * kRotatingWidgets;
  ASSERT_GE(installed_.size(), current_count);
  for (std::size_t i = 0; i + current_count < installed_.size(); ++i) {
    EXPECT_TRUE(installed_[i].expired()) << "replaced version #" << i << " is still alive";
  }
  for (std::size_t i = installed_.size() - current_count; i < installed_.size(); ++i) {
    EXPECT_FALSE(installed_[i].expired());
  }

  // Not an assertion (it depends on scheduling): how much the threads overlapped.
  std::printf("highest version an issuer saw: %llu of %d\n",
              static_cast<unsigned long long>(max_version_seen_.load()),
              kSize.rotation_rounds + 1);
}

}  // namespace
}  // namespace identity::keyring
