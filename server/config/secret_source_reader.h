#ifndef IDENTITY_SERVER_CONFIG_SECRET_SOURCE_READER_H_
#define IDENTITY_SERVER_CONFIG_SECRET_SOURCE_READER_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "server/crypto/secret_bytes.h"

namespace identity::config {

// The largest secret file read (a JWT secret is at most 256 characters; the
// rest is slack for a trailing newline and mistakes worth reporting).
inline constexpr std::size_t kMaxSecretFileBytes = 4096;

// Reads a secret from the file at `path` straight into secret memory. One
// trailing "\n" or "\r\n" is removed (editors and `echo` add it); nothing else
// is trimmed. kNotFound / kPermissionDenied / kInvalidArgument (too large,
// empty) with a message naming the path and never the content. Logs a warning
// if the file is readable by group or others.
absl::StatusOr<crypto::SecretBytes> ReadSecretFile(const std::string& path);

// Reads a secret from the environment variable `name` (same trimming as
// ReadSecretFile). kNotFound if unset or empty.
absl::StatusOr<crypto::SecretBytes> ReadSecretEnv(const std::string& name);

// Removes one trailing "\n" or "\r\n" from `text` (a view into a secret).
absl::string_view TrimOneTrailingNewline(absl::string_view text);

}  // namespace identity::config

#endif  // IDENTITY_SERVER_CONFIG_SECRET_SOURCE_READER_H_
