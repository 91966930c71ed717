#include "server/audit/email_batch_digest.h"

#include <openssl/evp.h>

#include <array>
#include <cstdint>

#include "server/crypto/email_hasher.h"
#include "server/crypto/hex.h"

namespace identity::audit {

struct EmailBatchDigest::Sha256 {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  ~Sha256() { EVP_MD_CTX_free(ctx); }
};

EmailBatchDigest::EmailBatchDigest(const EmailPseudonymizer& emails) : emails_(emails) {
  if (emails_.mode() == EmailMode::kOmit) return;
  sha256_ = std::make_unique<Sha256>();
  // Fails only without memory; Finish() then reports nothing rather than a
  // wrong digest.
  if (sha256_->ctx == nullptr || EVP_DigestInit_ex(sha256_->ctx, EVP_sha256(), nullptr) != 1) {
    sha256_.reset();
  }
}

EmailBatchDigest::~EmailBatchDigest() = default;

void EmailBatchDigest::Add(absl::string_view email) {
  if (sha256_ == nullptr) return;
  if (emails_.mode() == EmailMode::kPseudonym) {
    std::array<char, crypto::kEmailHashHexLength + 1> line;
    emails_.PseudonymTo(email, line.data());
    line.back() = '\n';
    EVP_DigestUpdate(sha256_->ctx, line.data(), line.size());
    return;
  }
  EVP_DigestUpdate(sha256_->ctx, email.data(), email.size());
  EVP_DigestUpdate(sha256_->ctx, "\n", 1);
}

std::optional<std::string> EmailBatchDigest::Finish() {
  if (sha256_ == nullptr) return std::nullopt;
  std::array<std::uint8_t, 32> digest;
  unsigned int length = 0;
  const bool ok = EVP_DigestFinal_ex(sha256_->ctx, digest.data(), &length) == 1;
  sha256_.reset();
  if (!ok || length != digest.size()) return std::nullopt;
  std::string hex(2 * digest.size(), '\0');
  crypto::HexEncodeTo(digest, hex.data());
  return hex;
}

}  // namespace identity::audit
