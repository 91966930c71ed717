// IssueEmailHash end to end: the real identityd, the real C++ client, and
// hashes recomputed in the test with OpenSSL's one-shot HMAC().

#include <string>

#include "tests/integration/integration_fixture.h"

namespace identity::integration_testing {
namespace {

using ::testing::MatchesRegex;

// One server for the suite: these tests only read.
class IssueEmailHashTest : public SharedServerTest {};

TEST_F(IssueEmailHashTest, HashEqualsIndependentHmacForEveryKindOfEmail) {
  // Hashed exactly as given: case, '+', quotes and non-ASCII are kept.
  const std::string emails[] = {
      "jane@example.com",
      "Jane.Doe+support@Example.COM",
      "o'brien@example.ie",
      "\"quoted.local\"@example.com",  // quotes (a space would be refused)
      "jan\xc3\xa9@ex\xc3\xa4mple.com",             // jané@exämple.com
      "\xe7\x94\xa8\xe6\x88\xb7@\xe4\xbe\x8b.com",  // 用户@例.com
      "a@b",                                        // the shortest allowed (3 bytes)
      std::string(64, 'x') + "@" + std::string(189, 'y'),  // the longest (254 bytes)
  };
  for (const std::string& email : emails) {
    SCOPED_TRACE(email);
    absl::StatusOr<v1::IssueEmailHashResponse> r = client_->IssueEmailHash(kBothApp, email);
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_EQ(r->email_hash(), ExpectedEmailHash(kBothHashSecret, email));
    EXPECT_THAT(r->email_hash(), MatchesRegex("[0-9a-f]{64}"));
    EXPECT_EQ(r->secret_version(), 1u);
  }
}

TEST_F(IssueEmailHashTest, EmailIsNotNormalised) {
  absl::StatusOr<v1::IssueEmailHashResponse> lower =
      client_->IssueEmailHash(kBothApp, "jane@example.com");
  absl::StatusOr<v1::IssueEmailHashResponse> upper =
      client_->IssueEmailHash(kBothApp, "Jane@Example.com");
  ASSERT_TRUE(lower.ok()) << lower.status();
  ASSERT_TRUE(upper.ok()) << upper.status();
  EXPECT_NE(lower->email_hash(), upper->email_hash());
  EXPECT_EQ(upper->email_hash(), ExpectedEmailHash(kBothHashSecret, "Jane@Example.com"));
}

TEST_F(IssueEmailHashTest, UpperCaseHexSecretIsDecodedLikeTheVendorSnippet) {
  absl::StatusOr<v1::IssueEmailHashResponse> r =
      client_->IssueEmailHash(kHashOnlyApp, "jane@example.com");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->email_hash(), ExpectedEmailHash(kHashOnlySecret, "jane@example.com"));
  EXPECT_EQ(r->secret_version(), 1u);
}

TEST_F(IssueEmailHashTest, EachWidgetUsesItsOwnSecret) {
  absl::StatusOr<v1::IssueEmailHashResponse> a =
      client_->IssueEmailHash(kBothApp, "jane@example.com");
  absl::StatusOr<v1::IssueEmailHashResponse> b =
      client_->IssueEmailHash(kHashOnlyApp, "jane@example.com");
  ASSERT_TRUE(a.ok()) << a.status();
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_NE(a->email_hash(), b->email_hash());
}

TEST_F(IssueEmailHashTest, UnknownAppIdIsNotFound) {
  EXPECT_THAT(client_->IssueEmailHash(kUnknownApp, "jane@example.com"),
              StatusIs(absl::StatusCode::kNotFound,
                       "app_id: no widget is registered with this app_id"));
}

TEST_F(IssueEmailHashTest, WidgetWithoutAnySecretIsFailedPrecondition) {
  EXPECT_THAT(client_->IssueEmailHash(kNoSecretsApp, "jane@example.com"),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       "app_id: the widget has no email_hash secret; register one with "
                       "RotateSecret"));
}

TEST_F(IssueEmailHashTest, WidgetWithOnlyAJwtSecretIsFailedPrecondition) {
  EXPECT_THAT(client_->IssueEmailHash(kJwtOnlyApp, "jane@example.com"),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       "app_id: the widget has no email_hash secret; register one with "
                       "RotateSecret"));
}

// Every bad input class, with the exact message. Validation comes before the
// keyring lookup, so a bad request for an unknown widget is INVALID_ARGUMENT.
struct BadHashRequest {
  std::string test_name;
  std::string app_id;
  std::string email;
  std::string message;
};

class IssueEmailHashInvalidTest : public IssueEmailHashTest,
                                  public ::testing::WithParamInterface<BadHashRequest> {};

TEST_P(IssueEmailHashInvalidTest, IsInvalidArgumentNamingTheField) {
  EXPECT_THAT(client_->IssueEmailHash(GetParam().app_id, GetParam().email),
              StatusIs(absl::StatusCode::kInvalidArgument, GetParam().message));
}

const std::string kGood = "jane@example.com";
const std::string kApp(kBothApp);

INSTANTIATE_TEST_SUITE_P(
    AllBadInputClasses, IssueEmailHashInvalidTest,
    ::testing::Values(
        BadHashRequest{"AppIdEmpty", "", kGood, "app_id: is required"},
        BadHashRequest{"AppIdTooLong", std::string(129, 'a'), kGood,
                       "app_id: must be at most 128 characters; got 129"},
        BadHashRequest{"AppIdSlash", "widget/1", kGood,
                       "app_id: must contain only the characters [A-Za-z0-9._-]"},
        BadHashRequest{"AppIdSpace", "widget 1", kGood,
                       "app_id: must contain only the characters [A-Za-z0-9._-]"},
        BadHashRequest{"AppIdNonAscii", "widg\xc3\xa9t", kGood,
                       "app_id: must contain only the characters [A-Za-z0-9._-]"},
        BadHashRequest{"AppIdCheckedBeforeEmail", "", "", "app_id: is required"},
        BadHashRequest{"EmailEmpty", kApp, "", "email: is required"},
        BadHashRequest{"EmailTooShort", kApp, "a@", "email: must be 3..254 bytes; got 2"},
        BadHashRequest{"EmailTooLong", kApp, std::string(64, 'x') + "@" + std::string(190, 'y'),
                       "email: must be 3..254 bytes; got 255"},
        BadHashRequest{"EmailNoAt", kApp, "jane.example.com",
                       "email: must contain exactly one '@'"},
        BadHashRequest{"EmailTwoAts", kApp, "jane@doe@example.com",
                       "email: must contain exactly one '@'"},
        BadHashRequest{"EmailEmptyLocalPart", kApp, "@example.com",
                       "email: the part before '@' must not be empty"},
        BadHashRequest{"EmailEmptyDomain", kApp, "jane@",
                       "email: the domain after '@' must not be empty"},
        BadHashRequest{"EmailInnerSpace", kApp, "jane doe@example.com",
                       "email: must not contain whitespace or control characters"},
        BadHashRequest{"EmailLeadingSpace", kApp, " jane@example.com",
                       "email: must not contain whitespace or control characters"},
        BadHashRequest{"EmailTrailingNewline", kApp, "jane@example.com\n",
                       "email: must not contain whitespace or control characters"},
        BadHashRequest{"EmailTab", kApp, "jane\t@example.com",
                       "email: must not contain whitespace or control characters"},
        BadHashRequest{"EmailNul", kApp, std::string("jane\0@example.com", 17),
                       "email: must not contain whitespace or control characters"},
        BadHashRequest{"EmailDel", kApp, "jane\x7f@example.com",
                       "email: must not contain whitespace or control characters"},
        BadHashRequest{"EmailNoBreakSpace", kApp, "jane\xc2\xa0@example.com",
                       "email: must not contain whitespace or control characters"},
        BadHashRequest{"EmailIdeographicSpace", kApp, "jane\xe3\x80\x80@example.com",
                       "email: must not contain whitespace or control characters"},
        BadHashRequest{"EmailC1Control", kApp, "jane\xc2\x85@example.com",
                       "email: must not contain whitespace or control characters"},
        BadHashRequest{"EmailCheckedBeforeWidgetLookup", std::string(kUnknownApp), "nobody",
                       "email: must contain exactly one '@'"}),
    [](const ::testing::TestParamInfo<BadHashRequest>& info) { return info.param.test_name; });

}  // namespace
}  // namespace identity::integration_testing
