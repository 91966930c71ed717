#ifndef IDENTITY_SERVER_CRYPTO_HMAC_SHA256_KEY_H_
#define IDENTITY_SERVER_CRYPTO_HMAC_SHA256_KEY_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <initializer_list>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "server/crypto/secure_memory.h"

namespace identity::crypto {

// The size of an HMAC-SHA256 tag in bytes.
inline constexpr std::size_t kHmacSha256Size = 32;

// HmacSha256Key is an HMAC-SHA256 key made ready for signing many messages:
// the SHA-256 states after absorbing key XOR ipad and key XOR opad are computed
// once, at construction, and each Sign() continues copies of them (the
// precomputation of RFC 2104 section 4). A call then costs two SHA-256
// compressions for a short message, with no allocation, no lock and no
// per-thread state, and any number of threads may call Sign() at once.
//
// The derived states are as sensitive as the key: they live in secret memory
// and are cleansed on destruction. Immutable after construction.
class HmacSha256Key {
 public:
  // Makes a key from `key` bytes. Accepts any length, including 0 and more than
  // one SHA-256 block (such keys are hashed first, as RFC 2104 requires);
  // callers enforce their own size rules. Fails (kInternal) only if the crypto
  // library fails.
  static absl::StatusOr<HmacSha256Key> New(absl::Span<const std::uint8_t> key);

  // Defined where State is complete. A moved-from key must not be used.
  HmacSha256Key(HmacSha256Key&&) noexcept;
  HmacSha256Key& operator=(HmacSha256Key&&) noexcept;
  ~HmacSha256Key();

  // Writes HMAC-SHA256(key, concatenation of `parts`) to `out_tag`. Taking the
  // message in parts lets a caller sign "header.claims" without joining them.
  void Sign(std::initializer_list<absl::string_view> parts,
            std::array<std::uint8_t, kHmacSha256Size>& out_tag) const;

  // Sign() for a single message.
  void Sign(absl::string_view message,
            std::array<std::uint8_t, kHmacSha256Size>& out_tag) const {
    Sign({message}, out_tag);
  }

 private:
  struct State;
  explicit HmacSha256Key(SecureUniquePtr<State> state);

  SecureUniquePtr<State> state_;
};

}  // namespace identity::crypto

#endif  // IDENTITY_SERVER_CRYPTO_HMAC_SHA256_KEY_H_
