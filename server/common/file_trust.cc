#include "server/common/file_trust.h"

#include <unistd.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace identity {

absl::Status CheckTrusted(const struct stat& st, absl::string_view path, TrustedKind kind) {
  const bool directory = kind == TrustedKind::kDirectory;
  if (directory ? !S_ISDIR(st.st_mode) : !S_ISREG(st.st_mode)) {
    return absl::FailedPreconditionError(
        absl::StrCat(path, ": not a ", directory ? "directory" : "regular file"));
  }
  const uid_t self = ::geteuid();
  if (st.st_uid != self && st.st_uid != 0) {
    return absl::FailedPreconditionError(absl::StrCat(
        path, ": owned by uid ", st.st_uid, ", but identityd runs as uid ", self,
        ": whoever owns it can replace it; chown it to uid ", self,
        " if its contents are known to be good"));
  }
  const mode_t mode = st.st_mode & 07777;
  const mode_t shared = directory ? (S_IWGRP | S_IWOTH) : (S_IRWXG | S_IRWXO);
  if ((mode & shared) != 0) {
    return absl::FailedPreconditionError(absl::StrFormat(
        "%s: %s group or others (mode %04o): %s; chmod %s %s", path,
        directory ? "writable by" : "accessible to", mode,
        directory ? "they could replace or remove what it holds" : "only its owner may use it",
        directory ? "700" : "600", path));
  }
  return absl::OkStatus();
}

}  // namespace identity
