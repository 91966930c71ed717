// Fingerprint: the first 16 lowercase hex characters of SHA-256(key).

#include <openssl/sha.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "absl/types/span.h"
#include "gtest/gtest.h"
#include "server/crypto/fingerprint.h"
#include "server/crypto/hex.h"

namespace identity::crypto {
namespace {

absl::Span<const std::uint8_t> Bytes(absl::string_view s) {
  return absl::Span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(s.data()), s.size());
}

TEST(FingerprintTest, KnownSha256Vectors) {
  // SHA-256("test") = 9f86d081884c7d65 9a2feaa0c55ad015...
  EXPECT_EQ(Fingerprint(Bytes("test")), "9f86d081884c7d65");
  // SHA-256("abc") = ba7816bf8f01cfea 414140de5dae2223... (FIPS 180-2, B.1)
  EXPECT_EQ(Fingerprint(Bytes("abc")), "ba7816bf8f01cfea");
  // SHA-256("") = e3b0c44298fc1c14 9afbf4c8996fb924...
  EXPECT_EQ(Fingerprint({}), "e3b0c44298fc1c14");
}

TEST(FingerprintTest, IsSixteenLowercaseHexDigits) {
  const std::string fp = Fingerprint(Bytes("a secret key of some length"));
  EXPECT_EQ(fp.size(), kFingerprintLength);
  EXPECT_EQ(fp.find_first_not_of("0123456789abcdef"), std::string::npos);
}

TEST(FingerprintTest, MatchesTheLibrarySha256ForRandomKeys) {
  std::mt19937 rng(99);
  std::uniform_int_distribution<int> byte(0, 255);
  for (std::size_t len = 0; len <= 300; len += 13) {
    std::vector<std::uint8_t> key(len);
    for (std::uint8_t& b : key) b = static_cast<std::uint8_t>(byte(rng));
    std::uint8_t digest[SHA256_DIGEST_LENGTH];
    SHA256(key.data(), key.size(), digest);
    EXPECT_EQ(Fingerprint(key), HexEncode(absl::MakeConstSpan(digest, 8))) << len << " bytes";
  }
}

TEST(FingerprintTest, DiffersForKeysDifferingInOneBit) {
  std::string key(32, 'k');
  const std::string base = Fingerprint(Bytes(key));
  for (std::size_t i = 0; i < key.size(); ++i) {
    key[i] ^= 0x01;
    EXPECT_NE(Fingerprint(Bytes(key)), base) << "byte " << i;
    key[i] ^= 0x01;
  }
}

}  // namespace
}  // namespace identity::crypto
