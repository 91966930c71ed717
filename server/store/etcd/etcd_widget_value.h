#ifndef IDENTITY_SERVER_STORE_ETCD_ETCD_WIDGET_VALUE_H_
#define IDENTITY_SERVER_STORE_ETCD_ETCD_WIDGET_VALUE_H_

#include <cstddef>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "server/store/widget_file.h"

namespace identity::store::etcd {

// The value of a widget's key in etcd (PREFIX widgets/APP_ID), format 1:
//
//   offset  size  field
//   0       8     magic "IDETCDWV"
//   8       2     format version: 1
//   10      16    rotation id: random, new for every write, so that a writer
//                 whose answer was lost can tell its own write from another's
//   26      W     the widget exactly as a state directory file holds it
//                 (widget_file.h: its own magic, app_id, sealed entries and
//                 SHA-256), so both back ends seal and check the same bytes
//   26+W    32    SHA-256 of every byte before it
//
// Nothing in it is a usable secret: every key is sealed under the master key
// (sealed_entry.h), bound to app_id, kind, version and time.

// Bytes in a rotation id.
inline constexpr std::size_t kRotationIdSize = 16;

struct EtcdWidgetValue {
  std::string rotation_id;  // kRotationIdSize raw bytes
  WidgetFileContents contents;
};

// Encodes a value; `rotation_id` must be kRotationIdSize bytes.
std::string EncodeEtcdWidgetValue(absl::string_view rotation_id,
                                  const WidgetFileContents& contents);

// Decodes and checks a value (both checksums, the widget file's rules).
// kDataLoss for damage; kFailedPrecondition for an unknown format version.
absl::StatusOr<EtcdWidgetValue> DecodeEtcdWidgetValue(absl::string_view bytes);

}  // namespace identity::store::etcd

#endif  // IDENTITY_SERVER_STORE_ETCD_ETCD_WIDGET_VALUE_H_
