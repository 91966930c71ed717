#include "server/audit/audit_event.h"

#include <cstdint>

#include "absl/random/random.h"
#include "absl/strings/str_format.h"

namespace identity::audit {

std::string NewRandomId() {
  // Identifiers need uniqueness, not secrecy: a per-thread generator seeded
  // from the OS is enough and costs nanoseconds (no lock, no system call).
  thread_local absl::BitGen gen;
  const std::uint64_t hi = absl::Uniform<std::uint64_t>(gen);
  const std::uint64_t lo = absl::Uniform<std::uint64_t>(gen);
  // Version 4 (random) and the RFC 4122 variant bits.
  const std::uint64_t time_hi = ((hi & 0x0fffu) | 0x4000u);
  const std::uint64_t clock_seq = ((lo >> 48) & 0x3fffu) | 0x8000u;
  return absl::StrFormat("%08x-%04x-%04x-%04x-%012x", hi >> 32, (hi >> 16) & 0xffffu, time_hi,
                         clock_seq, lo & 0xffffffffffffull);
}

}  // namespace identity::audit
