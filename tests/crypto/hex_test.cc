// HexEncode / HexEncodeTo / StrictHexDecode.

#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/crypto/hex.h"

namespace identity::crypto {
namespace {

using ::testing::HasSubstr;

std::vector<std::uint8_t> AllByteValues() {
  std::vector<std::uint8_t> out;
  for (int b = 0; b < 256; ++b) out.push_back(static_cast<std::uint8_t>(b));
  return out;
}

std::string Decoded(const SecretBytes& bytes) { return std::string(bytes.view()); }

TEST(HexEncodeTest, EncodesLowercase) {
  EXPECT_EQ(HexEncode(std::vector<std::uint8_t>{0xab, 0x01}), "ab01");
  EXPECT_EQ(HexEncode(std::vector<std::uint8_t>{0x00, 0xff, 0x10, 0x9a}), "00ff109a");
  EXPECT_EQ(HexEncode({}), "");
}

TEST(HexEncodeTest, EncodesEveryByteValue) {
  const std::string hex = HexEncode(AllByteValues());
  ASSERT_EQ(hex.size(), 512u);
  for (int b = 0; b < 256; ++b) {
    char expected[3];
    std::snprintf(expected, sizeof(expected), "%02x", b);
    EXPECT_EQ(hex.substr(2 * b, 2), expected) << "byte " << b;
  }
}

TEST(HexEncodeTest, HexEncodeToWritesExactlyTwiceTheLength) {
  const std::vector<std::uint8_t> bytes = {0xde, 0xad, 0xbe, 0xef};
  std::string buffer(10, '#');
  HexEncodeTo(bytes, buffer.data() + 1);
  EXPECT_EQ(buffer, "#deadbeef#");
}

TEST(StrictHexDecodeTest, RoundTripsEveryByteValueInEitherCase) {
  const std::string lower = HexEncode(AllByteValues());
  const std::string expected(reinterpret_cast<const char*>(AllByteValues().data()), 256);
  for (const std::string& hex : {lower, absl::AsciiStrToUpper(lower)}) {
    absl::StatusOr<SecretBytes> decoded = StrictHexDecode(hex);
    ASSERT_TRUE(decoded.ok()) << decoded.status();
    EXPECT_TRUE(Decoded(*decoded) == expected);
  }
}

TEST(StrictHexDecodeTest, DecodesMixedCase) {
  absl::StatusOr<SecretBytes> decoded = StrictHexDecode("aBcDeF09");
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(Decoded(*decoded), "\xab\xcd\xef\x09");
}

TEST(StrictHexDecodeTest, EmptyIsZeroBytes) {
  absl::StatusOr<SecretBytes> decoded = StrictHexDecode("");
  ASSERT_TRUE(decoded.ok());
  EXPECT_TRUE(decoded->empty());
}

TEST(StrictHexDecodeTest, RejectsOddLength) {
  for (absl::string_view hex : {"a", "abc", "0123456789abcdef0"}) {
    absl::StatusOr<SecretBytes> decoded = StrictHexDecode(hex);
    ASSERT_FALSE(decoded.ok()) << hex;
    EXPECT_EQ(decoded.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(std::string(decoded.status().message()), HasSubstr("even number"));
  }
}

TEST(StrictHexDecodeTest, RejectsEveryNonHexByteInEitherNibble) {
  for (int c = 0; c < 256; ++c) {
    if (absl::ascii_isxdigit(static_cast<unsigned char>(c))) continue;
    for (std::size_t pos : {0u, 1u, 4u, 7u}) {
      std::string hex = "0a1b2c3d";
      hex[pos] = static_cast<char>(c);
      absl::StatusOr<SecretBytes> decoded = StrictHexDecode(hex);
      ASSERT_FALSE(decoded.ok()) << "byte " << c << " at offset " << pos;
      EXPECT_EQ(decoded.status().code(), absl::StatusCode::kInvalidArgument);
      EXPECT_THAT(std::string(decoded.status().message()),
                  HasSubstr(absl::StrCat("offset ", pos)));
    }
  }
}

TEST(StrictHexDecodeTest, RejectsPrefixesSignsAndWhitespace) {
  const std::vector<std::string> inputs = {"0xabcd", "0Xabcd", "+abc",    "-abc",
                                           " abc",   "abc ",   "ab cd",   "ab\tcd",
                                           "abcd\n\n", "\nabc", "ab:cd", std::string("ab\0d", 4)};
  for (const std::string& hex : inputs) {
    EXPECT_EQ(StrictHexDecode(hex).status().code(), absl::StatusCode::kInvalidArgument)
        << absl::CEscape(hex);
  }
}

TEST(StrictHexDecodeTest, MessageNeverQuotesTheInput) {
  const std::string hex = "deadbeefcafebabe0123456789zz";
  absl::StatusOr<SecretBytes> decoded = StrictHexDecode(hex);
  ASSERT_FALSE(decoded.ok());
  EXPECT_FALSE(absl::StrContains(decoded.status().message(), "deadbeef"));
  EXPECT_FALSE(absl::StrContains(decoded.status().message(), "zz"));
}

}  // namespace
}  // namespace identity::crypto
