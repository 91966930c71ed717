#ifndef IDENTITY_SERVER_SECRET_SOURCE_SECRET_SOURCE_READER_H_
#define IDENTITY_SERVER_SECRET_SOURCE_SECRET_SOURCE_READER_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "server/crypto/secret_bytes.h"

namespace identity::secret_source {

// The largest secret file read (a JWT secret is at most 256 characters; the
// rest is slack for a trailing newline and mistakes worth reporting).
inline constexpr std::size_t kMaxSecretFileBytes = 4096;

// What ReadSecretFile does with a file that is not private to identityd.
enum class SharedSecretFile {
  // Logs a warning and reads it (a widget's initial secret).
  kWarn,
  // Refuses it (kFailedPrecondition): the file must pass CheckTrusted
  // (server/common/file_trust.h) as a file: owned by identityd's user or
  // root, no access for group or others. For the master key.
  kRefuse,
};

// Reads a secret from the file at `path` (symbolic links followed: secret
// mounts are made of them) straight into secret memory. One trailing "\n" or
// "\r\n" is removed (editors and `echo` add it); nothing else is trimmed.
// kNotFound / kPermissionDenied / kInvalidArgument (too large, empty) with a
// message naming the path and never the content. A file readable by group or
// others is logged or refused, as `shared` says.
absl::StatusOr<crypto::SecretBytes> ReadSecretFile(
    const std::string& path, SharedSecretFile shared = SharedSecretFile::kWarn);

// Reads a secret from the environment variable `name` (same trimming as
// ReadSecretFile). kNotFound if unset or empty.
absl::StatusOr<crypto::SecretBytes> ReadSecretEnv(const std::string& name);

// Removes one trailing "\n" or "\r\n" from `text` (a view into a secret).
absl::string_view TrimOneTrailingNewline(absl::string_view text);

}  // namespace identity::secret_source

#endif  // IDENTITY_SERVER_SECRET_SOURCE_SECRET_SOURCE_READER_H_
