#include "server/crypto/aes256_gcm.h"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <climits>
#include <cstring>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace identity::crypto {
namespace {

// EVP_CIPHER_CTX_free also cleanses the expanded key schedule.
struct CtxFree {
  void operator()(EVP_CIPHER_CTX* ctx) const { EVP_CIPHER_CTX_free(ctx); }
};
using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, CtxFree>;

// A non-null pointer for empty inputs: BoringSSL, and some OpenSSL paths,
// reject a null pointer even with a zero length.
const std::uint8_t kEmpty[1] = {0};
const std::uint8_t* NonNull(const void* data) {
  return data == nullptr ? kEmpty : static_cast<const std::uint8_t*>(data);
}

absl::Status CipherFailed(absl::string_view step) {
  return absl::InternalError(absl::StrCat("AES-256-GCM: ", step, " failed in the crypto library"));
}

// The lengths EVP takes are ints; identityd seals strings of a few hundred
// bytes, but a caller must not be able to wrap a length around.
constexpr std::size_t kMaxLength = INT_MAX - Aes256Gcm::kOverhead;

}  // namespace

absl::StatusOr<std::unique_ptr<Aes256Gcm>> Aes256Gcm::New(const SecretBytes& key) {
  if (key.size() != kKeySize) {
    return absl::InvalidArgumentError(
        absl::StrCat("AES-256-GCM key must be ", kKeySize, " bytes; got ", key.size()));
  }
  return std::unique_ptr<Aes256Gcm>(new Aes256Gcm(SecretBytes::Copy(key.span())));
}

absl::StatusOr<std::string> Aes256Gcm::Seal(absl::Span<const std::uint8_t> plaintext,
                                            absl::string_view associated_data) const {
  if (plaintext.size() > kMaxLength || associated_data.size() > kMaxLength) {
    return absl::InvalidArgumentError("AES-256-GCM: input too long");
  }
  std::string out(kNonceSize + plaintext.size() + kTagSize, '\0');
  std::uint8_t* nonce = reinterpret_cast<std::uint8_t*>(out.data());
  std::uint8_t* ciphertext = nonce + kNonceSize;
  std::uint8_t* tag = ciphertext + plaintext.size();
  if (RAND_bytes(nonce, kNonceSize) != 1) {
    return absl::InternalError("AES-256-GCM: the CSPRNG failed to produce a nonce");
  }

  CipherCtx ctx(EVP_CIPHER_CTX_new());
  if (ctx == nullptr) return CipherFailed("EVP_CIPHER_CTX_new");
  int len = 0;
  // 12 bytes is GCM's default IV length on both libraries; set it anyway so
  // the code does not depend on a default.
  if (EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, kNonceSize, nullptr) != 1 ||
      EVP_EncryptInit_ex(ctx.get(), nullptr, nullptr, key_.data(), nonce) != 1) {
    return CipherFailed("encryption set-up");
  }
  if (EVP_EncryptUpdate(ctx.get(), nullptr, &len, NonNull(associated_data.data()),
                        static_cast<int>(associated_data.size())) != 1) {
    return CipherFailed("authenticating the associated data");
  }
  int written = 0;
  if (EVP_EncryptUpdate(ctx.get(), ciphertext, &written, NonNull(plaintext.data()),
                        static_cast<int>(plaintext.size())) != 1 ||
      EVP_EncryptFinal_ex(ctx.get(), ciphertext + written, &len) != 1 ||
      static_cast<std::size_t>(written + len) != plaintext.size()) {
    return CipherFailed("encryption");
  }
  if (EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, kTagSize, tag) != 1) {
    return CipherFailed("reading the tag");
  }
  return out;
}

absl::StatusOr<SecretBytes> Aes256Gcm::Open(absl::string_view sealed,
                                            absl::string_view associated_data) const {
  if (sealed.size() < kOverhead) {
    return absl::DataLossError(absl::StrCat("AES-256-GCM: sealed data is ", sealed.size(),
                                            " bytes, shorter than nonce and tag (", kOverhead,
                                            ")"));
  }
  if (sealed.size() > kMaxLength || associated_data.size() > kMaxLength) {
    return absl::InvalidArgumentError("AES-256-GCM: input too long");
  }
  const std::uint8_t* nonce = reinterpret_cast<const std::uint8_t*>(sealed.data());
  const std::uint8_t* ciphertext = nonce + kNonceSize;
  const std::size_t ciphertext_len = sealed.size() - kOverhead;
  // EVP_CTRL_GCM_SET_TAG takes a non-const pointer; copy the tag.
  std::uint8_t tag[kTagSize];
  std::memcpy(tag, ciphertext + ciphertext_len, kTagSize);

  CipherCtx ctx(EVP_CIPHER_CTX_new());
  if (ctx == nullptr) return CipherFailed("EVP_CIPHER_CTX_new");
  int len = 0;
  if (EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, kNonceSize, nullptr) != 1 ||
      EVP_DecryptInit_ex(ctx.get(), nullptr, nullptr, key_.data(), nonce) != 1) {
    return CipherFailed("decryption set-up");
  }
  if (EVP_DecryptUpdate(ctx.get(), nullptr, &len, NonNull(associated_data.data()),
                        static_cast<int>(associated_data.size())) != 1) {
    return CipherFailed("authenticating the associated data");
  }
  SecretBytes out(ciphertext_len);
  // GCM decrypts before it can check the tag: `out` holds unauthenticated
  // plaintext until DecryptFinal succeeds, and is cleansed (SecretBytes) if it
  // does not.
  int written = 0;
  std::uint8_t scratch[1];
  if (EVP_DecryptUpdate(ctx.get(), ciphertext_len == 0 ? scratch : out.mutable_data(), &written,
                        NonNull(ciphertext), static_cast<int>(ciphertext_len)) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, kTagSize, tag) != 1) {
    return CipherFailed("decryption");
  }
  // The one failure that is not the library's: a tag mismatch.
  if (EVP_DecryptFinal_ex(ctx.get(), scratch, &len) != 1) {
    return absl::DataLossError(
        "AES-256-GCM: authentication failed (data altered or truncated, another key, or other "
        "associated data)");
  }
  if (static_cast<std::size_t>(written) != ciphertext_len) return CipherFailed("decryption");
  return out;
}

}  // namespace identity::crypto
