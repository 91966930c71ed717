// SecretBytes: construction, copies in, and moves that hand over the buffer
// without duplicating the secret.

#include <cstdint>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "gtest/gtest.h"
#include "server/crypto/secret_bytes.h"

namespace identity::crypto {
namespace {

static_assert(!std::is_copy_constructible_v<SecretBytes>, "a secret must not be copied implicitly");
static_assert(!std::is_copy_assignable_v<SecretBytes>, "a secret must not be copied implicitly");
static_assert(std::is_nothrow_move_constructible_v<SecretBytes>);
static_assert(std::is_nothrow_move_assignable_v<SecretBytes>);

TEST(SecretBytesTest, DefaultIsEmpty) {
  SecretBytes s;
  EXPECT_TRUE(s.empty());
  EXPECT_EQ(s.size(), 0u);
  EXPECT_TRUE(s.view().empty());
  EXPECT_TRUE(s.span().empty());
}

TEST(SecretBytesTest, SizedConstructorZeroFills) {
  SecretBytes s(33);
  ASSERT_EQ(s.size(), 33u);
  for (std::size_t i = 0; i < s.size(); ++i) EXPECT_EQ(s.data()[i], 0) << i;
  s.mutable_data()[5] = 0xab;
  EXPECT_EQ(s.span()[5], 0xab);
}

TEST(SecretBytesTest, CopyFromTextAndFromBytes) {
  const std::string text("se\0cret\xff", 8);
  SecretBytes from_text = SecretBytes::Copy(absl::string_view(text));
  EXPECT_EQ(from_text.size(), 8u);
  EXPECT_TRUE(from_text.view() == text);

  const std::vector<std::uint8_t> bytes = {0, 1, 2, 0xfe, 0xff};
  SecretBytes from_bytes = SecretBytes::Copy(absl::MakeConstSpan(bytes));
  ASSERT_EQ(from_bytes.size(), bytes.size());
  EXPECT_TRUE(std::equal(bytes.begin(), bytes.end(), from_bytes.data()));

  // A copy owns its bytes: changing the source does not change it.
  std::string source = "original";
  SecretBytes copy = SecretBytes::Copy(absl::string_view(source));
  source[0] = 'X';
  EXPECT_TRUE(copy.view() == "original");
}

TEST(SecretBytesTest, MoveConstructionHandsOverTheBuffer) {
  SecretBytes a = SecretBytes::Copy(absl::string_view("0123456789abcdef"));
  const std::uint8_t* buffer = a.data();
  SecretBytes b(std::move(a));
  EXPECT_EQ(b.data(), buffer) << "the move copied the secret instead of taking its buffer";
  EXPECT_TRUE(b.view() == "0123456789abcdef");
  EXPECT_TRUE(a.empty());  // NOLINT(bugprone-use-after-move): checking the moved-from state
}

TEST(SecretBytesTest, MoveAssignmentHandsOverTheBuffer) {
  SecretBytes a = SecretBytes::Copy(absl::string_view("0123456789abcdef"));
  SecretBytes b = SecretBytes::Copy(absl::string_view("old value"));
  const std::uint8_t* buffer = a.data();
  b = std::move(a);
  EXPECT_EQ(b.data(), buffer);
  EXPECT_TRUE(b.view() == "0123456789abcdef");
  EXPECT_TRUE(a.empty());  // NOLINT(bugprone-use-after-move)
}

}  // namespace
}  // namespace identity::crypto
