#include "server/store/sealed_entry.h"

#include <utility>

namespace identity::store {

absl::StatusOr<WidgetFileEntry> SealEntry(const crypto::Aes256Gcm& aead, absl::string_view app_id,
                                          const StoredSecret& secret) {
  WidgetFileEntry entry;
  entry.kind = secret.kind;
  entry.version = secret.version;
  entry.created_at = ToStoredTime(secret.created_at);
  absl::StatusOr<std::string> sealed = aead.Seal(
      secret.key.span(), EntryAssociatedData(app_id, secret.kind, secret.version, entry.created_at));
  if (!sealed.ok()) return sealed.status();
  entry.sealed = *std::move(sealed);
  return entry;
}

absl::StatusOr<crypto::SecretBytes> OpenEntry(const crypto::Aes256Gcm& aead,
                                              absl::string_view app_id,
                                              const WidgetFileEntry& entry) {
  return aead.Open(entry.sealed,
                   EntryAssociatedData(app_id, entry.kind, entry.version, entry.created_at));
}

}  // namespace identity::store
