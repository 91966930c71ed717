#ifndef IDENTITY_SERVER_COMMON_FILE_TRUST_H_
#define IDENTITY_SERVER_COMMON_FILE_TRUST_H_

#include <sys/stat.h>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace identity {

// What a trusted object must be: a folder whose entries identityd relies on,
// or a file whose contents it relies on.
enum class TrustedKind {
  // A folder (the state directory, its widgets/ folder): not writable by
  // group or others, who could otherwise replace or remove what it holds.
  kDirectory,
  // A regular file (a widget file, KEYCHECK, LOCK, the master key file):
  // no access at all for group or others (mode 0600 or stricter). Sealed
  // files are still the secrets' ciphertext, and the master key is the key.
  kFile,
};

// Checks what identityd requires of an object it trusts with secrets, in the
// manner of OpenSSH's StrictModes: of the kind `kind` describes, and owned by
// the user identityd runs as (its effective uid) or by root (who can read
// identityd's memory anyway, so trusting root adds no one). `st` must come
// from fstat() of the descriptor that will be used (or an lstat-like
// fstatat(AT_SYMLINK_NOFOLLOW)), so that what is checked is what is read.
// kFailedPrecondition with a message that starts with `path` and says how to
// fix it, e.g. "STATE/widgets: writable by group or others (mode 0770) ...".
absl::Status CheckTrusted(const struct stat& st, absl::string_view path, TrustedKind kind);

}  // namespace identity

#endif  // IDENTITY_SERVER_COMMON_FILE_TRUST_H_
