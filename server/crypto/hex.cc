#include "server/crypto/hex.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace identity::crypto {
namespace {

constexpr char kHexDigits[] = "0123456789abcdef";

// Returns the value of one hex digit, or -1. A branchy lookup is fine here:
// secrets are decoded once per rotation, not per call.
int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

void HexEncodeTo(absl::Span<const std::uint8_t> bytes, char* out) {
  for (std::uint8_t b : bytes) {
    *out++ = kHexDigits[b >> 4];
    *out++ = kHexDigits[b & 0x0f];
  }
}

std::string HexEncode(absl::Span<const std::uint8_t> bytes) {
  std::string out(bytes.size() * 2, '\0');
  HexEncodeTo(bytes, out.data());
  return out;
}

absl::StatusOr<SecretBytes> StrictHexDecode(absl::string_view hex) {
  if (hex.size() % 2 != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("must be hex with an even number of digits (got ", hex.size(), ")"));
  }
  SecretBytes out(hex.size() / 2);
  for (std::size_t i = 0; i < out.size(); ++i) {
    const int hi = HexValue(hex[2 * i]);
    const int lo = HexValue(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) {
      // Position, not the character: the input may be a secret.
      return absl::InvalidArgumentError(absl::StrCat(
          "must contain only hex digits [0-9a-fA-F] (offending character at offset ",
          hi < 0 ? 2 * i : 2 * i + 1, ")"));
    }
    out.mutable_data()[i] = static_cast<std::uint8_t>((hi << 4) | lo);
  }
  return out;
}

}  // namespace identity::crypto
