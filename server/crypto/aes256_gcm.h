#ifndef IDENTITY_SERVER_CRYPTO_AES256_GCM_H_
#define IDENTITY_SERVER_CRYPTO_AES256_GCM_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "server/crypto/secret_bytes.h"

namespace identity::crypto {

// Aes256Gcm seals and opens short byte strings with AES-256-GCM under one key,
// binding each to associated data (bytes that are authenticated, not stored).
// A sealed string is self-contained:
//
//   nonce (12 bytes, random) || ciphertext (as long as the plaintext) || tag (16 bytes)
//
// Nonces are 96 random bits from the CSPRNG, fresh for every Seal(). With
// random nonces, NIST SP 800-38D (8.3) allows at most 2^32 seals per key to
// keep the chance of a nonce repeat below 2^-32; callers must stay far below
// that (identityd seals one string per rotation).
//
// Immutable and thread-safe. The key lives in secret memory and is cleansed on
// destruction. The code is the same for OpenSSL 3 and BoringSSL: both offer
// EVP_aes_256_gcm() through the EVP_CIPHER interface with the GCM ctrls.
//
//   absl::StatusOr<std::unique_ptr<Aes256Gcm>> aead = Aes256Gcm::New(key);
//   absl::StatusOr<std::string> sealed = (*aead)->Seal(plaintext, "context");
//   absl::StatusOr<SecretBytes> opened = (*aead)->Open(*sealed, "context");
class Aes256Gcm {
 public:
  // The key size: AES-256.
  static constexpr std::size_t kKeySize = 32;
  // The nonce prepended to every sealed string.
  static constexpr std::size_t kNonceSize = 12;
  // The authentication tag appended to every sealed string.
  static constexpr std::size_t kTagSize = 16;
  // How much longer a sealed string is than its plaintext.
  static constexpr std::size_t kOverhead = kNonceSize + kTagSize;

  // Makes a sealer from a copy of `key`. kInvalidArgument unless the key is
  // exactly 32 bytes (the message gives the size, never the key).
  static absl::StatusOr<std::unique_ptr<Aes256Gcm>> New(const SecretBytes& key);

  Aes256Gcm(const Aes256Gcm&) = delete;
  Aes256Gcm& operator=(const Aes256Gcm&) = delete;

  // Encrypts `plaintext` (may be empty) under a fresh random nonce and
  // authenticates it together with `associated_data`. Returns nonce ||
  // ciphertext || tag. kInternal if the CSPRNG or the cipher fails.
  absl::StatusOr<std::string> Seal(absl::Span<const std::uint8_t> plaintext,
                                   absl::string_view associated_data) const;

  // Checks and decrypts a string made by Seal() with the same key and the same
  // `associated_data`, into secret memory. kDataLoss if it is too short to be
  // sealed or fails authentication: altered, truncated, sealed under another
  // key, or sealed with other associated data (GCM cannot tell which).
  absl::StatusOr<SecretBytes> Open(absl::string_view sealed,
                                   absl::string_view associated_data) const;

 private:
  explicit Aes256Gcm(SecretBytes key) : key_(std::move(key)) {}

  const SecretBytes key_;
};

}  // namespace identity::crypto

#endif  // IDENTITY_SERVER_CRYPTO_AES256_GCM_H_
