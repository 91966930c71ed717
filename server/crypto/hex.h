#ifndef IDENTITY_SERVER_CRYPTO_HEX_H_
#define IDENTITY_SERVER_CRYPTO_HEX_H_

#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "server/crypto/secret_bytes.h"

namespace identity::crypto {

// HexEncodeTo writes the lowercase hex form of `bytes` to `out`, which must
// have room for 2 * bytes.size() characters. No terminator is written.
void HexEncodeTo(absl::Span<const std::uint8_t> bytes, char* out);

// HexEncode returns the lowercase hex form of `bytes`: {0xab, 0x01} -> "ab01".
std::string HexEncode(absl::Span<const std::uint8_t> bytes);

// StrictHexDecode decodes `hex` into secret memory. Accepts digits in either
// case; rejects (kInvalidArgument) an odd length or any character outside
// [0-9a-fA-F], including whitespace and a "0x" prefix. The error message never
// quotes the input: it may be a secret.
absl::StatusOr<SecretBytes> StrictHexDecode(absl::string_view hex);

}  // namespace identity::crypto

#endif  // IDENTITY_SERVER_CRYPTO_HEX_H_
