// ValidateEmail / ValidateIdentityClaim / ValidateTtl / ValidateWidgetTokenRequest:
// every bad-input class of DESIGN.md §2 is INVALID_ARGUMENT, names the field
// first, and never repeats the value (personal data).

#include <cstdint>
#include <limits>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/service/request_validation.h"

namespace identity::service {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

// `status` is INVALID_ARGUMENT, starts "`field`: " and contains `rule`.
void ExpectInvalid(const absl::Status& status, absl::string_view field, absl::string_view rule,
                   absl::string_view input) {
  SCOPED_TRACE(absl::CEscape(input));
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
  EXPECT_THAT(std::string(status.message()), StartsWith(absl::StrCat(field, ": ")));
  EXPECT_THAT(std::string(status.message()), HasSubstr(rule));
  // Inputs of 5 bytes or more would be recognisable in a message.
  if (input.size() >= 5) {
    EXPECT_FALSE(absl::StrContains(status.message(), input)) << status.message();
  }
}

// ---- email -----------------------------------------------------------------

TEST(ValidateEmailTest, AcceptsEmailsAsGiven) {
  for (absl::string_view email : {
           "a@b",
           "jane.doe@example.com",
           "Jane.Doe+Support@Example.COM",
           "\"quoted\"@example.com",
           "o'brien@example.ie",
           "user@[192.168.0.1]",
           "j\xC3\xBCrgen@b\xC3\xBC" "cher.example",     // Unicode local part and domain
           "\xE7\x94\xA8\xE6\x88\xB7@\xE4\xBE\x8B\xE5\xAD\x90.\xE4\xB8\xAD\xE5\x9B\xBD",
           "emoji\xF0\x9F\x98\x80@example.com",          // a 4-byte sequence
       }) {
    EXPECT_TRUE(ValidateEmail(email).ok()) << absl::CEscape(email) << ": " << ValidateEmail(email);
  }
}

TEST(ValidateEmailTest, LengthBoundaries) {
  EXPECT_TRUE(ValidateEmail("a@b").ok());
  const std::string at_max = std::string(kMaxEmailBytes - 12, 'a') + "@example.com";
  ASSERT_EQ(at_max.size(), 254u);
  EXPECT_TRUE(ValidateEmail(at_max).ok());
  ExpectInvalid(ValidateEmail("a" + at_max), "email", "must be 3..254 bytes; got 255", "");
  ExpectInvalid(ValidateEmail("@b"), "email", "must be 3..254 bytes; got 2", "");
  ExpectInvalid(ValidateEmail(std::string(100000, 'a')), "email", "got 100000", "");
}

TEST(ValidateEmailTest, EmptyIsRequired) {
  EXPECT_EQ(ValidateEmail("").message(), "email: is required");
  EXPECT_EQ(ValidateEmail("").code(), absl::StatusCode::kInvalidArgument);
}

TEST(ValidateEmailTest, ExactlyOneAt) {
  for (absl::string_view email : {"jane.example.com", "jane@@example.com", "jane@doe@example.com",
                                  "jane@example.com@"}) {
    ExpectInvalid(ValidateEmail(email), "email", "exactly one '@'", email);
  }
}

TEST(ValidateEmailTest, NonEmptyLocalPartAndDomain) {
  ExpectInvalid(ValidateEmail("@example.com"), "email", "the part before '@' must not be empty",
                "@example.com");
  ExpectInvalid(ValidateEmail("jane.doe@"), "email", "the domain after '@' must not be empty",
                "jane.doe@");
}

TEST(ValidateEmailTest, NoWhitespace) {
  for (absl::string_view ws : {
           " ", "\t", "\n", "\r", "\v", "\f",
           "\xC2\x85",      // U+0085 NEXT LINE
           "\xC2\xA0",      // U+00A0 NO-BREAK SPACE
           "\xE1\x9A\x80",  // U+1680 OGHAM SPACE MARK
           "\xE2\x80\x83",  // U+2003 EM SPACE
           "\xE2\x80\x8A",  // U+200A HAIR SPACE
           "\xE2\x80\xA8",  // U+2028 LINE SEPARATOR
           "\xE2\x80\xA9",  // U+2029 PARAGRAPH SEPARATOR
           "\xE2\x80\xAF",  // U+202F NARROW NO-BREAK SPACE
           "\xE2\x81\x9F",  // U+205F MEDIUM MATHEMATICAL SPACE
           "\xE3\x80\x80",  // U+3000 IDEOGRAPHIC SPACE
       }) {
    for (const std::string& email : {absl::StrCat(ws, "jane@example.com"),
                                     absl::StrCat("jane", ws, "doe@example.com"),
                                     absl::StrCat("jane@example.com", ws)}) {
      ExpectInvalid(ValidateEmail(email), "email", "whitespace or control", email);
    }
  }
}

TEST(ValidateEmailTest, NoControlCharacters) {
  for (int c = 0; c < 0x20; ++c) {
    const std::string email = "jane" + std::string(1, static_cast<char>(c)) + "@example.com";
    ExpectInvalid(ValidateEmail(email), "email", "whitespace or control", email);
  }
  ExpectInvalid(ValidateEmail("jane\x7f@example.com"), "email", "control", "jane\x7f@example.com");
  ExpectInvalid(ValidateEmail("jane\xC2\x80@example.com"), "email", "control",  // U+0080
                "jane\xC2\x80@example.com");
  ExpectInvalid(ValidateEmail("jane\xC2\x9F@example.com"), "email", "control",  // U+009F
                "jane\xC2\x9F@example.com");
}

TEST(ValidateEmailTest, MustBeValidUtf8) {
  for (absl::string_view email : {
           "jane\xFF@example.com",           // never valid
           "jane\xC3@example.com",           // truncated 2-byte sequence
           "jane\xE2\x82@example.com",       // truncated 3-byte sequence
           "jane@example.com\xF0\x9F\x98",   // truncated at the very end
           "jane\xC0\xAF@example.com",       // overlong '/'
           "jane\xED\xA0\x80@example.com",   // UTF-16 surrogate U+D800
           "jane\xF4\x90\x80\x80@example.com",  // past U+10FFFF
           "jane\x80@example.com",           // lone continuation byte
       }) {
    ExpectInvalid(ValidateEmail(email), "email", "valid UTF-8", email);
  }
}

TEST(ValidateEmailTest, NulInsideIsRejected) {
  const std::string email("jane\0doe@example.com", 20);
  ExpectInvalid(ValidateEmail(email), "email", "control", "");
}

// ---- optional identity claims ------------------------------------------------

TEST(ValidateIdentityClaimTest, AcceptsTextUpTo256Bytes) {
  for (absl::string_view value : {"x", "Jane \"JD\" Doe", "O'Brien, Ana-Maria",
                                  "\xE5\xB1\xB1\xE7\x94\xB0 \xE5\xA4\xAA\xE9\x83\x8E",
                                  "acct_0001", "with spaces and\\backslash"}) {
    EXPECT_TRUE(ValidateIdentityClaim("name", value, true).ok()) << value;
    EXPECT_TRUE(ValidateIdentityClaim("account_id", value, false).ok()) << value;
  }
  EXPECT_TRUE(ValidateIdentityClaim("contact_id", std::string(kMaxClaimBytes, 'c'), false).ok());
  // 256 bytes made of 2-byte characters.
  std::string accents;
  for (int i = 0; i < 128; ++i) accents += "\xC3\xA9";
  EXPECT_TRUE(ValidateIdentityClaim("name", accents, true).ok());
}

TEST(ValidateIdentityClaimTest, EmptyOnlyForTheName) {
  EXPECT_TRUE(ValidateIdentityClaim("name", "", true).ok());
  for (absl::string_view field :
       {"account_id", "account_external_id", "contact_id", "contact_external_id"}) {
    ExpectInvalid(ValidateIdentityClaim(field, "", false), field, "must not be empty", "");
  }
}

TEST(ValidateIdentityClaimTest, TooLong) {
  const std::string value = std::string(kMaxClaimBytes + 1, 'c');
  ExpectInvalid(ValidateIdentityClaim("account_external_id", value, false), "account_external_id",
                "must be at most 256 bytes; got 257", value);
}

TEST(ValidateIdentityClaimTest, NoControlCharacters) {
  for (absl::string_view value : {"Jane\nDoe", "Jane\rDoe", "Jane\tDoe", "Jane\x1b[31mDoe",
                                  "Jane\x7f" "Doe", "Jane\xC2\x85" "Doe"}) {
    ExpectInvalid(ValidateIdentityClaim("name", value, true), "name", "control characters",
                  value);
  }
  ExpectInvalid(ValidateIdentityClaim("contact_id", std::string("ab\0cd", 5), false), "contact_id",
                "control characters", "");
}

TEST(ValidateIdentityClaimTest, MustBeValidUtf8) {
  for (absl::string_view value : {"Jane\xFF", "caf\xC3", "\xED\xB0\x80surrogate",
                                  "\xC1\xBF overlong"}) {
    ExpectInvalid(ValidateIdentityClaim("contact_external_id", value, false),
                  "contact_external_id", "valid UTF-8", value);
  }
}

// ---- ttl ---------------------------------------------------------------------

TEST(ValidateTtlTest, UnsetIsTenMinutes) {
  absl::StatusOr<absl::Duration> ttl = ValidateTtl(false, 0, 0);
  ASSERT_TRUE(ttl.ok());
  EXPECT_EQ(*ttl, absl::Seconds(600));
  // An unset ttl ignores whatever the (default) Duration holds.
  EXPECT_EQ(*ValidateTtl(false, 5000, 7), absl::Seconds(600));
}

TEST(ValidateTtlTest, AcceptsOneToNineHundredSeconds) {
  for (std::int64_t s : {1, 60, 600, 899, 900}) {
    absl::StatusOr<absl::Duration> ttl = ValidateTtl(true, s, 0);
    ASSERT_TRUE(ttl.ok()) << s;
    EXPECT_EQ(*ttl, absl::Seconds(s));
  }
}

TEST(ValidateTtlTest, RejectsOutOfRange) {
  for (std::int64_t s : {std::int64_t{0}, std::int64_t{-1}, std::int64_t{901},
                         std::int64_t{3600}, std::int64_t{315576000000},
                         std::numeric_limits<std::int64_t>::min()}) {
    ExpectInvalid(ValidateTtl(true, s, 0).status(), "ttl", "must be 1..900 seconds", "");
  }
}

TEST(ValidateTtlTest, RejectsFractionsOfASecond) {
  for (std::int32_t nanos : {1, 500000000, 999999999, -1}) {
    ExpectInvalid(ValidateTtl(true, 60, nanos).status(), "ttl", "whole number of seconds", "");
  }
  ExpectInvalid(ValidateTtl(true, 0, 500000000).status(), "ttl", "", "");
}

// ---- a whole IssueWidgetToken request ---------------------------------------

identity::v1::IssueWidgetTokenRequest GoodTokenRequest() {
  identity::v1::IssueWidgetTokenRequest request;
  request.set_app_id("shop-main");
  request.set_email("jane@example.com");
  request.set_name("");
  request.set_contact_id("c-77");
  request.mutable_ttl()->set_seconds(300);
  return request;
}

TEST(ValidateWidgetTokenRequestTest, ReturnsTheRequestsClaimsAndTtl) {
  const identity::v1::IssueWidgetTokenRequest request = GoodTokenRequest();
  absl::StatusOr<WidgetTokenRequest> valid = ValidateWidgetTokenRequest(request);
  ASSERT_TRUE(valid.ok()) << valid.status();
  EXPECT_EQ(valid->claims.email, "jane@example.com");
  EXPECT_EQ(valid->claims.audience, "shop-main");
  EXPECT_EQ(valid->claims.name, std::optional<absl::string_view>(""));
  EXPECT_EQ(valid->claims.contact_id, std::optional<absl::string_view>("c-77"));
  EXPECT_FALSE(valid->claims.account_id.has_value());
  EXPECT_FALSE(valid->claims.account_external_id.has_value());
  EXPECT_FALSE(valid->claims.contact_external_id.has_value());
  EXPECT_EQ(valid->ttl, absl::Seconds(300));
}

TEST(ValidateWidgetTokenRequestTest, NamesTheFirstBrokenRuleInFieldOrder) {
  identity::v1::IssueWidgetTokenRequest request = GoodTokenRequest();
  request.mutable_ttl()->set_seconds(0);
  ExpectInvalid(ValidateWidgetTokenRequest(request).status(), "ttl", "1..900", "");
  request.set_contact_external_id("");
  ExpectInvalid(ValidateWidgetTokenRequest(request).status(), "contact_external_id",
                "must not be empty", "");
  request.set_account_id("bad\ncontrol");
  ExpectInvalid(ValidateWidgetTokenRequest(request).status(), "account_id", "control",
                "bad\ncontrol");
  request.set_email("no-at-sign");
  ExpectInvalid(ValidateWidgetTokenRequest(request).status(), "email", "exactly one '@'",
                "no-at-sign");
  request.set_app_id("");
  ExpectInvalid(ValidateWidgetTokenRequest(request).status(), "app_id", "is required", "");
}

}  // namespace
}  // namespace identity::service
