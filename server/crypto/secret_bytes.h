#ifndef IDENTITY_SERVER_CRYPTO_SECRET_BYTES_H_
#define IDENTITY_SERVER_CRYPTO_SECRET_BYTES_H_

#include <cstddef>
#include <cstdint>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "server/crypto/secure_memory.h"

namespace identity::crypto {

// SecretBytes owns a secret byte string (a key, a secret as displayed) in
// secret memory and cleanses it when destroyed or overwritten. Move-only, so a
// secret is never silently duplicated; there is deliberately no operator<< and
// no implicit conversion to std::string.
//
//   SecretBytes key = SecretBytes::Copy(absl::string_view(text));
//   Use(key.span());
class SecretBytes {
 public:
  SecretBytes() = default;
  // Makes `size` zero bytes, to be filled through mutable_data().
  explicit SecretBytes(std::size_t size) : bytes_(size) {}
  SecretBytes(SecretBytes&&) noexcept = default;
  SecretBytes& operator=(SecretBytes&&) noexcept = default;
  SecretBytes(const SecretBytes&) = delete;
  SecretBytes& operator=(const SecretBytes&) = delete;

  // Copies `bytes` into a new SecretBytes.
  static SecretBytes Copy(absl::Span<const std::uint8_t> bytes);
  static SecretBytes Copy(absl::string_view bytes);

  const std::uint8_t* data() const { return bytes_.data(); }
  std::uint8_t* mutable_data() { return bytes_.data(); }
  std::size_t size() const { return bytes_.size(); }
  bool empty() const { return bytes_.empty(); }
  absl::Span<const std::uint8_t> span() const { return bytes_; }
  // The bytes as characters, for APIs that take text (e.g. a JWT secret).
  absl::string_view view() const {
    return absl::string_view(reinterpret_cast<const char*>(bytes_.data()), bytes_.size());
  }

 private:
  std::vector<std::uint8_t, SecureAllocator<std::uint8_t>> bytes_;
};

}  // namespace identity::crypto

#endif  // IDENTITY_SERVER_CRYPTO_SECRET_BYTES_H_
