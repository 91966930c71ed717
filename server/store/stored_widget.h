#ifndef IDENTITY_SERVER_STORE_STORED_WIDGET_H_
#define IDENTITY_SERVER_STORE_STORED_WIDGET_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "server/crypto/secret_bytes.h"
#include "server/widget/secret_kind.h"

namespace identity::store {

// The values a SecretStore keeps and returns. They carry what is needed to
// rebuild a keyring::SecretVersion (kind, version, creation time, key bytes)
// and nothing of the keyring itself: the keyring knows nothing of storage, and
// the store nothing of signers.

// StoredSecret is one version of one widget secret, with its key.
struct StoredSecret {
  widget::SecretKind kind = widget::SecretKind::kEmailHash;
  // 1 for the first secret of this kind, then +1 per rotation.
  std::uint64_t version = 0;
  // When this version was made. Stores keep it to the microsecond.
  absl::Time created_at;
  // The bytes the service keys with: hex-decoded for kEmailHash, the
  // displayed characters for kJwt.
  crypto::SecretBytes key;
};

// StoredWidget is everything a store holds for one widget: its secrets of
// both kinds, each kind newest first (the current version, then the previous
// ones the store keeps for rollback and forensics). A widget with no secrets
// is registered (calls for it get FAILED_PRECONDITION, not NOT_FOUND).
struct StoredWidget {
  std::string app_id;
  std::vector<StoredSecret> secrets;
};

// SecretVersionInfo describes one stored secret version without its key: what
// an operator may see.
struct SecretVersionInfo {
  widget::SecretKind kind = widget::SecretKind::kEmailHash;
  std::uint64_t version = 0;
  absl::Time created_at;
  // First 16 hex characters of SHA-256 over the key bytes (crypto::Fingerprint).
  std::string fingerprint;
};

// WidgetInfo describes one widget without its keys: each kind's versions,
// newest first, as in StoredWidget.
struct WidgetInfo {
  std::string app_id;
  std::vector<SecretVersionInfo> versions;
};

// Truncates `t` to the microsecond, the precision stores keep.
inline absl::Time ToStoredTime(absl::Time t) { return absl::FromUnixMicros(absl::ToUnixMicros(t)); }

}  // namespace identity::store

#endif  // IDENTITY_SERVER_STORE_STORED_WIDGET_H_
