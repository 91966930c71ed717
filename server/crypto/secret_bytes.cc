#include "server/crypto/secret_bytes.h"

namespace identity::crypto {

SecretBytes SecretBytes::Copy(absl::Span<const std::uint8_t> bytes) {
  SecretBytes out;
  out.bytes_.assign(bytes.begin(), bytes.end());
  return out;
}

SecretBytes SecretBytes::Copy(absl::string_view bytes) {
  return Copy(absl::Span<const std::uint8_t>(
      reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()));
}

}  // namespace identity::crypto
