// IsValidUtf8 / ForEachUtf8CodePoint: RFC 3629 well-formedness, judged on the
// bytes of the view only.

#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "gtest/gtest.h"
#include "server/crypto/utf8.h"

namespace identity::crypto {
namespace {

TEST(IsValidUtf8Test, AcceptsWellFormedText) {
  const std::vector<std::string> good = {
      "",
      "plain ASCII",
      std::string("nul\0inside", 10),
      "\x7f",
      "\xC2\x80",                  // U+0080, the first 2-byte character
      "\xDF\xBF",                  // U+07FF
      "\xE0\xA0\x80",              // U+0800
      "\xED\x9F\xBF",              // U+D7FF, just below the surrogates
      "\xEE\x80\x80",              // U+E000, just above them
      "\xEF\xBF\xBF",              // U+FFFF
      "\xF0\x90\x80\x80",          // U+10000
      "\xF4\x8F\xBF\xBF",          // U+10FFFF, the last code point
      "\xE6\x97\xA5\xE6\x9C\xAC",  // 日本
      "\xF0\x9F\x98\x80",          // 😀
  };
  for (const std::string& text : good) EXPECT_TRUE(IsValidUtf8(text)) << absl::CEscape(text);
}

TEST(IsValidUtf8Test, RejectsMalformedText) {
  const std::vector<std::string> bad = {
      "\x80",              // lone continuation byte
      "a\xBFz",            // continuation byte in ASCII
      "\xC0\x80",          // overlong NUL
      "\xC1\xBF",          // overlong
      "\xE0\x9F\xBF",      // overlong 3-byte
      "\xF0\x8F\xBF\xBF",  // overlong 4-byte
      "\xED\xA0\x80",      // surrogate U+D800
      "\xED\xBF\xBF",      // surrogate U+DFFF
      "\xF4\x90\x80\x80",  // U+110000
      "\xF5\x80\x80\x80",  // lead byte F5
      "\xF8\x88\x80\x80\x80",
      "\xFE",
      "\xFF",
      "\xC3",              // cut at the end
      "\xE6\x97",
      "\xF0\x9F\x98",
      "\xC3z",             // cut in the middle
      "\xE6z\xA5",
  };
  for (const std::string& text : bad) EXPECT_FALSE(IsValidUtf8(text)) << absl::CEscape(text);
}

TEST(IsValidUtf8Test, JudgesOnlyTheBytesOfTheView) {
  // The bytes after the view would complete the character; they do not count.
  const std::string backing = "x\xF0\x9F\x98\x80";
  for (std::size_t len = 2; len < backing.size(); ++len) {
    EXPECT_FALSE(IsValidUtf8(absl::string_view(backing.data(), len))) << len;
  }
  EXPECT_TRUE(IsValidUtf8(backing));
}

TEST(ForEachUtf8CodePointTest, VisitsEachCodePointInOrder) {
  std::vector<unsigned> seen;
  EXPECT_TRUE(ForEachUtf8CodePoint("a\xC3\xA9\xE2\x80\xA8\xF0\x9F\x98\x80", [&](unsigned cp) {
    seen.push_back(cp);
    return true;
  }));
  EXPECT_EQ(seen, (std::vector<unsigned>{'a', 0xE9, 0x2028, 0x1F600}));
}

TEST(ForEachUtf8CodePointTest, StopsWhenTheVisitorSaysSo) {
  int visits = 0;
  EXPECT_FALSE(ForEachUtf8CodePoint("abc", [&](unsigned cp) {
    ++visits;
    return cp != 'b';
  }));
  EXPECT_EQ(visits, 2);
}

}  // namespace
}  // namespace identity::crypto
