#ifndef IDENTITY_TESTS_FUZZ_FUZZ_SUPPORT_H_
#define IDENTITY_TESTS_FUZZ_FUZZ_SUPPORT_H_

// Helpers shared by the libFuzzer targets in this folder and by make_fuzz_seeds
// (which writes the binary seeds of the corpus with the real encoders).

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "server/crypto/aes256_gcm.h"
#include "server/crypto/jwt_signer.h"
#include "server/crypto/secret_bytes.h"
#include "server/store/internal/byte_codec.h"

namespace identity::fuzz {

// A property that failed: the message goes to stderr, then abort(), which
// libFuzzer reports as a crash and saves the input.
#define FUZZ_CHECK(condition, message)                                                 \
  do {                                                                                 \
    if (!(condition)) {                                                                \
      std::fprintf(stderr, "FUZZ_CHECK failed at %s:%d: %s\n  %s\n", __FILE__, __LINE__, \
                   #condition, std::string(message).c_str());                         \
      std::abort();                                                                    \
    }                                                                                  \
  } while (0)

inline absl::string_view AsView(const std::uint8_t* data, std::size_t size) {
  return absl::string_view(reinterpret_cast<const char*>(data), size);
}

// The master key of the corpus's state files (widget files, key check): the
// seeds were sealed with it, so the targets can open their keys. Not all zero
// (a master key a server would refuse) and not secret: test data only.
inline crypto::SecretBytes FuzzMasterKey() {
  std::uint8_t key[crypto::Aes256Gcm::kKeySize];
  for (std::size_t i = 0; i < sizeof(key); ++i) key[i] = static_cast<std::uint8_t>(0xa0 + i);
  return crypto::SecretBytes::Copy(absl::Span<const std::uint8_t>(key, sizeof(key)));
}

inline const crypto::Aes256Gcm& FuzzAead() {
  static const crypto::Aes256Gcm* const aead = [] {
    absl::StatusOr<std::unique_ptr<crypto::Aes256Gcm>> made =
        crypto::Aes256Gcm::New(FuzzMasterKey());
    FUZZ_CHECK(made.ok(), made.status().ToString());
    return made->release();
  }();
  return *aead;
}

// The JWT secret the targets sign with (test data only).
inline constexpr absl::string_view kFuzzJwtSecret = "fuzz-jwt-secret-0123456789";

inline const crypto::JwtSigner& FuzzJwtSigner() {
  static const crypto::JwtSigner* const signer = [] {
    absl::StatusOr<crypto::JwtSigner> made = crypto::JwtSigner::FromSecret(kFuzzJwtSecret);
    FUZZ_CHECK(made.ok(), made.status().ToString());
    return new crypto::JwtSigner(*std::move(made));
  }();
  return *signer;
}

// `bytes` with its last 32 bytes replaced by the right SHA-256 of the rest,
// or nullopt if it is shorter than a checksum. A state file's checksum is a
// wall a mutation almost never gets past; the targets decode each input
// both as it is and with the checksum made right, so that mutated bodies
// reach the field checks behind it.
inline std::optional<std::string> WithRightChecksum(absl::string_view bytes) {
  if (bytes.size() < store::internal::kChecksumSize) return std::nullopt;
  std::string fixed(bytes.substr(0, bytes.size() - store::internal::kChecksumSize));
  store::internal::AppendChecksum(fixed);
  return fixed;
}

// Runs `check` on a state file's `bytes` as they are, then (if they are long
// enough) with their checksum made right.
template <typename Check>
void CheckAsIsAndWithRightChecksum(absl::string_view bytes, Check check) {
  check(bytes);
  if (const std::optional<std::string> fixed = WithRightChecksum(bytes); fixed.has_value()) {
    check(*fixed);
  }
}

// Decodes `text` as UTF-8 (RFC 3629: no overlong forms, no surrogates,
// nothing past U+10FFFF) into code points; nullopt if it is not valid.
// Written from the RFC's table, independently of server/crypto/utf8.h (which
// uses RapidJSON's decoder), so that targets can compare the two.
inline std::optional<std::vector<char32_t>> DecodeUtf8(absl::string_view text) {
  std::vector<char32_t> out;
  std::size_t i = 0;
  const auto byte = [&text](std::size_t at) { return static_cast<std::uint8_t>(text[at]); };
  while (i < text.size()) {
    const std::uint8_t b0 = byte(i);
    std::size_t len;
    char32_t cp;
    char32_t min;
    if (b0 < 0x80) {
      out.push_back(b0);
      ++i;
      continue;
    } else if (b0 >= 0xc2 && b0 <= 0xdf) {
      len = 2, cp = b0 & 0x1f, min = 0x80;
    } else if (b0 >= 0xe0 && b0 <= 0xef) {
      len = 3, cp = b0 & 0x0f, min = 0x800;
    } else if (b0 >= 0xf0 && b0 <= 0xf4) {
      len = 4, cp = b0 & 0x07, min = 0x10000;
    } else {
      return std::nullopt;  // a continuation byte, C0, C1 or F5..FF
    }
    if (text.size() - i < len) return std::nullopt;
    for (std::size_t k = 1; k < len; ++k) {
      if ((byte(i + k) & 0xc0) != 0x80) return std::nullopt;
      cp = (cp << 6) | (byte(i + k) & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return std::nullopt;
    out.push_back(cp);
    i += len;
  }
  return out;
}

// Whether every byte of `text` is printable ASCII (0x20..0x7e): error messages
// about a caller's fields must be, so that none can carry the raw bytes of a
// value into a log line.
inline bool IsPrintableAscii(absl::string_view text) {
  for (char c : text) {
    if (c < 0x20 || c > 0x7e) return false;
  }
  return true;
}

}  // namespace identity::fuzz

#endif  // IDENTITY_TESTS_FUZZ_FUZZ_SUPPORT_H_
