#ifndef IDENTITY_SERVER_STORE_WIDGET_FILE_H_
#define IDENTITY_SERVER_STORE_WIDGET_FILE_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "server/widget/secret_kind.h"

namespace identity::store {

// The on-disk form of one widget in the state directory
// (STATE_DIR/widgets/APP_ID.widget), format version 1. Integers are
// big-endian; times are microseconds since the Unix epoch (UTC).
//
//   offset  size  field
//   0       8     magic "IDWIDGET"
//   8       2     format version: 1
//   10      2     app_id length L (1..128)
//   12      L     app_id (ASCII, the same as the file name)
//   12+L    2     entry count N (at most kMaxWidgetFileEntries)
//   then N entries, each:
//           1     kind: 0 = email_hash, 1 = jwt
//           8     version (>= 1)
//           8     created_at (signed)
//           2     sealed length S (28 + key length)
//           S     sealed key: nonce (12) || AES-256-GCM ciphertext || tag (16)
//   last    32    SHA-256 of every byte before it
//
// Entries are grouped by kind, each kind newest version first, versions
// strictly decreasing. Each key is sealed under the master key with the
// associated data EntryAssociatedData(app_id, kind, version, created_at), so
// an entry copied into another widget's file, moved to another kind, or
// relabelled with another version or time fails to open.
//
// The trailing SHA-256 detects accidental damage (a flipped bit, a truncated
// copy) anywhere in the file, including the unsealed fields, with a clear
// message; it is not a MAC. Deliberate tampering with the unsealed fields buys
// an attacker nothing the sealing does not already stop, except deleting
// entries or restoring an older copy of the whole file, which no format can
// prevent without a trusted counter outside the directory (see README, "State
// directory").
//
// Why a hand-written layout rather than a protobuf: a protobuf truncated at a
// field boundary still parses, so it would need the checksum anyway, and this
// layout is five fixed fields that a reviewer can check against this comment.

// The magic at the start of every widget file.
inline constexpr absl::string_view kWidgetFileMagic = "IDWIDGET";
// The only format version this build reads and writes.
inline constexpr std::uint16_t kWidgetFileFormat = 1;
// Upper bound on entries per file: both kinds, each a current version and at
// most 99 previous ones. Guards the decoder against absurd counts.
inline constexpr std::size_t kMaxWidgetFileEntries = 200;

// One sealed secret version in a widget file.
struct WidgetFileEntry {
  widget::SecretKind kind = widget::SecretKind::kEmailHash;
  std::uint64_t version = 0;
  // Whole microseconds (callers truncate).
  absl::Time created_at;
  // nonce || ciphertext || tag, as made by crypto::Aes256Gcm::Seal.
  std::string sealed;
};

// The decoded (still sealed) contents of a widget file.
struct WidgetFileContents {
  std::string app_id;
  std::vector<WidgetFileEntry> entries;
};

// Serialises `contents` in format version 1. The caller keeps the entry order
// rules above (DecodeWidgetFile checks them).
std::string EncodeWidgetFile(const WidgetFileContents& contents);

// Parses and checks a widget file: magic, checksum, format version, lengths,
// app_id rule, kinds, entry order. Does not open the sealed keys. kDataLoss
// with a message saying what is wrong (e.g. "checksum mismatch: the file is
// corrupted or truncated"); kFailedPrecondition for an intact file (checksum
// right) of a format version this build does not know. Every format version
// keeps the magic, the version field and the trailing SHA-256 where version 1
// has them, so that damage and "too new" are told apart.
absl::StatusOr<WidgetFileContents> DecodeWidgetFile(absl::string_view bytes);

// The associated data sealed with each key: a label, then app_id, kind,
// version and created_at, each length-prefixed or fixed-size so that no two
// different tuples give the same bytes.
std::string EntryAssociatedData(absl::string_view app_id, widget::SecretKind kind,
                                std::uint64_t version, absl::Time created_at);

}  // namespace identity::store

#endif  // IDENTITY_SERVER_STORE_WIDGET_FILE_H_
