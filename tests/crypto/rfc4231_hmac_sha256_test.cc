// HmacSha256Key against the HMAC-SHA-256 test cases of RFC 4231 (read from
// tests/testdata/rfc4231_hmac_sha256.json).

#include <array>
#include <cstdint>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/types/span.h"
#include "gtest/gtest.h"
#include "server/crypto/hmac_sha256_key.h"
#include "tests/crypto/jwt_test_verifier.h"
#include "tests/crypto/test_vectors.h"

namespace identity::crypto {
namespace {

using crypto_testing::Rfc4231Vector;

std::string AsString(absl::Span<const std::uint8_t> bytes) {
  return std::string(reinterpret_cast<const char*>(bytes.data()), bytes.size());
}

// The first `n` bytes of a tag.
std::string Prefix(const std::array<std::uint8_t, kHmacSha256Size>& tag, std::size_t n) {
  return std::string(reinterpret_cast<const char*>(tag.data()), n);
}

TEST(Rfc4231VectorFileTest, HoldsTestCasesOneToSeven) {
  absl::StatusOr<std::vector<Rfc4231Vector>> vectors = crypto_testing::LoadRfc4231Vectors();
  ASSERT_TRUE(vectors.ok()) << vectors.status();
  ASSERT_EQ(vectors->size(), 7u);
  for (int i = 0; i < 7; ++i) {
    EXPECT_EQ((*vectors)[i].test_case, i + 1);
    EXPECT_EQ((*vectors)[i].mac.size(), i + 1 == 5 ? 16u : 32u);
  }
  // Cases 6 and 7 are the ones with a key longer than a SHA-256 block.
  EXPECT_EQ((*vectors)[5].key.size(), 131u);
  EXPECT_EQ((*vectors)[6].key.size(), 131u);
}

class Rfc4231Test : public testing::TestWithParam<Rfc4231Vector> {};

TEST_P(Rfc4231Test, HmacSha256KeyMatchesTheRfc) {
  const Rfc4231Vector& v = GetParam();
  absl::StatusOr<HmacSha256Key> key = HmacSha256Key::New(v.key);
  ASSERT_TRUE(key.ok()) << key.status();
  std::array<std::uint8_t, kHmacSha256Size> tag;
  key->Sign(AsString(v.data), tag);
  EXPECT_EQ(Prefix(tag, v.mac.size()), AsString(v.mac));
}

TEST_P(Rfc4231Test, MessageSplitAnywhereGivesTheSameTag) {
  const Rfc4231Vector& v = GetParam();
  absl::StatusOr<HmacSha256Key> key = HmacSha256Key::New(v.key);
  ASSERT_TRUE(key.ok()) << key.status();
  const std::string data = AsString(v.data);
  for (std::size_t cut = 0; cut <= data.size(); ++cut) {
    std::array<std::uint8_t, kHmacSha256Size> tag;
    key->Sign({absl::string_view(data).substr(0, cut), absl::string_view(data).substr(cut)}, tag);
    EXPECT_EQ(Prefix(tag, v.mac.size()), AsString(v.mac)) << "split at " << cut;
  }
}

TEST_P(Rfc4231Test, LibraryOneShotHmacAgrees) {
  // Guards the transcription of the file as much as the library.
  const Rfc4231Vector& v = GetParam();
  const std::string mac = crypto_testing::OneShotHmacSha256(AsString(v.key), AsString(v.data));
  ASSERT_EQ(mac.size(), 32u);
  EXPECT_EQ(mac.substr(0, v.mac.size()), AsString(v.mac));
}

INSTANTIATE_TEST_SUITE_P(Rfc4231, Rfc4231Test,
                         testing::ValuesIn(crypto_testing::Rfc4231VectorsOrEmpty()),
                         [](const testing::TestParamInfo<Rfc4231Vector>& info) {
                           return absl::StrCat("TestCase", info.param.test_case);
                         });

}  // namespace
}  // namespace identity::crypto
