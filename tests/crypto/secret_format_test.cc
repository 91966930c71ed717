// The rules for the two kinds of widget secret: ParseJwtSecret,
// ParseEmailHashSecret, CheckEmailHashKeySize.

#include <string>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/crypto/secret_format.h"

namespace identity::crypto {
namespace {

using ::testing::HasSubstr;

// Every printable ASCII character, 0x20 (space) to 0x7E ('~'): 95 of them.
std::string AllPrintableAscii() {
  std::string out;
  for (int c = 0x20; c <= 0x7e; ++c) out.push_back(static_cast<char>(c));
  return out;
}

TEST(ParseJwtSecretTest, AcceptsSixteenToTwoHundredFiftySixPrintableCharacters) {
  for (std::size_t n : {16u, 17u, 43u, 64u, 255u, 256u}) {
    const std::string secret(n, 'x');
    absl::StatusOr<SecretBytes> key = ParseJwtSecret(secret);
    ASSERT_TRUE(key.ok()) << n << " characters: " << key.status();
    EXPECT_EQ(key->size(), n);
  }
}

TEST(ParseJwtSecretTest, KeyIsTheSecretBytesAsTheyAre) {
  const std::string secret = AllPrintableAscii();
  absl::StatusOr<SecretBytes> key = ParseJwtSecret(secret);
  ASSERT_TRUE(key.ok()) << key.status();
  EXPECT_TRUE(key->view() == secret);
  // Hex-looking secrets are not decoded.
  absl::StatusOr<SecretBytes> hex = ParseJwtSecret("00112233445566778899aabbccddeeff");
  ASSERT_TRUE(hex.ok());
  EXPECT_EQ(hex->size(), 32u);
  EXPECT_TRUE(hex->view() == "00112233445566778899aabbccddeeff");
}

TEST(ParseJwtSecretTest, SpacesAreAllowedAnywhere) {
  EXPECT_TRUE(ParseJwtSecret("   sixteen chars  ").ok());
  EXPECT_TRUE(ParseJwtSecret(std::string(16, ' ')).ok());
}

TEST(ParseJwtSecretTest, RejectsTooShortAndTooLong) {
  for (std::size_t n : {0u, 1u, 15u, 257u, 1000u}) {
    absl::StatusOr<SecretBytes> key = ParseJwtSecret(std::string(n, 'x'));
    ASSERT_FALSE(key.ok()) << n;
    EXPECT_EQ(key.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(std::string(key.status().message()), HasSubstr(absl::StrCat("got ", n)));
  }
}

TEST(ParseJwtSecretTest, RejectsEveryByteOutsidePrintableAscii) {
  for (int c = 0; c < 256; ++c) {
    if (c >= 0x20 && c <= 0x7e) continue;
    for (std::size_t pos : {0u, 8u, 19u}) {
      std::string secret(20, 'x');
      secret[pos] = static_cast<char>(c);
      absl::StatusOr<SecretBytes> key = ParseJwtSecret(secret);
      ASSERT_FALSE(key.ok()) << "byte " << c << " at offset " << pos;
      EXPECT_EQ(key.status().code(), absl::StatusCode::kInvalidArgument);
      EXPECT_THAT(std::string(key.status().message()), HasSubstr(absl::StrCat("offset ", pos)));
    }
  }
}

TEST(ParseJwtSecretTest, RejectsUtf8Text) {
  // 16 characters, but not ASCII: "é" and an emoji.
  EXPECT_FALSE(ParseJwtSecret("caf\xC3\xA9 secret secret").ok());
  EXPECT_FALSE(ParseJwtSecret("\xF0\x9F\x98\x80 sixteen chars").ok());
}

TEST(ParseJwtSecretTest, MessagesNeverQuoteTheSecret) {
  const std::string secret = "do-not-print-me\x01-0123456789";
  absl::StatusOr<SecretBytes> key = ParseJwtSecret(secret);
  ASSERT_FALSE(key.ok());
  EXPECT_FALSE(absl::StrContains(key.status().message(), "do-not-print"));
  EXPECT_FALSE(absl::StrContains(key.status().message(), "0123456789"));
}

TEST(ParseEmailHashSecretTest, DecodesHexOfSixteenToSixtyFourBytes) {
  absl::StatusOr<SecretBytes> key = ParseEmailHashSecret("000102030405060708090A0B0c0d0e0f");
  ASSERT_TRUE(key.ok()) << key.status();
  ASSERT_EQ(key->size(), 16u);
  for (std::size_t i = 0; i < 16; ++i) EXPECT_EQ(key->data()[i], i);
  EXPECT_TRUE(ParseEmailHashSecret(std::string(128, 'F')).ok());
}

TEST(ParseEmailHashSecretTest, RejectsWithMessagesNamingTheRule) {
  const struct {
    std::string secret;
    const char* rule;
  } cases[] = {
      {"", "16..64 bytes"},
      {std::string(30, 'a'), "got 15 bytes"},
      {std::string(130, 'a'), "got 65 bytes"},
      {std::string(33, 'a'), "even number"},
      {"0x" + std::string(32, 'a'), "hex digits"},
      {std::string(31, 'a') + "g", "offset 31"},
  };
  for (const auto& c : cases) {
    absl::StatusOr<SecretBytes> key = ParseEmailHashSecret(c.secret);
    ASSERT_FALSE(key.ok()) << c.rule;
    EXPECT_EQ(key.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(std::string(key.status().message()), HasSubstr(c.rule));
    EXPECT_THAT(std::string(key.status().message()), HasSubstr("email-hash secret"));
  }
}

TEST(CheckEmailHashKeySizeTest, Boundaries) {
  EXPECT_FALSE(CheckEmailHashKeySize(0).ok());
  EXPECT_FALSE(CheckEmailHashKeySize(15).ok());
  EXPECT_TRUE(CheckEmailHashKeySize(16).ok());
  EXPECT_TRUE(CheckEmailHashKeySize(64).ok());
  EXPECT_FALSE(CheckEmailHashKeySize(65).ok());
  EXPECT_EQ(CheckEmailHashKeySize(65).code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace identity::crypto
