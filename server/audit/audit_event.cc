#include "server/audit/audit_event.h"

#include <cstdint>

#include "absl/random/random.h"

namespace identity::audit {

std::string NewRandomId() {
  // Identifiers need uniqueness, not secrecy: a per-thread generator seeded
  // from the OS is enough and costs nanoseconds (no lock, no system call).
  thread_local absl::BitGen gen;
  const std::uint64_t hi = absl::Uniform<std::uint64_t>(gen);
  const std::uint64_t lo = absl::Uniform<std::uint64_t>(gen);
  // Version 4 (random) and the RFC 4122 variant bits, in the 8-4-4-4-12 hex
  // form, written by hand: it runs twice per call and absl::StrFormat cost
  // several times more.
  const std::uint64_t v4_hi = (hi & ~0xf000ull) | 0x4000ull;
  const std::uint64_t v4_lo = (lo & ~(0xc000ull << 48)) | (0x8000ull << 48);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id(36, '-');
  int pos = 0;
  for (int i = 0; i < 32; ++i) {
    if (pos == 8 || pos == 13 || pos == 18 || pos == 23) ++pos;
    const std::uint64_t word = i < 16 ? v4_hi : v4_lo;
    id[pos++] = kHex[(word >> (60 - 4 * (i % 16))) & 0xf];
  }
  return id;
}

}  // namespace identity::audit
