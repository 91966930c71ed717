// ConstantTimeEquals: equality only, whatever the position of a difference.

#include <string>

#include "gtest/gtest.h"
#include "server/crypto/constant_time.h"

namespace identity::crypto {
namespace {

TEST(ConstantTimeEqualsTest, EqualStrings) {
  EXPECT_TRUE(ConstantTimeEquals("abc", "abc"));
  const std::string a(100, 'z');
  const std::string b(100, 'z');
  EXPECT_TRUE(ConstantTimeEquals(a, b));
  EXPECT_TRUE(ConstantTimeEquals(std::string("a\0b", 3), std::string("a\0b", 3)));
}

TEST(ConstantTimeEqualsTest, EmptyStrings) {
  EXPECT_TRUE(ConstantTimeEquals("", ""));
  EXPECT_TRUE(ConstantTimeEquals(absl::string_view(), absl::string_view()));
  EXPECT_FALSE(ConstantTimeEquals("", "a"));
  EXPECT_FALSE(ConstantTimeEquals("a", ""));
}

TEST(ConstantTimeEqualsTest, DifferenceInAnyPositionAndAnyBit) {
  const std::string a = "0123456789abcdef0123456789abcdef";
  for (std::size_t i = 0; i < a.size(); ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      std::string b = a;
      b[i] = static_cast<char>(b[i] ^ (1 << bit));
      EXPECT_FALSE(ConstantTimeEquals(a, b)) << "byte " << i << " bit " << bit;
      EXPECT_FALSE(ConstantTimeEquals(b, a)) << "byte " << i << " bit " << bit;
    }
  }
}

TEST(ConstantTimeEqualsTest, DifferentLengthsAreNeverEqual) {
  const std::string a = "0123456789abcdef";
  for (std::size_t n = 0; n < a.size(); ++n) {
    EXPECT_FALSE(ConstantTimeEquals(a, a.substr(0, n))) << "prefix of " << n;
    EXPECT_FALSE(ConstantTimeEquals(a.substr(0, n), a)) << "prefix of " << n;
  }
  EXPECT_FALSE(ConstantTimeEquals(a, a + std::string(1, '\0')));
}

}  // namespace
}  // namespace identity::crypto
