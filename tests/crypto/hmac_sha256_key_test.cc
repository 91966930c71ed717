// HmacSha256Key (precomputed HMAC midstates) cross-checked against the crypto
// library's one-shot HMAC() over many key and message lengths.

#include <array>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "absl/types/span.h"
#include "gtest/gtest.h"
#include "server/crypto/hmac_sha256_key.h"
#include "tests/crypto/jwt_test_verifier.h"

namespace identity::crypto {
namespace {

using crypto_testing::OneShotHmacSha256;

// Deterministic pseudo-random bytes, so a failure reproduces.
std::string PseudoRandomBytes(std::mt19937& rng, std::size_t n) {
  std::uniform_int_distribution<int> byte(0, 255);
  std::string out(n, '\0');
  for (char& c : out) c = static_cast<char>(byte(rng));
  return out;
}

absl::Span<const std::uint8_t> Bytes(const std::string& s) {
  return absl::Span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(s.data()), s.size());
}

std::string TagString(const std::array<std::uint8_t, kHmacSha256Size>& tag) {
  return std::string(reinterpret_cast<const char*>(tag.data()), tag.size());
}

std::string SignOne(const HmacSha256Key& key, absl::string_view message) {
  std::array<std::uint8_t, kHmacSha256Size> tag;
  key.Sign(message, tag);
  return TagString(tag);
}

// Keys of every length 0..200 (below, at and above the 64-byte block, where
// the key must be hashed first) against messages of every length 0..300
// (crossing the 55/56-byte and 64-byte padding boundaries, more than once).
TEST(HmacSha256KeyTest, MatchesOneShotHmacForAllKeyAndMessageLengths) {
  std::mt19937 rng(20240611);
  const std::string messages = PseudoRandomBytes(rng, 300);
  int mismatches = 0;
  for (std::size_t key_len = 0; key_len <= 200; ++key_len) {
    const std::string key_bytes = PseudoRandomBytes(rng, key_len);
    absl::StatusOr<HmacSha256Key> key = HmacSha256Key::New(Bytes(key_bytes));
    ASSERT_TRUE(key.ok()) << key.status();
    for (std::size_t msg_len = 0; msg_len <= 300; ++msg_len) {
      const absl::string_view message = absl::string_view(messages).substr(0, msg_len);
      if (SignOne(*key, message) != OneShotHmacSha256(key_bytes, message)) {
        ADD_FAILURE() << "key length " << key_len << ", message length " << msg_len;
        if (++mismatches > 10) return;
      }
    }
  }
}

TEST(HmacSha256KeyTest, KeysAroundTheBlockSizeAreDistinct) {
  // A 64-byte key is used as is; a 65-byte one is hashed. Keys that differ
  // only in their last byte must give different tags on both sides.
  for (std::size_t len : {63u, 64u, 65u, 128u}) {
    std::string a(len, 'k');
    std::string b = a;
    b.back() = 'K';
    absl::StatusOr<HmacSha256Key> ka = HmacSha256Key::New(Bytes(a));
    absl::StatusOr<HmacSha256Key> kb = HmacSha256Key::New(Bytes(b));
    ASSERT_TRUE(ka.ok() && kb.ok());
    EXPECT_NE(SignOne(*ka, "message"), SignOne(*kb, "message")) << "key length " << len;
  }
}

TEST(HmacSha256KeyTest, ZeroPaddedShortKeyEqualsTheShortKey) {
  // RFC 2104 pads short keys with zeros to the block size, so "k" and
  // "k\0\0..." (up to 64 bytes) are the same HMAC key; a 65-byte one is not.
  absl::StatusOr<HmacSha256Key> short_key = HmacSha256Key::New(Bytes("k"));
  absl::StatusOr<HmacSha256Key> padded = HmacSha256Key::New(Bytes(std::string("k") + std::string(63, '\0')));
  absl::StatusOr<HmacSha256Key> too_long =
      HmacSha256Key::New(Bytes(std::string("k") + std::string(64, '\0')));
  ASSERT_TRUE(short_key.ok() && padded.ok() && too_long.ok());
  EXPECT_EQ(SignOne(*short_key, "m"), SignOne(*padded, "m"));
  EXPECT_NE(SignOne(*short_key, "m"), SignOne(*too_long, "m"));
}

TEST(HmacSha256KeyTest, PartsAreConcatenated) {
  std::mt19937 rng(7);
  const std::string key_bytes = PseudoRandomBytes(rng, 32);
  absl::StatusOr<HmacSha256Key> key = HmacSha256Key::New(Bytes(key_bytes));
  ASSERT_TRUE(key.ok());
  const std::string message = PseudoRandomBytes(rng, 150);
  const std::string expected = OneShotHmacSha256(key_bytes, message);
  const absl::string_view m(message);
  for (std::size_t i = 0; i <= m.size(); i += 7) {
    for (std::size_t j = i; j <= m.size(); j += 11) {
      std::array<std::uint8_t, kHmacSha256Size> tag;
      key->Sign({m.substr(0, i), m.substr(i, j - i), m.substr(j)}, tag);
      EXPECT_EQ(TagString(tag), expected) << "parts cut at " << i << " and " << j;
    }
  }
  std::array<std::uint8_t, kHmacSha256Size> tag;
  key->Sign({}, tag);
  EXPECT_EQ(TagString(tag), OneShotHmacSha256(key_bytes, ""));
  key->Sign({"", "", ""}, tag);
  EXPECT_EQ(TagString(tag), OneShotHmacSha256(key_bytes, ""));
}

TEST(HmacSha256KeyTest, SignIsRepeatableOnTheSameKey) {
  // Each Sign() continues copies of the midstates; it must not consume them.
  absl::StatusOr<HmacSha256Key> key = HmacSha256Key::New(Bytes("a key of sixteen+"));
  ASSERT_TRUE(key.ok());
  const std::string first = SignOne(*key, "jane@example.com");
  EXPECT_NE(SignOne(*key, "other@example.com"), first);
  EXPECT_EQ(SignOne(*key, "jane@example.com"), first);
}

TEST(HmacSha256KeyTest, MovedKeySignsTheSame) {
  absl::StatusOr<HmacSha256Key> key = HmacSha256Key::New(Bytes("moving key bytes"));
  ASSERT_TRUE(key.ok());
  const std::string before = SignOne(*key, "message");
  HmacSha256Key moved(*std::move(key));
  EXPECT_EQ(SignOne(moved, "message"), before);
  absl::StatusOr<HmacSha256Key> other = HmacSha256Key::New(Bytes("another key"));
  ASSERT_TRUE(other.ok());
  *other = std::move(moved);
  EXPECT_EQ(SignOne(*other, "message"), before);
}

}  // namespace
}  // namespace identity::crypto
