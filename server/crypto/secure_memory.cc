#include "server/crypto/secure_memory.h"

#include <openssl/crypto.h>
#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "server/common/log.h"

namespace identity::crypto {
namespace {

// The smallest block the heap hands out. Key bytes are 16..256 bytes and an
// HMAC key's state is 64 bytes (two SHA-256 chaining values), so smaller
// blocks would only grow the heap's bitmaps.
constexpr std::size_t kMinBlock = 32;
constexpr std::size_t kMinHeap = 64 * 1024;
constexpr std::size_t kMaxHeap = std::size_t{1} << 30;
// Part of the heap SecureAllocate leaves to OpenSSL: once the heap is
// initialised, OpenSSL takes private keys and handshake secrets from it too,
// and CRYPTO_secure_malloc returns NULL (no fallback) when it is full, which
// would fail TLS handshakes.
constexpr std::size_t kMinReserve = 256 * 1024;

std::atomic<bool> heap_ready{false};
std::atomic<std::size_t> heap_size{0};
std::atomic<std::size_t> heap_reserve{0};
std::atomic<std::uint64_t> fallbacks{0};

#if !defined(OPENSSL_IS_BORINGSSL)
std::size_t RoundUpToPowerOfTwo(std::size_t n) {
  std::size_t p = 1;
  while (p < n) p <<= 1;
  return p;
}

// Raises RLIMIT_MEMLOCK's soft limit towards `bytes` (never above the hard
// limit), so that an operator who raised only the hard limit is enough.
void RaiseMemlockLimit(std::size_t bytes) {
  rlimit limit;
  if (getrlimit(RLIMIT_MEMLOCK, &limit) != 0) return;
  if (limit.rlim_cur == RLIM_INFINITY || limit.rlim_cur >= bytes) return;
  limit.rlim_cur = limit.rlim_max == RLIM_INFINITY ? bytes
                                                   : std::min<rlim_t>(limit.rlim_max, bytes);
  setrlimit(RLIMIT_MEMLOCK, &limit);
}

std::string MemlockLimitText() {
  rlimit limit;
  if (getrlimit(RLIMIT_MEMLOCK, &limit) != 0) return "unknown";
  if (limit.rlim_cur == RLIM_INFINITY) return "unlimited";
  return absl::StrCat(limit.rlim_cur, " bytes");
}
#endif  // !OPENSSL_IS_BORINGSSL

void* FallbackAllocate(std::size_t size, bool count) {
  if (count) {
    const std::uint64_t n = fallbacks.fetch_add(1, std::memory_order_relaxed) + 1;
    // Log the 1st, 2nd, 4th, 8th... so a full heap is visible without
    // flooding the log.
    if ((n & (n - 1)) == 0) {
      LogWarning(absl::StrCat(
          "secure heap full: ", n, " secret allocation(s) so far placed in ordinary memory "
          "(cleansed on free, but not locked and not excluded from core dumps); raise "
          "--secure_heap_bytes"));
    }
  }
  // malloc(0) may return null; ask for at least one byte so that a null
  // result always means "out of memory".
  void* ptr = std::malloc(size == 0 ? 1 : size);
  if (ptr == nullptr) throw std::bad_alloc();
  return ptr;
}

}  // namespace

#if defined(OPENSSL_IS_BORINGSSL)

// BoringSSL has no secure heap: secret memory is ordinary memory, cleansed on
// free. The crypto core still builds and passes its tests there.
absl::StatusOr<SecureHeapInfo> InitSecureHeap(std::size_t) {
  return absl::UnimplementedError("secure heap: not available with BoringSSL");
}

SecureMemoryStats GetSecureMemoryStats() { return SecureMemoryStats{}; }

void* SecureAllocate(std::size_t size) { return FallbackAllocate(size, /*count=*/false); }

void SecureFree(void* ptr, std::size_t size) {
  if (ptr == nullptr) return;
  OPENSSL_cleanse(ptr, size);
  std::free(ptr);
}

#else  // OpenSSL

absl::StatusOr<SecureHeapInfo> InitSecureHeap(std::size_t size_bytes) {
  if (size_bytes == 0 || size_bytes > kMaxHeap) {
    return absl::InvalidArgumentError(
        absl::StrCat("secure heap size must be 1..", kMaxHeap, " bytes"));
  }
  if (heap_ready.load() || CRYPTO_secure_malloc_initialized()) {
    return absl::FailedPreconditionError("secure heap: already initialised");
  }
  const std::size_t size = RoundUpToPowerOfTwo(std::max(size_bytes, kMinHeap));
  RaiseMemlockLimit(size);
  // 0: failed (nothing set up); 1: mapped, locked, guarded and excluded from
  // dumps; 2: usable, but mlock, madvise or mprotect was refused.
  const int result = CRYPTO_secure_malloc_init(size, kMinBlock);
  if (result == 0) {
    return absl::ResourceExhaustedError(
        absl::StrCat("secure heap: cannot map ", size, " bytes"));
  }
  heap_size.store(size);
  heap_reserve.store(std::min(size / 2, std::max(size / 8, kMinReserve)));
  heap_ready.store(true);

  SecureHeapInfo info;
  info.size_bytes = size;
  info.protected_by_os = result == 1;
  if (!info.protected_by_os) {
    info.warning = absl::StrCat(
        "the secure heap (", size, " bytes) is NOT fully protected: the OS refused to lock "
        "it in RAM or to exclude it from core dumps (RLIMIT_MEMLOCK is ", MemlockLimitText(),
        "); secrets may reach swap. Raise the memlock limit to at least ", size,
        " bytes (systemd LimitMEMLOCK=, docker --ulimit memlock=) or grant CAP_IPC_LOCK");
  }
  return info;
}

SecureMemoryStats GetSecureMemoryStats() {
  SecureMemoryStats stats;
  stats.heap_initialized = heap_ready.load();
  stats.heap_size_bytes = heap_size.load();
  stats.heap_used_bytes = stats.heap_initialized ? CRYPTO_secure_used() : 0;
  stats.fallback_allocations = fallbacks.load(std::memory_order_relaxed);
  return stats;
}

void* SecureAllocate(std::size_t size) {
  if (!heap_ready.load(std::memory_order_acquire)) return FallbackAllocate(size, false);
  // The block the buddy allocator would use. The check and the allocation are
  // not one atomic step: concurrent callers may dip a little into the
  // reserve, which is what the reserve is for.
  const std::size_t block = RoundUpToPowerOfTwo(std::max(size, kMinBlock));
  const std::size_t limit = heap_size.load() - heap_reserve.load();
  if (CRYPTO_secure_used() + block <= limit) {
    if (void* ptr = OPENSSL_secure_malloc(size == 0 ? 1 : size); ptr != nullptr) return ptr;
  }
  return FallbackAllocate(size, /*count=*/true);
}

void SecureFree(void* ptr, std::size_t size) {
  if (ptr == nullptr) return;
  if (heap_ready.load(std::memory_order_acquire) && CRYPTO_secure_allocated(ptr)) {
    // Cleanses the whole block, then returns it to the heap.
    OPENSSL_secure_clear_free(ptr, size);
    return;
  }
  OPENSSL_cleanse(ptr, size);
  std::free(ptr);
}

#endif  // OPENSSL_IS_BORINGSSL

}  // namespace identity::crypto
