#include "server/store/widget_file.h"

#include <array>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "server/crypto/aes256_gcm.h"
#include "server/store/internal/byte_codec.h"
#include "server/widget/app_id.h"

namespace identity::store {
namespace {

using internal::ByteReader;
using internal::ByteWriter;

// Distinguishes this use of the master key from any other (the key check).
constexpr absl::string_view kEntryLabel = "identityd.widget-secret.v1";

// The largest key a widget secret can have (a JWT secret of 256 characters).
constexpr std::size_t kMaxKeyBytes = 256;

absl::Status Corrupt(absl::string_view what) {
  return absl::DataLossError(absl::StrCat("corrupted: ", what));
}

std::uint8_t KindCode(widget::SecretKind kind) { return static_cast<std::uint8_t>(kind); }

}  // namespace

std::string EntryAssociatedData(absl::string_view app_id, widget::SecretKind kind,
                                std::uint64_t version, absl::Time created_at) {
  std::string out;
  ByteWriter w(out);
  w.Bytes(kEntryLabel);
  w.U8(0);
  w.U16(static_cast<std::uint16_t>(app_id.size()));
  w.Bytes(app_id);
  w.U8(KindCode(kind));
  w.U64(version);
  w.U64(static_cast<std::uint64_t>(absl::ToUnixMicros(created_at)));
  return out;
}

std::string EncodeWidgetFile(const WidgetFileContents& contents) {
  std::string out;
  ByteWriter w(out);
  w.Bytes(kWidgetFileMagic);
  w.U16(kWidgetFileFormat);
  w.U16(static_cast<std::uint16_t>(contents.app_id.size()));
  w.Bytes(contents.app_id);
  w.U16(static_cast<std::uint16_t>(contents.entries.size()));
  for (const WidgetFileEntry& e : contents.entries) {
    w.U8(KindCode(e.kind));
    w.U64(e.version);
    w.U64(static_cast<std::uint64_t>(absl::ToUnixMicros(e.created_at)));
    w.U16(static_cast<std::uint16_t>(e.sealed.size()));
    w.Bytes(e.sealed);
  }
  internal::AppendChecksum(out);
  return out;
}

absl::StatusOr<WidgetFileContents> DecodeWidgetFile(absl::string_view bytes) {
  absl::StatusOr<absl::string_view> body =
      internal::OpenStateFile(bytes, kWidgetFileMagic, kWidgetFileFormat, "widget file");
  if (!body.ok()) return body.status();
  ByteReader r(*body);
  WidgetFileContents contents;
  std::uint16_t app_id_len = 0;
  absl::string_view app_id;
  if (!r.U16(app_id_len) || !r.Bytes(app_id_len, app_id)) return Corrupt("app_id cut short");
  if (!widget::ValidateAppId(app_id).ok()) return Corrupt("app_id breaks the app_id rule");
  contents.app_id = std::string(app_id);

  std::uint16_t count = 0;
  if (!r.U16(count)) return Corrupt("entry count missing");
  if (count > kMaxWidgetFileEntries) {
    return Corrupt(absl::StrCat("entry count ", count, " exceeds ", kMaxWidgetFileEntries));
  }
  // Per kind: whether entries of it have ended (a kind must be contiguous),
  // and the version of its last entry (to check newest-first order).
  std::array<bool, widget::kAllSecretKinds.size()> kind_done = {};
  std::array<std::uint64_t, widget::kAllSecretKinds.size()> last_version = {};
  int current_kind = -1;
  for (std::uint16_t i = 0; i < count; ++i) {
    const std::string where = absl::StrCat("entry ", i, ": ");
    std::uint8_t kind_code = 0;
    std::uint64_t version = 0, micros = 0;
    std::uint16_t sealed_len = 0;
    absl::string_view sealed;
    if (!r.U8(kind_code) || !r.U64(version) || !r.U64(micros) || !r.U16(sealed_len) ||
        !r.Bytes(sealed_len, sealed)) {
      return Corrupt(absl::StrCat(where, "cut short"));
    }
    if (kind_code >= widget::kAllSecretKinds.size()) {
      return Corrupt(absl::StrCat(where, "unknown kind ", kind_code));
    }
    if (version == 0) return Corrupt(absl::StrCat(where, "version 0"));
    if (sealed_len < crypto::Aes256Gcm::kOverhead + 1 ||
        sealed_len > crypto::Aes256Gcm::kOverhead + kMaxKeyBytes) {
      return Corrupt(absl::StrCat(where, "sealed key of impossible length ", sealed_len));
    }
    if (static_cast<int>(kind_code) != current_kind) {
      if (current_kind >= 0) kind_done[current_kind] = true;
      if (kind_done[kind_code]) return Corrupt(absl::StrCat(where, "kind split in two groups"));
      current_kind = kind_code;
    } else if (version >= last_version[kind_code]) {
      return Corrupt(absl::StrCat(where, "versions not strictly decreasing"));
    }
    last_version[kind_code] = version;
    contents.entries.push_back(WidgetFileEntry{
        widget::kAllSecretKinds[kind_code], version,
        absl::FromUnixMicros(static_cast<std::int64_t>(micros)), std::string(sealed)});
  }
  if (r.remaining() != 0) return Corrupt("unexpected bytes after the last entry");
  return contents;
}

}  // namespace identity::store
