#ifndef IDENTITY_SERVER_CRYPTO_SECURE_MEMORY_H_
#define IDENTITY_SERVER_CRYPTO_SECURE_MEMORY_H_

#include <cstddef>
#include <memory>
#include <new>
#include <utility>

namespace identity::crypto {

// SecureAllocate returns `size` bytes for secret material. Every secret the
// service holds (key bytes, derived HMAC states) lives in memory from here, so
// that one place decides how secret memory is obtained and released. Never
// returns null: allocation failure throws std::bad_alloc, as `new` does.
void* SecureAllocate(std::size_t size);

// SecureFree overwrites `size` bytes at `ptr` with zeros in a way the compiler
// cannot elide (OPENSSL_cleanse), then releases them. `ptr` may be null.
void SecureFree(void* ptr, std::size_t size);

// SecureAllocator is a standard allocator over SecureAllocate/SecureFree, for
// containers of secret bytes: memory a container gives back (on destruction or
// on growth) is cleansed before it is freed.
template <typename T>
struct SecureAllocator {
  using value_type = T;
  SecureAllocator() noexcept = default;
  template <typename U>
  SecureAllocator(const SecureAllocator<U>&) noexcept {}  // NOLINT: allocator rebind
  T* allocate(std::size_t n) { return static_cast<T*>(SecureAllocate(n * sizeof(T))); }
  void deallocate(T* p, std::size_t n) noexcept { SecureFree(p, n * sizeof(T)); }
  template <typename U>
  bool operator==(const SecureAllocator<U>&) const noexcept { return true; }
};

// SecureDeleter destroys a T made by MakeSecure and cleanses its bytes.
template <typename T>
struct SecureDeleter {
  void operator()(T* p) const noexcept {
    if (p == nullptr) return;
    p->~T();
    SecureFree(p, sizeof(T));
  }
};

// SecureUniquePtr owns one object placed in secret memory.
template <typename T>
using SecureUniquePtr = std::unique_ptr<T, SecureDeleter<T>>;

// MakeSecure constructs a T in secret memory, like std::make_unique.
template <typename T, typename... Args>
SecureUniquePtr<T> MakeSecure(Args&&... args) {
  void* mem = SecureAllocate(sizeof(T));
  try {
    return SecureUniquePtr<T>(new (mem) T(std::forward<Args>(args)...));
  } catch (...) {
    SecureFree(mem, sizeof(T));
    throw;
  }
}

}  // namespace identity::crypto

#endif  // IDENTITY_SERVER_CRYPTO_SECURE_MEMORY_H_
