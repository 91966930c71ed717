#include "server/store/key_check.h"

#include <cstdint>

#include "absl/strings/str_cat.h"
#include "server/store/internal/byte_codec.h"

namespace identity::store {
namespace {

constexpr absl::string_view kMagic = "IDKEYCHK";
constexpr std::uint16_t kFormat = 1;
constexpr absl::string_view kAssociatedData = "identityd.key-check.v1";
constexpr absl::string_view kKeyCheckText = "identityd master key check";

}  // namespace

absl::StatusOr<std::string> MakeKeyCheck(const crypto::Aes256Gcm& aead) {
  absl::StatusOr<std::string> sealed = aead.Seal(
      absl::Span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(kKeyCheckText.data()),
                                     kKeyCheckText.size()),
      kAssociatedData);
  if (!sealed.ok()) return sealed.status();
  std::string out;
  internal::ByteWriter w(out);
  w.Bytes(kMagic);
  w.U16(kFormat);
  w.U16(static_cast<std::uint16_t>(sealed->size()));
  w.Bytes(*sealed);
  internal::AppendChecksum(out);
  return out;
}

absl::Status VerifyKeyCheck(const crypto::Aes256Gcm& aead, absl::string_view bytes) {
  absl::StatusOr<absl::string_view> body =
      internal::OpenStateFile(bytes, kMagic, kFormat, "key check file");
  if (!body.ok()) return body.status();
  internal::ByteReader r(*body);
  std::uint16_t sealed_len = 0;
  absl::string_view sealed;
  if (!r.U16(sealed_len) || !r.Bytes(sealed_len, sealed) || r.remaining() != 0) {
    return absl::DataLossError("corrupted: bad sealed length");
  }
  absl::StatusOr<crypto::SecretBytes> text = aead.Open(sealed, kAssociatedData);
  // The checksum matched, so the bytes are as written: a failure to open
  // means another key.
  if (!text.ok() || text->view() != kKeyCheckText) {
    return absl::PermissionDeniedError(
        "the master key does not open this state directory (it is not the key the directory "
        "was created with)");
  }
  return absl::OkStatus();
}

}  // namespace identity::store
