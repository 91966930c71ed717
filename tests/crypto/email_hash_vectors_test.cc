// EmailHasher against vectors produced by the widget vendor's own Python and
// Node.js snippets (tests/testdata/email_hash_vectors.json; see its README).

#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "server/crypto/email_hasher.h"
#include "tests/crypto/test_vectors.h"

namespace identity::crypto {
namespace {

using crypto_testing::EmailHashVector;

TEST(EmailHashVectorFileTest, HoldsEveryInputPair) {
  absl::StatusOr<std::vector<EmailHashVector>> vectors = crypto_testing::LoadEmailHashVectors();
  ASSERT_TRUE(vectors.ok()) << vectors.status();
  // 7 secrets x 23 emails in email_hash_inputs.json.
  EXPECT_EQ(vectors->size(), 161u);
}

class EmailHashVectorTest : public testing::TestWithParam<EmailHashVector> {};

TEST_P(EmailHashVectorTest, HashMatchesTheVendorSnippets) {
  const EmailHashVector& v = GetParam();
  absl::StatusOr<EmailHasher> hasher = EmailHasher::FromHexSecret(v.secret);
  ASSERT_TRUE(hasher.ok()) << hasher.status();
  EXPECT_EQ(hasher->Hash(v.email), v.email_hash);
}

TEST_P(EmailHashVectorTest, HashToWritesTheSameHash) {
  const EmailHashVector& v = GetParam();
  absl::StatusOr<EmailHasher> hasher = EmailHasher::FromHexSecret(v.secret);
  ASSERT_TRUE(hasher.ok()) << hasher.status();
  // Guard bytes on both sides: HashTo must write exactly 64 characters.
  std::string buffer(kEmailHashHexLength + 2, '#');
  hasher->HashTo(v.email, buffer.data() + 1);
  EXPECT_EQ(buffer.front(), '#');
  EXPECT_EQ(buffer.back(), '#');
  EXPECT_EQ(buffer.substr(1, kEmailHashHexLength), v.email_hash);
}

INSTANTIATE_TEST_SUITE_P(VendorSnippets, EmailHashVectorTest,
                         testing::ValuesIn(crypto_testing::EmailHashVectorsOrEmpty()),
                         [](const testing::TestParamInfo<EmailHashVector>& info) {
                           return absl::StrCat("Vector", info.param.index);
                         });

}  // namespace
}  // namespace identity::crypto
