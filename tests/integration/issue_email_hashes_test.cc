// IssueEmailHashes end to end: the real identityd on loopback, the real C++
// client, and every hash recomputed in the test with OpenSSL's one-shot
// HMAC() (the vendor's formula) and compared with IssueEmailHash's.

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "tests/integration/integration_fixture.h"

namespace identity::integration_testing {
namespace {

using ::testing::MatchesRegex;

// The contract's limit (proto/identity/v1/identity.proto).
constexpr int kLimit = 1000;

// `n` distinct valid emails of 20 bytes ("user0000@example.com"): 1,000 of
// them fit in the server's default 64 KiB request limit.
std::vector<std::string> Emails(int n) {
  std::vector<std::string> out;
  for (int i = 0; i < n; ++i) out.push_back(absl::StrFormat("user%04d@example.com", i));
  return out;
}

// One server for the suite: these tests only read.
class IssueEmailHashesTest : public SharedServerTest {};

TEST_F(IssueEmailHashesTest, EachHashEqualsIssueEmailHashAndTheVendorsHmac) {
  const std::vector<std::string> emails = {
      "jane@example.com",
      "Jane.Doe+support@Example.COM",
      "\"quoted.local\"@example.com",
      "jan\xc3\xa9@ex\xc3\xa4mple.com",
      "a@b",
      std::string(64, 'x') + "@" + std::string(189, 'y'),
      "jane@example.com",  // a repeat is hashed again
  };
  absl::StatusOr<v1::IssueEmailHashesResponse> r = client_->IssueEmailHashes(kBothApp, emails);
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->results_size(), static_cast<int>(emails.size()));
  EXPECT_EQ(r->secret_version(), 1u);
  for (std::size_t i = 0; i < emails.size(); ++i) {
    SCOPED_TRACE(emails[i]);
    const v1::EmailHashResult& result = r->results(static_cast<int>(i));
    ASSERT_EQ(result.result_case(), v1::EmailHashResult::kEmailHash);
    EXPECT_THAT(result.email_hash(), MatchesRegex("[0-9a-f]{64}"));
    EXPECT_EQ(result.email_hash(), ExpectedEmailHash(kBothHashSecret, emails[i]));
    absl::StatusOr<v1::IssueEmailHashResponse> one = client_->IssueEmailHash(kBothApp, emails[i]);
    ASSERT_TRUE(one.ok()) << one.status();
    EXPECT_EQ(result.email_hash(), one->email_hash());
  }
}

TEST_F(IssueEmailHashesTest, BadEmailsGetTheirOwnErrorAndTheOthersAreHashed) {
  const std::vector<std::string> emails = {
      "jane@example.com",     "jane.example.com",   "bob@example.com",
      "",                     "jane doe@example.com", "a@",
      "@example.com",         "carol@example.com",
  };
  // The message IssueEmailHash gives for the same email, naming emails[i].
  const std::vector<std::string> errors = {
      "",
      "emails[1]: must contain exactly one '@'",
      "",
      "emails[3]: is required",
      "emails[4]: must not contain whitespace or control characters",
      "emails[5]: must be 3..254 bytes; got 2",
      "emails[6]: the part before '@' must not be empty",
      "",
  };
  absl::StatusOr<v1::IssueEmailHashesResponse> r = client_->IssueEmailHashes(kBothApp, emails);
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->results_size(), static_cast<int>(emails.size()));
  for (std::size_t i = 0; i < emails.size(); ++i) {
    SCOPED_TRACE(i);
    const v1::EmailHashResult& result = r->results(static_cast<int>(i));
    if (errors[i].empty()) {
      EXPECT_EQ(result.email_hash(), ExpectedEmailHash(kBothHashSecret, emails[i]));
      EXPECT_FALSE(result.has_error());
    } else {
      ASSERT_TRUE(result.has_error());
      EXPECT_EQ(result.error().code(), static_cast<int>(absl::StatusCode::kInvalidArgument));
      EXPECT_EQ(result.error().message(), errors[i]);
      // The rule is IssueEmailHash's, word for word.
      EXPECT_THAT(client_->IssueEmailHash(kBothApp, emails[i]),
                  StatusIs(absl::StatusCode::kInvalidArgument,
                           absl::StrCat("email", errors[i].substr(errors[i].find(':')))));
    }
  }
}

TEST_F(IssueEmailHashesTest, NoEmailsIsAnEmptyAnswer) {
  absl::StatusOr<v1::IssueEmailHashesResponse> r = client_->IssueEmailHashes(kBothApp, {});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->results_size(), 0);
  EXPECT_EQ(r->secret_version(), 1u);
}

TEST_F(IssueEmailHashesTest, ExactlyTheLimitIsServed) {
  const std::vector<std::string> emails = Emails(kLimit);
  absl::StatusOr<v1::IssueEmailHashesResponse> r = client_->IssueEmailHashes(kHashOnlyApp, emails);
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->results_size(), kLimit);
  for (int i : {0, 1, kLimit / 2, kLimit - 1}) {
    EXPECT_EQ(r->results(i).email_hash(), ExpectedEmailHash(kHashOnlySecret, emails[i]));
  }
}

TEST_F(IssueEmailHashesTest, OneOverTheLimitIsInvalidArgumentNamingEmails) {
  EXPECT_THAT(client_->IssueEmailHashes(kBothApp, Emails(kLimit + 1)),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "emails: at most 1000 per call; got 1001"));
}

TEST_F(IssueEmailHashesTest, WholeCallErrors) {
  const std::vector<std::string> emails = {"jane@example.com"};
  EXPECT_THAT(client_->IssueEmailHashes(kUnknownApp, emails),
              StatusIs(absl::StatusCode::kNotFound,
                       "app_id: no widget is registered with this app_id"));
  EXPECT_THAT(client_->IssueEmailHashes(kJwtOnlyApp, emails),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       "app_id: the widget has no email_hash secret; register one with "
                       "RotateSecret"));
  EXPECT_THAT(client_->IssueEmailHashes(kNoSecretsApp, emails),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       "app_id: the widget has no email_hash secret; register one with "
                       "RotateSecret"));
  EXPECT_THAT(client_->IssueEmailHashes("widget/1", emails),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "app_id: must contain only the characters [A-Za-z0-9._-]"));
  // app_id first, then the count: a bad app_id with too many emails names app_id.
  EXPECT_THAT(client_->IssueEmailHashes("", Emails(kLimit + 1)),
              StatusIs(absl::StatusCode::kInvalidArgument, "app_id: is required"));
}

}  // namespace
}  // namespace identity::integration_testing
