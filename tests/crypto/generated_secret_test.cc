// GenerateEmailHashSecret / GenerateJwtSecret: displayed format, the key each
// one keys with, and freshness. Generated secrets are never printed.

#include <set>
#include <string>

#include "gtest/gtest.h"
#include "server/crypto/email_hasher.h"
#include "server/crypto/hex.h"
#include "server/crypto/jwt_signer.h"
#include "server/crypto/secret_format.h"
#include "tests/crypto/jwt_test_verifier.h"

namespace identity::crypto {
namespace {

constexpr int kDraws = 64;

TEST(GenerateEmailHashSecretTest, DisplaysSixtyFourLowercaseHexDigitsOfTheKey) {
  absl::StatusOr<GeneratedSecret> secret = GenerateEmailHashSecret();
  ASSERT_TRUE(secret.ok()) << secret.status();
  EXPECT_EQ(secret->key.size(), kGeneratedSecretBytes);
  ASSERT_EQ(secret->displayed.size(), 64u);
  EXPECT_EQ(secret->displayed.view().find_first_not_of("0123456789abcdef"),
            absl::string_view::npos);
  EXPECT_TRUE(secret->displayed.view() == HexEncode(secret->key.span()));
}

TEST(GenerateEmailHashSecretTest, DisplayedFormIsAcceptedAndDecodesToTheKey) {
  absl::StatusOr<GeneratedSecret> secret = GenerateEmailHashSecret();
  ASSERT_TRUE(secret.ok());
  absl::StatusOr<SecretBytes> parsed = ParseEmailHashSecret(secret->displayed.view());
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_TRUE(parsed->view() == secret->key.view());
  // The hasher built from what the operator sees hashes like the key.
  absl::StatusOr<EmailHasher> from_displayed = EmailHasher::FromHexSecret(secret->displayed.view());
  absl::StatusOr<EmailHasher> from_key = EmailHasher::FromKey(secret->key);
  ASSERT_TRUE(from_displayed.ok() && from_key.ok());
  EXPECT_EQ(from_displayed->Hash("jane@example.com"), from_key->Hash("jane@example.com"));
}

TEST(GenerateEmailHashSecretTest, EveryCallGivesADifferentSecret) {
  std::set<std::string> seen;
  for (int i = 0; i < kDraws; ++i) {
    absl::StatusOr<GeneratedSecret> secret = GenerateEmailHashSecret();
    ASSERT_TRUE(secret.ok());
    EXPECT_TRUE(seen.insert(std::string(secret->key.view())).second)
        << "draw " << i << " repeated an earlier secret";
  }
}

TEST(GenerateJwtSecretTest, DisplaysFortyThreeBase64UrlCharactersOfThirtyTwoRandomBytes) {
  absl::StatusOr<GeneratedSecret> secret = GenerateJwtSecret();
  ASSERT_TRUE(secret.ok()) << secret.status();
  ASSERT_EQ(secret->displayed.size(), 43u);
  EXPECT_TRUE(crypto_testing::IsBase64UrlText(secret->displayed.view()));
  std::optional<std::string> decoded = crypto_testing::DecodeBase64Url(secret->displayed.view());
  ASSERT_TRUE(decoded.has_value()) << "not canonical base64url";
  EXPECT_EQ(decoded->size(), kGeneratedSecretBytes);
}

TEST(GenerateJwtSecretTest, KeyIsTheDisplayedText) {
  absl::StatusOr<GeneratedSecret> secret = GenerateJwtSecret();
  ASSERT_TRUE(secret.ok());
  EXPECT_TRUE(secret->key.view() == secret->displayed.view());
  absl::StatusOr<SecretBytes> parsed = ParseJwtSecret(secret->displayed.view());
  ASSERT_TRUE(parsed.ok()) << parsed.status();

  // A token signed with it verifies with the displayed text as the HS256 key
  // (what the vendor does), not with the base64url-decoded bytes.
  absl::StatusOr<JwtSigner> signer = JwtSigner::FromKey(secret->key);
  ASSERT_TRUE(signer.ok()) << signer.status();
  WidgetClaims claims;
  claims.email = "jane@example.com";
  claims.audience = "demo-widget";
  claims.issued_at = 1700000000;
  claims.expires_at = 1700000600;
  absl::StatusOr<std::string> token = signer->Sign(claims);
  ASSERT_TRUE(token.ok());
  EXPECT_TRUE(crypto_testing::VerifyHs256(*token, secret->displayed.view()));
  std::optional<std::string> raw = crypto_testing::DecodeBase64Url(secret->displayed.view());
  ASSERT_TRUE(raw.has_value());
  EXPECT_FALSE(crypto_testing::VerifyHs256(*token, *raw));
}

TEST(GenerateJwtSecretTest, EveryCallGivesADifferentSecret) {
  std::set<std::string> seen;
  for (int i = 0; i < kDraws; ++i) {
    absl::StatusOr<GeneratedSecret> secret = GenerateJwtSecret();
    ASSERT_TRUE(secret.ok());
    EXPECT_TRUE(seen.insert(std::string(secret->displayed.view())).second)
        << "draw " << i << " repeated an earlier secret";
  }
}

}  // namespace
}  // namespace identity::crypto
