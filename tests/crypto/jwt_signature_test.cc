// JwtSigner's signatures, checked by an independent HS256 verifier (its own
// base64url codec and the crypto library's one-shot HMAC()), and tampering:
// any change to a token must break verification.

#include <optional>
#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "server/crypto/constant_time.h"
#include "server/crypto/jwt_signer.h"
#include "tests/crypto/jwt_test_verifier.h"

namespace identity::crypto {
namespace {

using crypto_testing::DecodeBase64Url;
using crypto_testing::JwtParts;
using crypto_testing::OneShotHmacSha256;
using crypto_testing::SplitJwt;
using crypto_testing::VerifyHs256;

// Fixed, test-only secrets. The second looks like hex on purpose: a JWT
// secret is used exactly as displayed, never hex-decoded.
constexpr absl::string_view kSecret = "test-only JWT secret: 0123456789";
constexpr absl::string_view kHexLookingSecret = "00112233445566778899aabbccddeeff";

WidgetClaims Claims() {
  WidgetClaims c;
  c.email = "jane@example.com";
  c.audience = "demo-widget";
  c.issued_at = 1700000000;
  c.expires_at = 1700000600;
  c.name = "Jane \"JJ\" Doe";
  c.account_id = "acct_42";
  return c;
}

std::string Sign(absl::string_view secret, const WidgetClaims& claims) {
  absl::StatusOr<JwtSigner> signer = JwtSigner::FromSecret(secret);
  if (!signer.ok()) {
    ADD_FAILURE() << signer.status();
    return std::string();
  }
  absl::StatusOr<std::string> token = signer->Sign(claims);
  if (!token.ok()) {
    ADD_FAILURE() << token.status();
    return std::string();
  }
  return *token;
}

TEST(JwtSignatureTest, SignatureIsHmacSha256OfHeaderDotClaims) {
  const std::string token = Sign(kSecret, Claims());
  std::optional<JwtParts> parts = SplitJwt(token);
  ASSERT_TRUE(parts.has_value());
  std::optional<std::string> signature = DecodeBase64Url(parts->signature_b64);
  ASSERT_TRUE(signature.has_value());
  const std::string expected =
      OneShotHmacSha256(kSecret, absl::StrCat(parts->header_b64, ".", parts->claims_b64));
  ASSERT_EQ(expected.size(), 32u);
  EXPECT_TRUE(ConstantTimeEquals(*signature, expected));
  EXPECT_TRUE(VerifyHs256(token, kSecret));
}

TEST(JwtSignatureTest, KeyIsTheSecretAsDisplayedNotHexDecoded) {
  const std::string token = Sign(kHexLookingSecret, Claims());
  EXPECT_TRUE(VerifyHs256(token, kHexLookingSecret));
  const std::string hex_decoded =
      "\x00\x11\x22\x33\x44\x55\x66\x77\x88\x99\xaa\xbb\xcc\xdd\xee\xff";
  EXPECT_FALSE(VerifyHs256(token, std::string(hex_decoded.data(), 16)));
}

TEST(JwtSignatureTest, OtherKeysDoNotVerify) {
  const std::string token = Sign(kSecret, Claims());
  std::string other(kSecret);
  for (std::size_t i = 0; i < other.size(); ++i) {
    other[i] ^= 0x01;
    EXPECT_FALSE(VerifyHs256(token, other)) << "key differing at offset " << i;
    other[i] ^= 0x01;
  }
  EXPECT_FALSE(VerifyHs256(token, kSecret.substr(0, kSecret.size() - 1)));
  EXPECT_FALSE(VerifyHs256(token, absl::StrCat(kSecret, "x")));
}

TEST(JwtSignatureTest, FlippingAnyBitOfTheTokenBreaksVerification) {
  const std::string token = Sign(kSecret, Claims());
  ASSERT_TRUE(VerifyHs256(token, kSecret));
  for (std::size_t i = 0; i < token.size(); ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      std::string tampered = token;
      tampered[i] = static_cast<char>(tampered[i] ^ (1 << bit));
      EXPECT_FALSE(VerifyHs256(tampered, kSecret)) << "bit " << bit << " of byte " << i;
    }
  }
}

TEST(JwtSignatureTest, ReplacingAnyCharacterOfTheTokenBreaksVerification) {
  const std::string token = Sign(kSecret, Claims());
  constexpr absl::string_view kAlphabet = crypto_testing::kBase64UrlAlphabet;
  for (std::size_t i = 0; i < token.size(); ++i) {
    for (char c : kAlphabet) {
      if (c == token[i]) continue;
      std::string tampered = token;
      tampered[i] = c;
      EXPECT_FALSE(VerifyHs256(tampered, kSecret)) << "character " << i << " -> " << c;
    }
  }
}

TEST(JwtSignatureTest, TruncatedOrExtendedTokensDoNotVerify) {
  const std::string token = Sign(kSecret, Claims());
  for (std::size_t len = 0; len < token.size(); ++len) {
    EXPECT_FALSE(VerifyHs256(token.substr(0, len), kSecret)) << "first " << len << " characters";
    EXPECT_FALSE(VerifyHs256(token.substr(token.size() - len), kSecret))
        << "last " << len << " characters";
  }
  for (absl::string_view suffix : {"A", "AA", "=", ".", "\n"}) {
    EXPECT_FALSE(VerifyHs256(absl::StrCat(token, suffix), kSecret)) << suffix;
  }
}

TEST(JwtSignatureTest, SignatureOfOneTokenDoesNotFitOtherClaims) {
  WidgetClaims other_claims = Claims();
  other_claims.email = "mallory@example.com";
  std::optional<JwtParts> a = SplitJwt(Sign(kSecret, Claims()));
  std::optional<JwtParts> b = SplitJwt(Sign(kSecret, other_claims));
  ASSERT_TRUE(a.has_value() && b.has_value());
  EXPECT_FALSE(
      VerifyHs256(absl::StrCat(a->header_b64, ".", b->claims_b64, ".", a->signature_b64), kSecret));
  EXPECT_TRUE(
      VerifyHs256(absl::StrCat(b->header_b64, ".", b->claims_b64, ".", b->signature_b64), kSecret));
}

}  // namespace
}  // namespace identity::crypto
