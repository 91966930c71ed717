// IssueEmailHashes's rules and work (server/service/email_hash_batch.h),
// without a server: the per-email errors carry IssueEmailHash's rule for every
// bad-email class, renamed to the email's index; the limit; the results and
// the audit event of a batch. Hashes are checked against OpenSSL's one-shot
// HMAC().

#include "server/service/email_hash_batch.h"

#include <openssl/hmac.h>

#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/crypto/email_hasher.h"
#include "server/crypto/hex.h"
#include "server/keyring/secret_version.h"
#include "server/service/request_validation.h"

namespace identity::service {
namespace {

using identity::v1::IssueEmailHashesRequest;
using identity::v1::IssueEmailHashesResponse;

constexpr absl::string_view kHashHex = "8e1b3f7a2c4d6e8f0a1b2c3d4e5f60718293a4b5c6d7e8f9";
constexpr absl::string_view kAuditKeyHex =
    "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

std::string ExpectedHash(absl::string_view email) {
  const std::string key = absl::HexStringToBytes(kHashHex);
  unsigned char tag[32];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(email.data()), email.size(), tag, &len);
  return absl::BytesToHexString(absl::string_view(reinterpret_cast<const char*>(tag), len));
}

// Every class of bad email (as tests/integration/issue_email_hash_test.cc
// lists them for IssueEmailHash).
const std::vector<std::string> kBadEmails = {
    "",
    "a@",
    std::string(64, 'x') + "@" + std::string(190, 'y'),
    "jane.example.com",
    "jane@doe@example.com",
    "@example.com",
    "jane@",
    "jane doe@example.com",
    "jane@example.com\n",
    std::string("jane\0@example.com", 17),
    "jane\xc2\xa0@example.com",
};

TEST(EmailHashBatchTest, EachBadEmailGetsIssueEmailHashsRuleUnderItsIndex) {
  for (std::size_t i = 0; i < kBadEmails.size(); ++i) {
    const absl::Status single = ValidateEmail(kBadEmails[i]);
    ASSERT_FALSE(single.ok()) << i;
    ASSERT_THAT(std::string(single.message()), ::testing::StartsWith("email: "));
    const identity::v1::EmailHashError error = EmailHashErrorAt(static_cast<int>(i), single);
    EXPECT_EQ(error.code(), static_cast<int>(absl::StatusCode::kInvalidArgument));
    const absl::string_view rule = single.message().substr(std::string("email: ").size());
    EXPECT_EQ(error.message(), absl::StrCat("emails[", i, "]: ", rule));
  }
}

TEST(EmailHashBatchTest, TheLimitIsAThousandEmailsAfterTheAppId) {
  IssueEmailHashesRequest request;
  request.set_app_id("demo");
  for (int i = 0; i < kMaxEmailsPerBatch; ++i) request.add_emails("a@b");
  EXPECT_TRUE(ValidateEmailHashesRequest(request).ok());
  request.add_emails("a@b");
  EXPECT_EQ(ValidateEmailHashesRequest(request),
            absl::InvalidArgumentError("emails: at most 1000 per call; got 1001"));
  request.set_app_id("");
  EXPECT_EQ(ValidateEmailHashesRequest(request), absl::InvalidArgumentError("app_id: is required"));
}

class EmailHashBatchKeyringTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<crypto::SecretBytes> key = crypto::StrictHexDecode(kHashHex);
    ASSERT_TRUE(key.ok());
    auto version =
        keyring::SecretVersion::Create(widget::SecretKind::kEmailHash, 4, *key, absl::Now());
    ASSERT_TRUE(version.ok()) << version.status();
    ASSERT_TRUE(keyring_.Install("demo", *version, 0).ok());
  }
  keyring::Keyring keyring_;
};

TEST_F(EmailHashBatchKeyringTest, HashesTheGoodEmailsInOrderAndRecordsTheBatch) {
  IssueEmailHashesRequest request;
  request.set_app_id("demo");
  const std::vector<std::string> emails = {"jane@example.com", "nope", "Bob@Example.com"};
  for (const std::string& e : emails) request.add_emails(e);
  IssueEmailHashesResponse response;
  audit::AuditEvent event;
  const audit::EmailPseudonymizer pseudonyms =
      audit::EmailPseudonymizer::Pseudonym(*crypto::EmailHasher::FromHexSecret(kAuditKeyHex));
  ASSERT_TRUE(IssueEmailHashBatch(keyring_, request, response, event, &pseudonyms).ok());
  ASSERT_EQ(response.results_size(), 3);
  EXPECT_EQ(response.results(0).email_hash(), ExpectedHash(emails[0]));
  EXPECT_EQ(response.results(1).error().message(), "emails[1]: must contain exactly one '@'");
  EXPECT_EQ(response.results(2).email_hash(), ExpectedHash(emails[2]));
  EXPECT_EQ(response.secret_version(), 4u);
  EXPECT_EQ(event.version, 4u);
  ASSERT_TRUE(event.batch.has_value());
  EXPECT_EQ(event.batch->emails, 3u);
  EXPECT_EQ(event.batch->hashed, 2u);
  EXPECT_THAT(event.batch->digest.value_or(""), ::testing::MatchesRegex("[0-9a-f]{64}"));
  EXPECT_FALSE(event.email.has_value());  // one event, no email in it

  // Unknown widget: the whole call fails, the batch is still recorded.
  request.set_app_id("nobody");
  audit::AuditEvent refused;
  EXPECT_EQ(IssueEmailHashBatch(keyring_, request, response, refused, nullptr).code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(refused.batch->emails, 3u);
  EXPECT_EQ(refused.batch->digest, std::nullopt);
}

}  // namespace
}  // namespace identity::service
