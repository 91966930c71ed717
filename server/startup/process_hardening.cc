#include "server/startup/process_hardening.h"

#include <sys/prctl.h>
#include <sys/resource.h>

#include <cerrno>
#include <cstdint>
#include <cstring>

#include "absl/flags/flag.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "server/common/log.h"
#include "server/crypto/secure_memory.h"

ABSL_FLAG(int64_t, secure_heap_bytes, 64 << 20,
          "Size of the secure heap holding every secret (rounded up to a power of two): locked "
          "in RAM, excluded from core dumps, guard pages. About 512 bytes per widget with both "
          "secrets; the default fits ~100k widgets. Needs RLIMIT_MEMLOCK >= this size (or "
          "CAP_IPC_LOCK), else it works unlocked with a warning. When full, further secrets go "
          "to ordinary memory with a warning. 0: no secure heap.");

namespace identity {
namespace {

// Non-dumpable, no core files. The OS may refuse either (a seccomp filter, a
// hard limit set by the parent): a warning, not a failed start.
void DisableCoreDumps() {
  if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0) {
    LogWarning(absl::StrCat("cannot mark the process non-dumpable (PR_SET_DUMPABLE): ",
                            std::strerror(errno)));
  }
  const rlimit no_core = {0, 0};
  if (setrlimit(RLIMIT_CORE, &no_core) != 0) {
    LogWarning(absl::StrCat("cannot disable core files (RLIMIT_CORE): ", std::strerror(errno)));
  }
}

absl::Status SetUpSecureHeap(int64_t heap_bytes) {
  if (heap_bytes < 0) return absl::InvalidArgumentError("--secure_heap_bytes: must be >= 0");
  if (heap_bytes == 0) {
    LogWarning(
        "--secure_heap_bytes=0: secrets live in ordinary memory (cleansed on release, but not "
        "locked in RAM)");
    return absl::OkStatus();
  }
  absl::StatusOr<crypto::SecureHeapInfo> heap =
      crypto::InitSecureHeap(static_cast<std::size_t>(heap_bytes));
  if (absl::IsInvalidArgument(heap.status())) {
    return absl::InvalidArgumentError(
        absl::StrCat("--secure_heap_bytes: ", heap.status().message()));
  }
  if (!heap.ok()) {
    LogWarning(absl::StrCat("secure heap unavailable (", heap.status().message(),
                            "): secrets live in ordinary memory, cleansed on release"));
    return absl::OkStatus();
  }
  if (!heap->protected_by_os) {
    LogWarning(heap->warning);
  } else {
    LogInfo(absl::StrCat("secure heap: ", heap->size_bytes,
                         " bytes, locked in RAM and excluded from core dumps"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status HardenProcessFromFlags() {
  DisableCoreDumps();
  return SetUpSecureHeap(absl::GetFlag(FLAGS_secure_heap_bytes));
}

void LogSecretMemoryAtShutdown() {
  const crypto::SecureMemoryStats stats = crypto::GetSecureMemoryStats();
  if (!stats.heap_initialized) return;
  LogInfo(absl::StrCat("secure heap at shutdown: ", stats.heap_used_bytes, " of ",
                       stats.heap_size_bytes, " bytes in use; ", stats.fallback_allocations,
                       " secret allocation(s) fell back to ordinary memory"));
}

}  // namespace identity
