// EmailHasher: which secrets it accepts, and the shape of its hashes.

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/crypto/email_hasher.h"
#include "tests/crypto/jwt_test_verifier.h"
#include "tests/crypto/test_vectors.h"

namespace identity::crypto {
namespace {

using ::testing::HasSubstr;

// A fixed, test-only secret of 32 bytes.
constexpr absl::string_view kSecret32 =
    "8f3a1c5e7b9d2f4a6c8e0b1d3f5a7c9e2b4d6f8a0c1e3a5c7e9b1d3f5a7c9e0b";

std::string KeyOf(absl::string_view hex) {
  absl::StatusOr<std::vector<std::uint8_t>> bytes = crypto_testing::DecodeTestHex(hex);
  return bytes.ok() ? std::string(bytes->begin(), bytes->end()) : std::string();
}

std::string HexOf(const std::string& bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out.push_back(kDigits[c >> 4]);
    out.push_back(kDigits[c & 15]);
  }
  return out;
}

// Expects FromHexSecret to refuse `secret` with kInvalidArgument, with a
// message that does not repeat the secret.
void ExpectRejected(absl::string_view secret, absl::string_view why) {
  absl::StatusOr<EmailHasher> hasher = EmailHasher::FromHexSecret(secret);
  ASSERT_FALSE(hasher.ok()) << why;
  EXPECT_EQ(hasher.status().code(), absl::StatusCode::kInvalidArgument) << why;
  if (secret.size() >= 4) {
    EXPECT_FALSE(absl::StrContains(hasher.status().message(), secret))
        << why << ": the error message repeats the secret";
  }
  EXPECT_FALSE(hasher.status().message().empty()) << why;
}

TEST(EmailHasherTest, HashIsHmacSha256OfTheEmailUnderTheDecodedKey) {
  absl::StatusOr<EmailHasher> hasher = EmailHasher::FromHexSecret(kSecret32);
  ASSERT_TRUE(hasher.ok()) << hasher.status();
  for (absl::string_view email : {"jane@example.com", "a@b", "jos\xC3\xA9@example.com"}) {
    EXPECT_EQ(hasher->Hash(email),
              HexOf(crypto_testing::OneShotHmacSha256(KeyOf(kSecret32), email)));
  }
}

TEST(EmailHasherTest, HashIsSixtyFourLowercaseHexDigits) {
  absl::StatusOr<EmailHasher> hasher = EmailHasher::FromHexSecret(kSecret32);
  ASSERT_TRUE(hasher.ok());
  const std::string hash = hasher->Hash("jane@example.com");
  EXPECT_EQ(hash.size(), kEmailHashHexLength);
  EXPECT_EQ(hash.find_first_not_of("0123456789abcdef"), std::string::npos);
}

TEST(EmailHasherTest, EmailIsHashedExactlyAsGiven) {
  // No lower-casing, trimming or Unicode normalisation: the widget compares
  // bytes, so each of these must hash differently.
  absl::StatusOr<EmailHasher> hasher = EmailHasher::FromHexSecret(kSecret32);
  ASSERT_TRUE(hasher.ok());
  const std::vector<std::string> emails = {
      "jane@example.com",  "Jane@example.com",        "jane@Example.com",
      "jane+x@example.com", "jane@example.com.",      "jos\xC3\xA9@example.com",
      "jose\xCC\x81@example.com"};
  std::vector<std::string> hashes;
  for (const std::string& e : emails) hashes.push_back(hasher->Hash(e));
  for (std::size_t i = 0; i < hashes.size(); ++i) {
    for (std::size_t j = i + 1; j < hashes.size(); ++j) {
      EXPECT_NE(hashes[i], hashes[j]) << emails[i] << " vs " << emails[j];
    }
  }
}

TEST(EmailHasherTest, AcceptsLowerUpperAndMixedCaseHexAsTheSameKey) {
  const std::string lower(kSecret32);
  const std::string upper = absl::AsciiStrToUpper(lower);
  std::string mixed = lower;
  for (std::size_t i = 0; i < mixed.size(); i += 2) mixed[i] = absl::ascii_toupper(mixed[i]);
  const std::string expected =
      HexOf(crypto_testing::OneShotHmacSha256(KeyOf(lower), "jane@example.com"));
  for (const std::string& secret : {lower, upper, mixed}) {
    absl::StatusOr<EmailHasher> hasher = EmailHasher::FromHexSecret(secret);
    ASSERT_TRUE(hasher.ok()) << hasher.status();
    EXPECT_EQ(hasher->Hash("jane@example.com"), expected);
  }
}

TEST(EmailHasherTest, AcceptsKeysOfSixteenToSixtyFourBytes) {
  for (std::size_t bytes : {16u, 17u, 32u, 63u, 64u}) {
    const std::string secret(2 * bytes, 'a');
    EXPECT_TRUE(EmailHasher::FromHexSecret(secret).ok()) << bytes << " bytes";
  }
}

TEST(EmailHasherTest, RejectsKeysOutsideSixteenToSixtyFourBytes) {
  ExpectRejected("", "empty");
  ExpectRejected("ab", "1 byte");
  ExpectRejected(std::string(30, 'a'), "15 bytes");
  ExpectRejected(std::string(130, 'a'), "65 bytes");
  ExpectRejected(std::string(1024, 'a'), "512 bytes");
}

TEST(EmailHasherTest, RejectsOddLength) {
  ExpectRejected(std::string(31, 'a'), "31 hex digits");
  ExpectRejected(std::string(kSecret32) + "a", "65 hex digits");
  ExpectRejected(kSecret32.substr(1), "63 hex digits");
}

TEST(EmailHasherTest, RejectsNonHexCharactersAtAnyPosition) {
  for (char bad : {'g', 'G', 'z', 'x', '-', '_', '+', '/', '=', '.', ':', '\0', '\x7f'}) {
    for (std::size_t pos : {0u, 1u, 31u, 63u}) {
      std::string secret(kSecret32);
      secret[pos] = bad;
      ExpectRejected(secret, "a non-hex character");
    }
  }
}

TEST(EmailHasherTest, RejectsNonAsciiCharacters) {
  // "é" is two bytes, so the length stays even.
  std::string secret = std::string(kSecret32.substr(2)) + "\xC3\xA9";
  ExpectRejected(secret, "non-ASCII");
}

TEST(EmailHasherTest, RejectsHexPrefixAndWhitespace) {
  const std::string s(kSecret32);
  ExpectRejected("0x" + s, "0x prefix");
  ExpectRejected("0X" + s, "0X prefix");
  ExpectRejected("0x" + s.substr(2), "0x prefix, same length");
  ExpectRejected(" " + s + " ", "surrounding spaces");
  ExpectRejected(s + "\n\n", "two trailing newlines");
  ExpectRejected(s.substr(0, 32) + "  " + s.substr(32), "inner spaces");
  ExpectRejected(s.substr(0, 32) + "\t\t" + s.substr(32), "inner tabs");
  ExpectRejected(s.substr(0, 62) + "\r\n", "trailing CRLF");
}

TEST(EmailHasherTest, ErrorMessagesNeverContainTheSecret) {
  // A secret that is wrong in one place only: the message must say where,
  // not what.
  std::string secret(kSecret32);
  secret[40] = 'q';
  absl::StatusOr<EmailHasher> hasher = EmailHasher::FromHexSecret(secret);
  ASSERT_FALSE(hasher.ok());
  EXPECT_THAT(std::string(hasher.status().message()), HasSubstr("40"));
  for (std::size_t i = 0; i + 8 <= secret.size(); ++i) {
    EXPECT_FALSE(absl::StrContains(hasher.status().message(), secret.substr(i, 8)))
        << "the message quotes 8 characters of the secret from offset " << i;
  }
}

TEST(EmailHasherTest, FromKeyAcceptsOnlySixteenToSixtyFourBytes) {
  for (std::size_t n : {0u, 1u, 15u, 65u, 100u}) {
    absl::StatusOr<EmailHasher> hasher = EmailHasher::FromKey(SecretBytes(n));
    EXPECT_EQ(hasher.status().code(), absl::StatusCode::kInvalidArgument) << n << " bytes";
  }
  for (std::size_t n : {16u, 40u, 64u}) {
    EXPECT_TRUE(EmailHasher::FromKey(SecretBytes(n)).ok()) << n << " bytes";
  }
}

TEST(EmailHasherTest, FromKeyEqualsFromHexSecret) {
  const std::string key = KeyOf(kSecret32);
  absl::StatusOr<EmailHasher> from_key = EmailHasher::FromKey(SecretBytes::Copy(key));
  absl::StatusOr<EmailHasher> from_hex = EmailHasher::FromHexSecret(kSecret32);
  ASSERT_TRUE(from_key.ok() && from_hex.ok());
  EXPECT_EQ(from_key->Hash("jane@example.com"), from_hex->Hash("jane@example.com"));
}

}  // namespace
}  // namespace identity::crypto
