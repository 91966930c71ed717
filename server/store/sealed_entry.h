#ifndef IDENTITY_SERVER_STORE_SEALED_ENTRY_H_
#define IDENTITY_SERVER_STORE_SEALED_ENTRY_H_

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "server/crypto/aes256_gcm.h"
#include "server/crypto/secret_bytes.h"
#include "server/store/stored_widget.h"
#include "server/store/widget_file.h"

namespace identity::store {

// How every store seals a widget secret under the master key: AES-256-GCM
// with EntryAssociatedData(app_id, kind, version, created_at) as associated
// data, so that a sealed key moved to another widget, kind, version or time
// fails to open. The one home of that rule, for the state directory and for
// etcd alike.

// Seals `secret` (created_at truncated to the microsecond) for `app_id`.
absl::StatusOr<WidgetFileEntry> SealEntry(const crypto::Aes256Gcm& aead, absl::string_view app_id,
                                          const StoredSecret& secret);

// Opens the key of `entry`, sealed for `app_id`. kInvalidArgument (from
// Aes256Gcm::Open) when it does not open: another key, or an altered or moved
// entry.
absl::StatusOr<crypto::SecretBytes> OpenEntry(const crypto::Aes256Gcm& aead,
                                              absl::string_view app_id,
                                              const WidgetFileEntry& entry);

}  // namespace identity::store

#endif  // IDENTITY_SERVER_STORE_SEALED_ENTRY_H_
