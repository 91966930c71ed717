#include "server/secret_source/secret_source_reader.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "server/common/file_trust.h"
#include "server/common/log.h"

namespace identity::secret_source {
namespace {

absl::Status ErrnoStatus(int err, absl::string_view what) {
  const std::string message = absl::StrCat(what, ": ", std::strerror(err));
  switch (err) {
    case ENOENT:
      return absl::NotFoundError(message);
    case EACCES:
    case EPERM:
      return absl::PermissionDeniedError(message);
    default:
      return absl::UnavailableError(message);
  }
}

}  // namespace

absl::string_view TrimOneTrailingNewline(absl::string_view text) {
  if (absl::EndsWith(text, "\r\n")) return text.substr(0, text.size() - 2);
  if (absl::EndsWith(text, "\n")) return text.substr(0, text.size() - 1);
  return text;
}

absl::StatusOr<crypto::SecretBytes> ReadSecretFile(const std::string& path,
                                                   SharedSecretFile shared) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return ErrnoStatus(errno, absl::StrCat("cannot open secret file ", path));
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    const int err = errno;
    ::close(fd);
    return ErrnoStatus(err, absl::StrCat("cannot stat secret file ", path));
  }
  if (shared == SharedSecretFile::kRefuse) {
    if (absl::Status s = CheckTrusted(st, path, TrustedKind::kFile); !s.ok()) {
      ::close(fd);
      return absl::Status(s.code(), absl::StrCat("secret file ", s.message()));
    }
  } else if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
    LogWarning(absl::StrCat("secret file ", path,
                            " is accessible to group or others; chmod 600 it"));
  }
  // Read into secret memory directly: no std::string copy is left behind.
  crypto::SecretBytes buffer(kMaxSecretFileBytes + 1);
  std::size_t len = 0;
  while (len < buffer.size()) {
    const ssize_t n = ::read(fd, buffer.mutable_data() + len, buffer.size() - len);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int err = errno;
      ::close(fd);
      return ErrnoStatus(err, absl::StrCat("cannot read secret file ", path));
    }
    if (n == 0) break;
    len += static_cast<std::size_t>(n);
  }
  ::close(fd);
  if (len > kMaxSecretFileBytes) {
    return absl::InvalidArgumentError(absl::StrCat("secret file ", path, " is larger than ",
                                                   kMaxSecretFileBytes, " bytes"));
  }
  const absl::string_view text = TrimOneTrailingNewline(
      absl::string_view(reinterpret_cast<const char*>(buffer.data()), len));
  if (text.empty()) return absl::InvalidArgumentError(absl::StrCat("secret file ", path, " is empty"));
  return crypto::SecretBytes::Copy(text);
}

absl::StatusOr<crypto::SecretBytes> ReadSecretEnv(const std::string& name) {
  const char* value = std::getenv(name.c_str());
  if (value == nullptr || *value == '\0') {
    return absl::NotFoundError(absl::StrCat("environment variable ", name, " is unset or empty"));
  }
  return crypto::SecretBytes::Copy(TrimOneTrailingNewline(value));
}

}  // namespace identity::secret_source
