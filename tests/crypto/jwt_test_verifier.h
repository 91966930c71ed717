#ifndef IDENTITY_TESTS_CRYPTO_JWT_TEST_VERIFIER_H_
#define IDENTITY_TESTS_CRYPTO_JWT_TEST_VERIFIER_H_

// An HS256 verifier for tests, written independently of the code under test:
// its own base64url codec (not absl's, which the signer uses) and the crypto
// library's one-shot HMAC(). Header-only, so each test binary compiles it
// against the libcrypto it links (OpenSSL 3 or BoringSSL).

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "server/crypto/constant_time.h"

namespace identity::crypto_testing {

inline constexpr absl::string_view kBase64UrlAlphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

// True if `s` uses only the base64url alphabet (no '=', '+', '/').
inline bool IsBase64UrlText(absl::string_view s) {
  return s.find_first_not_of(kBase64UrlAlphabet) == absl::string_view::npos;
}

// base64url without padding (RFC 4648 section 5, RFC 7515 section 2).
inline std::string EncodeBase64Url(absl::string_view bytes) {
  std::string out;
  std::uint32_t acc = 0;
  int bits = 0;
  for (unsigned char c : bytes) {
    acc = (acc << 8) | c;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out.push_back(kBase64UrlAlphabet[(acc >> bits) & 0x3f]);
    }
  }
  if (bits > 0) out.push_back(kBase64UrlAlphabet[(acc << (6 - bits)) & 0x3f]);
  return out;
}

// Strict base64url decoding without padding: nullopt for any character
// outside the alphabet, an impossible length, or non-zero unused bits (so each
// byte string has exactly one accepted encoding).
inline std::optional<std::string> DecodeBase64Url(absl::string_view text) {
  if (text.size() % 4 == 1) return std::nullopt;
  std::string out;
  std::uint32_t acc = 0;
  int bits = 0;
  for (char c : text) {
    const std::size_t value = kBase64UrlAlphabet.find(c);
    if (value == absl::string_view::npos) return std::nullopt;
    acc = (acc << 6) | static_cast<std::uint32_t>(value);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xff));
    }
  }
  if ((acc & ((1u << bits) - 1)) != 0) return std::nullopt;
  return out;
}

// The three dot-separated parts of a compact JWS.
struct JwtParts {
  std::string header_b64;
  std::string claims_b64;
  std::string signature_b64;
};

inline std::optional<JwtParts> SplitJwt(absl::string_view token) {
  std::vector<std::string> parts = absl::StrSplit(token, '.');
  if (parts.size() != 3) return std::nullopt;
  return JwtParts{parts[0], parts[1], parts[2]};
}

// HMAC-SHA256 with the library's one-shot API.
inline std::string OneShotHmacSha256(absl::string_view key, absl::string_view message) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> mac;
  unsigned int mac_len = 0;
  static const unsigned char kEmpty = 0;
  const unsigned char* key_ptr =
      key.empty() ? &kEmpty : reinterpret_cast<const unsigned char*>(key.data());
  const unsigned char* msg_ptr =
      message.empty() ? &kEmpty : reinterpret_cast<const unsigned char*>(message.data());
  if (HMAC(EVP_sha256(), key_ptr, key.size(), msg_ptr, message.size(), mac.data(), &mac_len) ==
      nullptr) {
    return std::string();
  }
  return std::string(reinterpret_cast<const char*>(mac.data()), mac_len);
}

// Verifies an HS256 compact JWS with `key` (the secret's bytes): exactly three
// parts, each strict base64url, and a signature equal (constant-time) to
// HMAC-SHA256(key, "header.claims").
inline bool VerifyHs256(absl::string_view token, absl::string_view key) {
  std::optional<JwtParts> parts = SplitJwt(token);
  if (!parts.has_value()) return false;
  if (!DecodeBase64Url(parts->header_b64) || !DecodeBase64Url(parts->claims_b64)) return false;
  std::optional<std::string> signature = DecodeBase64Url(parts->signature_b64);
  if (!signature.has_value()) return false;
  const std::string expected =
      OneShotHmacSha256(key, std::string(parts->header_b64) + "." + parts->claims_b64);
  return expected.size() == 32 && crypto::ConstantTimeEquals(*signature, expected);
}

}  // namespace identity::crypto_testing

#endif  // IDENTITY_TESTS_CRYPTO_JWT_TEST_VERIFIER_H_
