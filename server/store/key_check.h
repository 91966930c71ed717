#ifndef IDENTITY_SERVER_STORE_KEY_CHECK_H_
#define IDENTITY_SERVER_STORE_KEY_CHECK_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "server/crypto/aes256_gcm.h"

namespace identity::store {

// The key check (STATE_DIR/KEYCHECK) lets identityd tell "wrong master key"
// from "a corrupted widget file", and notice a wrong key even when the state
// directory holds no widget yet. It is a known text sealed under the master
// key, format version 1:
//
//   offset  size  field
//   0       8     magic "IDKEYCHK"
//   8       2     format version: 1
//   10      2     sealed length S
//   12      S     AES-256-GCM seal of kKeyCheckText, associated data
//                 "identityd.key-check.v1" (nonce || ciphertext || tag)
//   12+S    32    SHA-256 of every byte before it

// Makes the contents of a new key check file sealed with `aead`.
absl::StatusOr<std::string> MakeKeyCheck(const crypto::Aes256Gcm& aead);

// Checks a key check file against `aead`. kDataLoss if the file is damaged
// (bad magic, truncated, checksum mismatch); kPermissionDenied if it is intact
// but does not open with this key (the master key is not the one that made the
// state directory); kFailedPrecondition for an intact file of an unknown format version.
absl::Status VerifyKeyCheck(const crypto::Aes256Gcm& aead, absl::string_view bytes);

}  // namespace identity::store

#endif  // IDENTITY_SERVER_STORE_KEY_CHECK_H_
