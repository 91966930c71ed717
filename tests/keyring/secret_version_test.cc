// SecretVersion::Create: the key rules of each kind, and what a version holds.

#include <string>

#include "absl/status/status.h"
#include "gtest/gtest.h"
#include "server/crypto/email_hasher.h"
#include "server/crypto/fingerprint.h"
#include "server/crypto/jwt_signer.h"
#include "server/keyring/secret_version.h"

namespace identity::keyring {
namespace {

using widget::SecretKind;

const absl::Time kCreated = absl::FromUnixSeconds(1700000123);

absl::StatusOr<std::shared_ptr<const SecretVersion>> Create(SecretKind kind, std::uint64_t version,
                                                            const std::string& key) {
  return SecretVersion::Create(kind, version, crypto::SecretBytes::Copy(key), kCreated);
}

TEST(SecretVersionTest, EmailHashVersionHoldsItsHasher) {
  const std::string key(32, '\x5a');
  absl::StatusOr<std::shared_ptr<const SecretVersion>> v = Create(SecretKind::kEmailHash, 7, key);
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_EQ((*v)->kind(), SecretKind::kEmailHash);
  EXPECT_EQ((*v)->version(), 7u);
  EXPECT_EQ((*v)->created_at(), kCreated);
  EXPECT_EQ((*v)->fingerprint(), crypto::Fingerprint(crypto::SecretBytes::Copy(key).span()));
  ASSERT_NE((*v)->email_hasher(), nullptr);
  EXPECT_EQ((*v)->jwt_signer(), nullptr);
  absl::StatusOr<crypto::EmailHasher> reference =
      crypto::EmailHasher::FromKey(crypto::SecretBytes::Copy(key));
  ASSERT_TRUE(reference.ok());
  EXPECT_EQ((*v)->email_hasher()->Hash("jane@example.com"), reference->Hash("jane@example.com"));
}

TEST(SecretVersionTest, JwtVersionHoldsItsSigner) {
  const std::string key = "a test-only JWT secret, 35 chars.";
  absl::StatusOr<std::shared_ptr<const SecretVersion>> v = Create(SecretKind::kJwt, 1, key);
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_EQ((*v)->kind(), SecretKind::kJwt);
  EXPECT_EQ((*v)->version(), 1u);
  EXPECT_EQ((*v)->fingerprint(), crypto::Fingerprint(crypto::SecretBytes::Copy(key).span()));
  ASSERT_NE((*v)->jwt_signer(), nullptr);
  EXPECT_EQ((*v)->email_hasher(), nullptr);
  crypto::WidgetClaims claims;
  claims.email = "jane@example.com";
  claims.audience = "demo-widget";
  absl::StatusOr<crypto::JwtSigner> reference = crypto::JwtSigner::FromSecret(key);
  ASSERT_TRUE(reference.ok());
  EXPECT_EQ(*(*v)->jwt_signer()->Sign(claims), *reference->Sign(claims));
}

TEST(SecretVersionTest, FingerprintIsSixteenLowercaseHexDigits) {
  absl::StatusOr<std::shared_ptr<const SecretVersion>> v =
      Create(SecretKind::kEmailHash, 1, std::string(16, 'k'));
  ASSERT_TRUE(v.ok());
  EXPECT_EQ((*v)->fingerprint().size(), 16u);
  EXPECT_EQ((*v)->fingerprint().find_first_not_of("0123456789abcdef"), absl::string_view::npos);
}

TEST(SecretVersionTest, EmailHashKeySizeBoundaries) {
  for (std::size_t n : {16u, 64u}) {
    EXPECT_TRUE(Create(SecretKind::kEmailHash, 1, std::string(n, 'k')).ok()) << n;
  }
  for (std::size_t n : {0u, 1u, 15u, 65u, 256u}) {
    EXPECT_EQ(Create(SecretKind::kEmailHash, 1, std::string(n, 'k')).status().code(),
              absl::StatusCode::kInvalidArgument)
        << n;
  }
}

TEST(SecretVersionTest, JwtKeyRules) {
  for (std::size_t n : {16u, 256u}) {
    EXPECT_TRUE(Create(SecretKind::kJwt, 1, std::string(n, 'k')).ok()) << n;
  }
  for (const std::string& bad :
       {std::string(), std::string(15, 'k'), std::string(257, 'k'), std::string(20, '\0'),
        std::string(16, 'k') + "\n", std::string(16, 'k') + "\x7f",
        std::string(16, 'k') + "\xC3\xA9"}) {
    EXPECT_EQ(Create(SecretKind::kJwt, 1, bad).status().code(), absl::StatusCode::kInvalidArgument)
        << bad.size() << " bytes";
  }
}

TEST(SecretVersionTest, EmailHashKeysMayBeAnyBytes) {
  // The decoded key of an email-hash secret is binary.
  std::string key;
  for (int i = 0; i < 32; ++i) key.push_back(static_cast<char>(i * 8));
  EXPECT_TRUE(Create(SecretKind::kEmailHash, 1, key).ok());
}

}  // namespace
}  // namespace identity::keyring
