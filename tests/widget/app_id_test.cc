// ValidateAppId: 1..128 characters of [A-Za-z0-9._-]; HasOnlyAppIdCharacters:
// the same characters, for parts of an app_id.

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "gtest/gtest.h"
#include "server/widget/app_id.h"

namespace identity::widget {
namespace {

void ExpectRejected(absl::string_view app_id) {
  const absl::Status s = ValidateAppId(app_id);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << absl::CEscape(app_id);
  EXPECT_TRUE(absl::StartsWith(s.message(), "app_id: ")) << s.message();
}

TEST(ValidateAppIdTest, AcceptsEveryAllowedCharacter) {
  EXPECT_TRUE(ValidateAppId("ABCDEFGHIJKLMNOPQRSTUVWXYZ").ok());
  EXPECT_TRUE(ValidateAppId("abcdefghijklmnopqrstuvwxyz").ok());
  EXPECT_TRUE(ValidateAppId("0123456789").ok());
  EXPECT_TRUE(ValidateAppId("._-").ok());
  EXPECT_TRUE(ValidateAppId("demo-widget_v2.prod").ok());
  EXPECT_TRUE(ValidateAppId("9f0e1d2c-3b4a-5968-7766-554433221100").ok());
}

TEST(ValidateAppIdTest, LengthBoundaries) {
  EXPECT_TRUE(ValidateAppId("a").ok());
  EXPECT_TRUE(ValidateAppId(std::string(kMaxAppIdLength, 'a')).ok());
  ExpectRejected("");
  ExpectRejected(std::string(kMaxAppIdLength + 1, 'a'));
  ExpectRejected(std::string(10000, 'a'));
  EXPECT_EQ(kMaxAppIdLength, 128u);
}

TEST(ValidateAppIdTest, EmptyIsRequired) {
  EXPECT_EQ(ValidateAppId("").message(), "app_id: is required");
}

TEST(ValidateAppIdTest, RejectsEveryOtherAsciiCharacter) {
  for (int c = 0; c < 128; ++c) {
    const bool allowed = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                         (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
    if (allowed) continue;
    for (const std::string& app_id :
         {std::string(1, static_cast<char>(c)), "widget" + std::string(1, static_cast<char>(c)),
          std::string(1, static_cast<char>(c)) + "widget"}) {
      ExpectRejected(app_id);
    }
  }
}

TEST(ValidateAppIdTest, RejectsNonAscii) {
  ExpectRejected("widg\xC3\xA9t");                   // é
  ExpectRejected("\xE3\x82\xA6\xE3\x82\xA3");        // ウィ
  ExpectRejected("widget\xE2\x80\x8B");              // zero-width space
  ExpectRejected("\xFF\xFE");                        // not UTF-8
  ExpectRejected(std::string("wid\0get", 7));        // NUL inside
}

TEST(ValidateAppIdTest, MessageDoesNotEchoTheValue) {
  const absl::Status s = ValidateAppId("bad app id with spaces");
  EXPECT_FALSE(absl::StrContains(s.message(), "with spaces"));
}

TEST(HasOnlyAppIdCharactersTest, TheCharactersOfAnAppIdAtAnyLength) {
  EXPECT_TRUE(HasOnlyAppIdCharacters(""));
  EXPECT_TRUE(HasOnlyAppIdCharacters("billing-"));
  EXPECT_TRUE(HasOnlyAppIdCharacters(std::string(kMaxAppIdLength + 1, 'a')));
  for (int c = 0; c < 256; ++c) {
    const std::string text = "ok" + std::string(1, static_cast<char>(c));
    EXPECT_EQ(HasOnlyAppIdCharacters(text), ValidateAppId(text).ok()) << c;
  }
}

}  // namespace
}  // namespace identity::widget
