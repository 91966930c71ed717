#ifndef IDENTITY_SERVER_CRYPTO_SECURE_MEMORY_H_
#define IDENTITY_SERVER_CRYPTO_SECURE_MEMORY_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <new>
#include <string>
#include <utility>

#include "absl/status/statusor.h"

namespace identity::crypto {

// What InitSecureHeap achieved.
struct SecureHeapInfo {
  // The heap's size in bytes (the requested size rounded up to a power of two).
  std::size_t size_bytes = 0;
  // True if the heap's pages are locked in RAM (mlock: never swapped out) and
  // excluded from core dumps (MADV_DONTDUMP), with guard pages around it.
  // False means the heap works but the OS refused one of these protections;
  // `warning` says which limit to raise.
  bool protected_by_os = false;
  // Empty when protected_by_os; else a sentence for the operator.
  std::string warning;
};

// InitSecureHeap sets up the process's secure heap: `size_bytes` (rounded up
// to a power of two) of memory mapped once, locked in RAM, excluded from core
// dumps and fenced by guard pages (OpenSSL's CRYPTO_secure_malloc_init). From
// then on SecureAllocate takes memory from it. Call once, at start-up, before
// any secret is loaded; OpenSSL also places its own private keys there (e.g.
// the TLS key and handshake secrets).
//
// If RLIMIT_MEMLOCK's soft limit is below the heap size it is raised up to the
// hard limit first. If the OS still refuses to lock the pages (a small
// RLIMIT_MEMLOCK without CAP_IPC_LOCK) the heap is used anyway and the result
// says so: degrade with a warning, never fail.
//
// kInvalidArgument for a size of 0 or above 1 GiB; kFailedPrecondition if
// called twice; kUnimplemented when built against BoringSSL, which has no
// secure heap (SecureAllocate then uses plain memory, cleansed on free).
absl::StatusOr<SecureHeapInfo> InitSecureHeap(std::size_t size_bytes);

// A snapshot of secret-memory use, for logs and tests.
struct SecureMemoryStats {
  bool heap_initialized = false;   // InitSecureHeap succeeded
  std::size_t heap_size_bytes = 0;
  // Bytes in use in the heap, by identityd and by OpenSSL itself (rounded up
  // to the heap's block sizes).
  std::size_t heap_used_bytes = 0;
  // SecureAllocate calls served from ordinary memory (still cleansed on free)
  // because the heap was full or not initialised. Counted only after
  // InitSecureHeap.
  std::uint64_t fallback_allocations = 0;
};

// Returns the current secret-memory statistics.
SecureMemoryStats GetSecureMemoryStats();

// SecureAllocate returns `size` bytes for secret material. Every secret the
// service holds (key bytes, derived HMAC states) lives in memory from here, so
// that one place decides how secret memory is obtained and released: from the
// secure heap once InitSecureHeap has run, else from malloc. When the heap is
// nearly full, the allocation falls back to malloc with a warning (logged the
// first time and at every power of two, counted in
// SecureMemoryStats::fallback_allocations): a rotation never fails for lack of
// locked memory. A reserve of the heap is never used here, so that OpenSSL's
// own secure allocations (TLS handshakes) still succeed. Never returns null:
// allocation failure throws std::bad_alloc, as `new` does.
void* SecureAllocate(std::size_t size);

// SecureFree overwrites `size` bytes at `ptr` with zeros in a way the compiler
// cannot elide (OPENSSL_cleanse; for heap blocks the whole block), then
// releases them to wherever they came from. `ptr` may be null.
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
