#include "server/store/internal/byte_codec.h"

#include <openssl/crypto.h>
#include <openssl/sha.h>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace identity::store::internal {
namespace {

void Sha256(absl::string_view bytes, std::uint8_t out[SHA256_DIGEST_LENGTH]) {
  static const std::uint8_t kEmpty = 0;  // non-null even for empty input
  SHA256(bytes.empty() ? &kEmpty : reinterpret_cast<const std::uint8_t*>(bytes.data()),
         bytes.size(), out);
}

}  // namespace

void ByteWriter::U16(std::uint16_t v) {
  U8(static_cast<std::uint8_t>(v >> 8));
  U8(static_cast<std::uint8_t>(v));
}

void ByteWriter::U64(std::uint64_t v) {
  for (int shift = 56; shift >= 0; shift -= 8) U8(static_cast<std::uint8_t>(v >> shift));
}

bool ByteReader::U8(std::uint8_t& out) {
  if (rest_.empty()) return false;
  out = static_cast<std::uint8_t>(rest_[0]);
  rest_.remove_prefix(1);
  return true;
}

bool ByteReader::U16(std::uint16_t& out) {
  if (rest_.size() < 2) return false;
  out = static_cast<std::uint16_t>((static_cast<std::uint8_t>(rest_[0]) << 8) |
                                   static_cast<std::uint8_t>(rest_[1]));
  rest_.remove_prefix(2);
  return true;
}

bool ByteReader::U64(std::uint64_t& out) {
  if (rest_.size() < 8) return false;
  std::uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | static_cast<std::uint8_t>(rest_[i]);
  out = v;
  rest_.remove_prefix(8);
  return true;
}

bool ByteReader::Bytes(std::size_t n, absl::string_view& out) {
  if (rest_.size() < n) return false;
  out = rest_.substr(0, n);
  rest_.remove_prefix(n);
  return true;
}

void AppendChecksum(std::string& out) {
  std::uint8_t digest[SHA256_DIGEST_LENGTH];
  Sha256(out, digest);
  out.append(reinterpret_cast<const char*>(digest), sizeof(digest));
}

absl::StatusOr<absl::string_view> StripChecksum(absl::string_view bytes) {
  if (bytes.size() < kChecksumSize) {
    return absl::DataLossError("truncated: shorter than its checksum");
  }
  const absl::string_view body = bytes.substr(0, bytes.size() - kChecksumSize);
  std::uint8_t digest[SHA256_DIGEST_LENGTH];
  Sha256(body, digest);
  // Not secret data: a plain comparison would do; CRYPTO_memcmp costs nothing.
  if (CRYPTO_memcmp(digest, bytes.data() + body.size(), kChecksumSize) != 0) {
    return absl::DataLossError("checksum mismatch: the file is corrupted or truncated");
  }
  return body;
}

absl::StatusOr<absl::string_view> OpenStateFile(absl::string_view bytes, absl::string_view magic,
                                                std::uint16_t format, absl::string_view what) {
  ByteReader header(bytes);
  absl::string_view found;
  std::uint16_t found_format = 0;
  if (!header.Bytes(magic.size(), found) || found != magic) {
    return absl::DataLossError(absl::StrCat("not an identityd ", what, " (bad magic)"));
  }
  if (!header.U16(found_format)) return absl::DataLossError("truncated: ends in the header");
  absl::StatusOr<absl::string_view> body = StripChecksum(bytes);
  if (!body.ok()) return body.status();
  if (found_format != format) {
    return absl::FailedPreconditionError(
        absl::StrCat(what, " format version ", found_format,
                     " is not supported by this identityd (it reads ", format,
                     "); was it written by a newer release?"));
  }
  return body->substr(magic.size() + 2);
}

}  // namespace identity::store::internal
