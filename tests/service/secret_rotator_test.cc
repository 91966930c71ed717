// SecretRotator: registration by first rotation, versions, compare-and-swap on
// expected_version, generated vs imported secrets, and bad secrets refused with
// nothing changed and nothing echoed.

#include <atomic>
#include <latch>
#include <cctype>
#include <memory>
#include <ostream>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/crypto/email_hasher.h"
#include "server/crypto/fingerprint.h"
#include "server/crypto/hex.h"
#include "server/crypto/jwt_signer.h"
#include "server/crypto/secret_bytes.h"
#include "server/keyring/keyring.h"
#include "server/service/secret_rotator.h"
#include "server/store/embedded_secret_store.h"

namespace identity::service {
namespace {

using keyring::Keyring;
using widget::SecretKind;
using keyring::SecretVersion;
using ::testing::HasSubstr;
using ::testing::StartsWith;

const absl::Time kNow = absl::FromUnixSeconds(1760000000);

// Test-only secrets, as displayed.
constexpr absl::string_view kHashHex =
    "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0";
constexpr absl::string_view kHashHex2 = "ffeeddccbbaa99887766554433221100";
constexpr absl::string_view kJwtSecret = "imported JWT secret for tests!";
constexpr absl::string_view kJwtSecret2 = "another imported JWT secret...";

SecretSource Imported(absl::string_view displayed) { return crypto::SecretBytes::Copy(displayed); }

std::string FingerprintOf(absl::string_view key_bytes) {
  return crypto::Fingerprint(crypto::SecretBytes::Copy(key_bytes).span());
}

std::string HexDecoded(absl::string_view hex) {
  absl::StatusOr<crypto::SecretBytes> key = crypto::StrictHexDecode(hex);
  return key.ok() ? std::string(key->view()) : std::string();
}

class SecretRotatorTest : public ::testing::Test {
 protected:
  std::shared_ptr<const SecretVersion> Current(absl::string_view app_id, SecretKind kind) {
    absl::StatusOr<std::shared_ptr<const SecretVersion>> v = keyring_.Current(app_id, kind);
    return v.ok() ? *v : nullptr;
  }

  Keyring keyring_;
  // In memory: these tests are about rotation logic, not durability.
  std::unique_ptr<store::EmbeddedSecretStore> store_ =
      *store::EmbeddedSecretStore::OpenInMemory({});
  SecretRotator rotator_{keyring_, *store_, [] { return kNow; }};
};

TEST_F(SecretRotatorTest, FirstRotationRegistersTheWidgetAsVersionOne) {
  absl::StatusOr<RotationResult> r =
      rotator_.Rotate("new-widget", SecretKind::kEmailHash, Imported(kHashHex), std::nullopt);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->version, 1u);
  EXPECT_EQ(r->fingerprint, FingerprintOf(HexDecoded(kHashHex)));
  EXPECT_FALSE(r->generated_secret.has_value());
  EXPECT_EQ(keyring_.size(), 1u);
  std::shared_ptr<const SecretVersion> v = Current("new-widget", SecretKind::kEmailHash);
  ASSERT_NE(v, nullptr);
  EXPECT_EQ(v->version(), 1u);
  EXPECT_EQ(v->fingerprint(), r->fingerprint);
  EXPECT_EQ(v->created_at(), kNow);
  // The other kind is still missing.
  EXPECT_EQ(keyring_.Current("new-widget", SecretKind::kJwt).status().code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST_F(SecretRotatorTest, FirstRotationWithExpectedVersionZero) {
  absl::StatusOr<RotationResult> r =
      rotator_.Rotate("new-widget", SecretKind::kJwt, Imported(kJwtSecret), 0);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->version, 1u);
}

TEST_F(SecretRotatorTest, FirstRotationWithAnotherExpectedVersionIsAbortedAndRegistersNothing) {
  for (std::uint64_t expected : {1u, 2u, 99u}) {
    absl::StatusOr<RotationResult> r =
        rotator_.Rotate("new-widget", SecretKind::kJwt, Imported(kJwtSecret), expected);
    EXPECT_EQ(r.status().code(), absl::StatusCode::kAborted) << expected;
    EXPECT_THAT(std::string(r.status().message()), StartsWith("expected_version: "));
    EXPECT_THAT(std::string(r.status().message()), HasSubstr("version 0"));
  }
  EXPECT_EQ(keyring_.size(), 0u);
  EXPECT_EQ(keyring_.Current("new-widget", SecretKind::kJwt).status().code(),
            absl::StatusCode::kNotFound);
}

TEST_F(SecretRotatorTest, EachRotationAddsOneToTheVersion) {
  for (std::uint64_t v = 1; v <= 5; ++v) {
    absl::StatusOr<RotationResult> r = rotator_.Rotate(
        "w", SecretKind::kJwt, Imported(v % 2 ? kJwtSecret : kJwtSecret2), std::nullopt);
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_EQ(r->version, v);
    EXPECT_EQ(Current("w", SecretKind::kJwt)->version(), v);
  }
}

TEST_F(SecretRotatorTest, CompareAndSwapOnExpectedVersion) {
  ASSERT_TRUE(rotator_.Rotate("w", SecretKind::kEmailHash, Imported(kHashHex), 0).ok());
  ASSERT_TRUE(rotator_.Rotate("w", SecretKind::kEmailHash, Imported(kHashHex2), 1).ok());
  std::shared_ptr<const SecretVersion> before = Current("w", SecretKind::kEmailHash);
  ASSERT_EQ(before->version(), 2u);

  // Two operators both read version 2; the first wins, the second is refused.
  ASSERT_TRUE(rotator_.Rotate("w", SecretKind::kEmailHash, Imported(kHashHex), 2).ok());
  std::shared_ptr<const SecretVersion> winner = Current("w", SecretKind::kEmailHash);
  absl::StatusOr<RotationResult> loser =
      rotator_.Rotate("w", SecretKind::kEmailHash, Imported(kHashHex2), 2);
  EXPECT_EQ(loser.status().code(), absl::StatusCode::kAborted);
  EXPECT_EQ(loser.status().message(),
            "expected_version: the current email_hash secret is version 3, not 2");
  EXPECT_EQ(Current("w", SecretKind::kEmailHash), winner) << "an aborted rotation changed it";

  for (std::uint64_t stale : {0u, 1u, 2u, 4u}) {
    EXPECT_EQ(rotator_.Rotate("w", SecretKind::kEmailHash, GenerateSecret{}, stale).status().code(),
              absl::StatusCode::kAborted);
  }
  EXPECT_EQ(Current("w", SecretKind::kEmailHash), winner);
  EXPECT_TRUE(rotator_.Rotate("w", SecretKind::kEmailHash, Imported(kHashHex2), 3).ok());
  EXPECT_EQ(Current("w", SecretKind::kEmailHash)->version(), 4u);
}

TEST_F(SecretRotatorTest, KindsHaveTheirOwnVersions) {
  ASSERT_TRUE(rotator_.Rotate("w", SecretKind::kEmailHash, Imported(kHashHex), 0).ok());
  ASSERT_TRUE(rotator_.Rotate("w", SecretKind::kEmailHash, Imported(kHashHex2), 1).ok());
  // The JWT secret does not exist yet: its version is 0, whatever the hash's.
  EXPECT_EQ(rotator_.Rotate("w", SecretKind::kJwt, Imported(kJwtSecret), 2).status().code(),
            absl::StatusCode::kAborted);
  absl::StatusOr<RotationResult> jwt =
      rotator_.Rotate("w", SecretKind::kJwt, Imported(kJwtSecret), 0);
  ASSERT_TRUE(jwt.ok());
  EXPECT_EQ(jwt->version, 1u);
  EXPECT_EQ(Current("w", SecretKind::kEmailHash)->version(), 2u);
}

TEST_F(SecretRotatorTest, GeneratedEmailHashSecret) {
  absl::StatusOr<RotationResult> r =
      rotator_.Rotate("w", SecretKind::kEmailHash, GenerateSecret{}, std::nullopt);
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_TRUE(r->generated_secret.has_value());
  const std::string displayed(r->generated_secret->view());
  // 32 random bytes as 64 lowercase hex characters.
  ASSERT_EQ(displayed.size(), 64u);
  EXPECT_EQ(displayed.find_first_not_of("0123456789abcdef"), std::string::npos) << displayed;
  // The fingerprint covers the decoded key, and the keyring hashes with it.
  EXPECT_EQ(r->fingerprint, FingerprintOf(HexDecoded(displayed)));
  absl::StatusOr<crypto::EmailHasher> reference = crypto::EmailHasher::FromHexSecret(displayed);
  ASSERT_TRUE(reference.ok());
  std::shared_ptr<const SecretVersion> v = Current("w", SecretKind::kEmailHash);
  ASSERT_NE(v, nullptr);
  EXPECT_EQ(v->email_hasher()->Hash("jane@example.com"), reference->Hash("jane@example.com"));
  // The displayed secret can be re-imported as is.
  EXPECT_TRUE(rotator_.Rotate("w2", SecretKind::kEmailHash, Imported(displayed), 0).ok());
}

TEST_F(SecretRotatorTest, GeneratedJwtSecret) {
  absl::StatusOr<RotationResult> r =
      rotator_.Rotate("w", SecretKind::kJwt, GenerateSecret{}, 0);
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_TRUE(r->generated_secret.has_value());
  const std::string displayed(r->generated_secret->view());
  // 32 random bytes as base64url without padding: 43 characters.
  ASSERT_EQ(displayed.size(), 43u);
  EXPECT_EQ(displayed.find_first_not_of(
                "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
            std::string::npos)
      << displayed;
  // The JWT key is the displayed text itself.
  EXPECT_EQ(r->fingerprint, FingerprintOf(displayed));
  crypto::WidgetClaims claims;
  claims.email = "jane@example.com";
  claims.audience = "w";
  claims.issued_at = 1760000000;
  claims.expires_at = 1760000600;
  absl::StatusOr<crypto::JwtSigner> reference = crypto::JwtSigner::FromSecret(displayed);
  ASSERT_TRUE(reference.ok());
  EXPECT_EQ(*Current("w", SecretKind::kJwt)->jwt_signer()->Sign(claims), *reference->Sign(claims));
}

TEST_F(SecretRotatorTest, GeneratedSecretsDiffer) {
  std::set<std::string> seen;
  for (int i = 0; i < 20; ++i) {
    absl::StatusOr<RotationResult> r =
        rotator_.Rotate("w", SecretKind::kJwt, GenerateSecret{}, std::nullopt);
    ASSERT_TRUE(r.ok());
    seen.insert(std::string(r->generated_secret->view()));
  }
  EXPECT_EQ(seen.size(), 20u);
}

TEST_F(SecretRotatorTest, ImportedSecretsAreKeyedAsTheirKindRequires) {
  // Email hash: hex in either case decodes to the same key.
  absl::StatusOr<RotationResult> lower =
      rotator_.Rotate("a", SecretKind::kEmailHash, Imported(kHashHex), 0);
  std::string upper(kHashHex);
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  absl::StatusOr<RotationResult> upper_result =
      rotator_.Rotate("b", SecretKind::kEmailHash, Imported(upper), 0);
  ASSERT_TRUE(lower.ok() && upper_result.ok());
  EXPECT_EQ(lower->fingerprint, upper_result->fingerprint);
  EXPECT_EQ(Current("a", SecretKind::kEmailHash)->email_hasher()->Hash("x@y.z"),
            Current("b", SecretKind::kEmailHash)->email_hasher()->Hash("x@y.z"));

  // JWT: the displayed characters are the key; a hex-looking JWT secret is
  // not decoded.
  absl::StatusOr<RotationResult> jwt =
      rotator_.Rotate("c", SecretKind::kJwt, Imported(kHashHex), 0);
  ASSERT_TRUE(jwt.ok());
  EXPECT_EQ(jwt->fingerprint, FingerprintOf(kHashHex));
  EXPECT_NE(jwt->fingerprint, lower->fingerprint);
}

// One secret that breaks its kind's rules, and the rule's wording.
struct BadSecret {
  std::string name;
  SecretKind kind;
  std::string secret;
  std::string rule;
};

// Test names show the kind and the size, not the (test-only) secret.
void PrintTo(const BadSecret& bad, std::ostream* os) {
  *os << widget::SecretKindName(bad.kind) << " secret of " << bad.secret.size() << " bytes";
}

class SecretRotatorBadSecretTest : public SecretRotatorTest,
                                   public ::testing::WithParamInterface<BadSecret> {};

TEST_P(SecretRotatorBadSecretTest, IsRefusedWithNothingChangedAndNothingEchoed) {
  const BadSecret& bad = GetParam();
  const absl::string_view good = bad.kind == SecretKind::kEmailHash ? kHashHex : kJwtSecret;
  ASSERT_TRUE(rotator_.Rotate("w", bad.kind, Imported(good), 0).ok());
  std::shared_ptr<const SecretVersion> before = Current("w", bad.kind);

  for (std::optional<std::uint64_t> expected : {std::optional<std::uint64_t>(),
                                                std::optional<std::uint64_t>(1),
                                                std::optional<std::uint64_t>(7)}) {
    absl::StatusOr<RotationResult> r =
        rotator_.Rotate("w", bad.kind, Imported(bad.secret), expected);
    EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument) << r.status();
    EXPECT_THAT(std::string(r.status().message()), StartsWith("secret: "));
    EXPECT_THAT(std::string(r.status().message()), HasSubstr(bad.rule));
    if (bad.secret.size() >= 4) {
      EXPECT_FALSE(absl::StrContains(r.status().message(), bad.secret)) << r.status().message();
    }
  }
  EXPECT_EQ(Current("w", bad.kind), before) << "a refused secret replaced the current one";

  // On an unknown widget: nothing registered either.
  EXPECT_EQ(rotator_.Rotate("other", bad.kind, Imported(bad.secret), 0).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(keyring_.size(), 1u);
}

INSTANTIATE_TEST_SUITE_P(
    EveryRule, SecretRotatorBadSecretTest,
    ::testing::Values(
        BadSecret{"EmailHashEmpty", SecretKind::kEmailHash,
                  "", "16..64 bytes"},
        BadSecret{"EmailHashOddLength", SecretKind::kEmailHash,
                  "0f1e2d3c4b5a69788796a5b4c3d2e1f0f", "even number"},
        BadSecret{"EmailHashNonHexDigit", SecretKind::kEmailHash,
                  "0f1e2d3c4b5a69788796a5b4c3d2e1fg", "only hex digits"},
        BadSecret{"EmailHashInnerSpace", SecretKind::kEmailHash,
                  "0f1e2d3c4b5a6978 796a5b4c3d2e1f000", "only hex digits"},
        BadSecret{"EmailHashTrailingNewline", SecretKind::kEmailHash,
                  "0f1e2d3c4b5a69788796a5b4c3d2e1f0\n", "even number"},
        BadSecret{"EmailHashTooShort", SecretKind::kEmailHash,
                  "0f1e2d3c4b5a69788796a5b4c3d2e1", "16..64 bytes"},
        BadSecret{"EmailHashTooLong", SecretKind::kEmailHash,
                  std::string(130, 'a'), "16..64 bytes"},
        BadSecret{"EmailHashNotHexAtAll", SecretKind::kEmailHash,
                  "imported JWT secret for tests!", "only hex digits"},
        BadSecret{"JwtEmpty", SecretKind::kJwt,
                  "", "16..256 characters; got 0"},
        BadSecret{"JwtTooShort", SecretKind::kJwt,
                  "fifteen-chars!!", "16..256 characters; got 15"},
        BadSecret{"JwtTooLong", SecretKind::kJwt,
                  std::string(257, 'j'), "16..256 characters; got 257"},
        BadSecret{"JwtTrailingNewline", SecretKind::kJwt,
                  "a JWT secret ending in newline\n", "printable ASCII"},
        BadSecret{"JwtTab", SecretKind::kJwt,
                  "a JWT secret with a\ttab", "printable ASCII"},
        BadSecret{"JwtDel", SecretKind::kJwt,
                  "a JWT secret with DEL\x7f", "printable ASCII"},
        BadSecret{"JwtNul", SecretKind::kJwt,
                  std::string("a JWT secret\0with NUL", 21), "printable ASCII"},
        BadSecret{"JwtNonAscii", SecretKind::kJwt,
                  "s\xC3\xA9" "cret with an accent", "printable ASCII"}),
    [](const ::testing::TestParamInfo<BadSecret>& info) { return info.param.name; });

TEST_F(SecretRotatorTest, ConcurrentCompareAndSwapRotationsNeverLoseAnUpdate) {
  // Every thread repeatedly reads the current version and rotates with it as
  // expected_version. Each successful rotation must have been against the
  // then-current version: versions end at 1 + successes, with none skipped.
  ASSERT_TRUE(rotator_.Rotate("w", SecretKind::kJwt, Imported(kJwtSecret), 0).ok());
  constexpr int kThreads = 4;
  constexpr int kAttempts = 200;
  std::atomic<int> successes{0}, aborted{0}, other{0};
  std::latch start(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      start.arrive_and_wait();
      for (int i = 0; i < kAttempts; ++i) {
        const std::uint64_t seen = keyring_.CurrentVersion("w", SecretKind::kJwt);
        absl::StatusOr<RotationResult> r = rotator_.Rotate(
            "w", SecretKind::kJwt, Imported((t + i) % 2 ? kJwtSecret : kJwtSecret2), seen);
        if (r.ok()) {
          ++successes;
          if (r->version != seen + 1) ++other;
        } else if (r.status().code() == absl::StatusCode::kAborted) {
          ++aborted;
        } else {
          ++other;
        }
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(other.load(), 0);
  EXPECT_EQ(successes.load() + aborted.load(), kThreads * kAttempts);
  // An attempt is aborted only if another rotation succeeded between its read
  // and its rotation, and one success falls in at most one attempt's window
  // per other thread: so at least a quarter of all attempts succeed.
  EXPECT_GE(successes.load(), kAttempts);
  EXPECT_EQ(keyring_.CurrentVersion("w", SecretKind::kJwt),
            static_cast<std::uint64_t>(1 + successes.load()));
}

}  // namespace
}  // namespace identity::service
