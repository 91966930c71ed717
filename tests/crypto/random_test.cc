// RandomSecretBytes: sizes and freshness.

#include <set>
#include <string>

#include "gtest/gtest.h"
#include "server/crypto/random.h"

namespace identity::crypto {
namespace {

TEST(RandomSecretBytesTest, ReturnsTheRequestedSize) {
  for (std::size_t n : {0u, 1u, 16u, 32u, 1000u}) {
    absl::StatusOr<SecretBytes> bytes = RandomSecretBytes(n);
    ASSERT_TRUE(bytes.ok()) << bytes.status();
    EXPECT_EQ(bytes->size(), n);
  }
}

TEST(RandomSecretBytesTest, CallsGiveDifferentBytes) {
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) {
    absl::StatusOr<SecretBytes> bytes = RandomSecretBytes(32);
    ASSERT_TRUE(bytes.ok());
    EXPECT_TRUE(seen.insert(std::string(bytes->view())).second) << "draw " << i << " repeated";
  }
}

TEST(RandomSecretBytesTest, UsesEveryByteOfTheBuffer) {
  // Over 16 KiB, each of the 256 values shows up (a buffer left partly
  // zero, or bytes drawn from a tiny range, would not). For uniform bytes
  // the chance that some value is missing is about 256 * e^-64: never.
  absl::StatusOr<SecretBytes> bytes = RandomSecretBytes(16384);
  ASSERT_TRUE(bytes.ok());
  std::set<int> values(bytes->data(), bytes->data() + bytes->size());
  EXPECT_EQ(values.size(), 256u);
}

}  // namespace
}  // namespace identity::crypto
