// SecureAllocate/SecureFree, SecureAllocator and MakeSecure/SecureDeleter.
//
// Not tested here: that SecureFree zeroes memory before releasing it. Seeing
// that would mean reading freed memory (undefined behaviour) or a test hook
// in production code; SecureFree is one OPENSSL_cleanse call followed by
// free().

#include <cstdint>
#include <cstring>
#include <vector>

#include "gtest/gtest.h"
#include "server/crypto/secure_memory.h"

namespace identity::crypto {
namespace {

TEST(SecureMemoryTest, AllocateGivesWritableMemoryEvenForZeroBytes) {
  for (std::size_t size : {0u, 1u, 64u, 4096u}) {
    void* p = SecureAllocate(size);
    ASSERT_NE(p, nullptr) << size;
    std::memset(p, 0x5a, size);
    SecureFree(p, size);
  }
}

TEST(SecureMemoryTest, FreeAcceptsNull) { SecureFree(nullptr, 16); }

TEST(SecureMemoryTest, AllocatorWorksForGrowingVectors) {
  std::vector<std::uint8_t, SecureAllocator<std::uint8_t>> v;
  for (int i = 0; i < 10000; ++i) v.push_back(static_cast<std::uint8_t>(i));
  ASSERT_EQ(v.size(), 10000u);
  for (int i = 0; i < 10000; ++i) ASSERT_EQ(v[i], static_cast<std::uint8_t>(i));
  EXPECT_TRUE(SecureAllocator<std::uint8_t>() == SecureAllocator<int>());
}

// Counts live instances, to see MakeSecure construct and SecureDeleter destroy.
struct Counted {
  static int live;
  explicit Counted(int v) : value(v) { ++live; }
  ~Counted() { --live; }
  int value;
};
int Counted::live = 0;

TEST(SecureMemoryTest, MakeSecureConstructsAndTheDeleterDestroys) {
  {
    SecureUniquePtr<Counted> p = MakeSecure<Counted>(42);
    EXPECT_EQ(p->value, 42);
    EXPECT_EQ(Counted::live, 1);
  }
  EXPECT_EQ(Counted::live, 0);
  SecureDeleter<Counted>()(nullptr);  // no-op
}

struct ThrowsOnConstruction {
  ThrowsOnConstruction() { throw 7; }
};

TEST(SecureMemoryTest, MakeSecurePropagatesConstructorExceptions) {
  EXPECT_THROW(MakeSecure<ThrowsOnConstruction>(), int);
}

}  // namespace
}  // namespace identity::crypto
