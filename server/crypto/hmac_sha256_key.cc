// The low-level SHA-256 API (SHA256_Init/Update/Final and SHA256_CTX) is the
// only interface both OpenSSL 3 and BoringSSL offer for continuing a SHA-256
// state that was copied. OpenSSL 3 marks it deprecated in favour of EVP, but an
// EVP_MD_CTX copy allocates through the provider on every call, which is what
// makes one-shot HMAC() slow and unscalable there; hence the suppression.
#define OPENSSL_SUPPRESS_DEPRECATED 1

#include "server/crypto/hmac_sha256_key.h"

#include <openssl/crypto.h>
#include <openssl/sha.h>

#include <array>
#include <cstdint>
#include <cstring>

#include "absl/status/status.h"

namespace identity::crypto {
namespace {

constexpr std::size_t kBlockSize = SHA256_CBLOCK;  // 64 bytes

// Cleanses a SHA256_CTX on scope exit: the working copies in Sign() carry
// key-derived state too.
struct CtxCleanser {
  SHA256_CTX* ctx;
  ~CtxCleanser() { OPENSSL_cleanse(ctx, sizeof(*ctx)); }
};

// SHA-256's chaining value, the eight 32-bit words of SHA256_CTX::h.
using ChainingValue = std::array<std::uint32_t, 8>;
static_assert(sizeof(SHA256_CTX::h) == sizeof(ChainingValue));

// Sets `ctx` to the state of a SHA-256 that has absorbed exactly one block
// whose chaining value is `h` (the state SHA256_Update leaves after 64 bytes:
// nothing buffered, 512 bits counted). Nl/Nh count bits in both OpenSSL and
// BoringSSL.
void ResumeAfterOneBlock(const ChainingValue& h, SHA256_CTX& ctx) {
  SHA256_Init(&ctx);
  std::memcpy(ctx.h, h.data(), sizeof(ctx.h));
  ctx.Nl = kBlockSize * 8;
  ctx.Nh = 0;
}

// Absorbs the block `pad` into a fresh SHA-256 and keeps its chaining value in
// `out`. False if the crypto library fails.
bool AbsorbOneBlock(const std::array<std::uint8_t, kBlockSize>& pad, ChainingValue& out) {
  SHA256_CTX ctx;
  CtxCleanser cleanse_ctx{&ctx};
  if (SHA256_Init(&ctx) != 1 || SHA256_Update(&ctx, pad.data(), pad.size()) != 1) return false;
  if (ctx.num != 0 || ctx.Nl != kBlockSize * 8 || ctx.Nh != 0) return false;
  std::memcpy(out.data(), ctx.h, sizeof(ctx.h));
  return true;
}

}  // namespace

// Only the two chaining values (64 bytes): a whole SHA256_CTX is 112 bytes,
// most of it the block buffer, empty after one block. The secure heap hands
// out power-of-two blocks, so two contexts (224 bytes) took 256 bytes per key,
// these take 64 (docs/benchmarks.md, memory per widget).
struct HmacSha256Key::State {
  ChainingValue inner;  // after absorbing (key XOR ipad)
  ChainingValue outer;  // after absorbing (key XOR opad)
};

HmacSha256Key::HmacSha256Key(SecureUniquePtr<State> state) : state_(std::move(state)) {}
HmacSha256Key::HmacSha256Key(HmacSha256Key&&) noexcept = default;
HmacSha256Key& HmacSha256Key::operator=(HmacSha256Key&&) noexcept = default;
HmacSha256Key::~HmacSha256Key() = default;

absl::StatusOr<HmacSha256Key> HmacSha256Key::New(absl::Span<const std::uint8_t> key) {
  // K0 of RFC 2104 / FIPS 198-1: the key, hashed if longer than a block, then
  // zero-padded to a block.
  SecureUniquePtr<std::array<std::uint8_t, kBlockSize>> k0 =
      MakeSecure<std::array<std::uint8_t, kBlockSize>>();
  k0->fill(0);
  if (key.size() > kBlockSize) {
    // SHA256() with a null pointer and zero length is fine, but keep the
    // pointer non-null anyway (a BoringSSL habit).
    SHA256(key.data(), key.size(), k0->data());
  } else if (!key.empty()) {
    std::memcpy(k0->data(), key.data(), key.size());
  }

  SecureUniquePtr<std::array<std::uint8_t, kBlockSize>> pad =
      MakeSecure<std::array<std::uint8_t, kBlockSize>>();
  SecureUniquePtr<State> state = MakeSecure<State>();

  for (std::size_t i = 0; i < kBlockSize; ++i) (*pad)[i] = (*k0)[i] ^ 0x36;
  if (!AbsorbOneBlock(*pad, state->inner)) {
    return absl::InternalError("SHA-256 failed while preparing an HMAC key");
  }
  for (std::size_t i = 0; i < kBlockSize; ++i) (*pad)[i] = (*k0)[i] ^ 0x5c;
  if (!AbsorbOneBlock(*pad, state->outer)) {
    return absl::InternalError("SHA-256 failed while preparing an HMAC key");
  }
  return HmacSha256Key(std::move(state));
}

void HmacSha256Key::Sign(std::initializer_list<absl::string_view> parts,
                         std::array<std::uint8_t, kHmacSha256Size>& out_tag) const {
  // SHA256_Update/Final cannot fail once the context is initialised (both
  // libraries return 1 unconditionally), so their results are not checked
  // per call.
  SHA256_CTX ctx;
  CtxCleanser cleanse_ctx{&ctx};
  ResumeAfterOneBlock(state_->inner, ctx);
  for (absl::string_view part : parts) {
    SHA256_Update(&ctx, part.empty() ? "" : part.data(), part.size());
  }
  std::array<std::uint8_t, SHA256_DIGEST_LENGTH> inner_digest;
  SHA256_Final(inner_digest.data(), &ctx);

  ResumeAfterOneBlock(state_->outer, ctx);
  SHA256_Update(&ctx, inner_digest.data(), inner_digest.size());
  SHA256_Final(out_tag.data(), &ctx);
  OPENSSL_cleanse(inner_digest.data(), inner_digest.size());
}

}  // namespace identity::crypto
