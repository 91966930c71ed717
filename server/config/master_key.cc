#include "server/config/master_key.h"

#include <bitset>
#include <cstdint>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/types/span.h"
#include "server/crypto/aes256_gcm.h"
#include "server/crypto/hex.h"
#include "server/secret_source/secret_source_reader.h"

namespace identity::config {
namespace {

// Below this many distinct byte values a 32-byte key was not drawn at random:
// the chance that it was is below C(256,7) * (7/256)^32, about 2^-123.
constexpr std::size_t kMinDistinctBytes = 8;

// See ReadMasterKey.
bool IsTriviallyWeak(absl::Span<const std::uint8_t> key) {
  std::bitset<256> seen;
  for (std::uint8_t b : key) seen.set(b);
  if (seen.count() < kMinDistinctBytes) return true;
  // A counting sequence: every byte the previous one plus the same step.
  const std::uint8_t step = static_cast<std::uint8_t>(key[1] - key[0]);
  for (std::size_t i = 2; i < key.size(); ++i) {
    if (static_cast<std::uint8_t>(key[i] - key[i - 1]) != step) return false;
  }
  return true;
}

}  // namespace

absl::StatusOr<crypto::SecretBytes> ReadMasterKey(const std::string& file) {
  const std::string source =
      file.empty() ? absl::StrCat("the master key in environment variable ", kMasterKeyEnv)
                   : absl::StrCat("the master key file ", file, " (--master_key_file)");
  absl::StatusOr<crypto::SecretBytes> text =
      file.empty() ? secret_source::ReadSecretEnv(kMasterKeyEnv)
                   : secret_source::ReadSecretFile(file, secret_source::SharedSecretFile::kRefuse);
  if (!text.ok()) {
    if (file.empty()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--state_dir needs a master key: set --master_key_file or ", kMasterKeyEnv));
    }
    return absl::Status(text.status().code(),
                        absl::StrCat("--master_key_file: ", text.status().message()));
  }
  absl::StatusOr<crypto::SecretBytes> key = crypto::StrictHexDecode(text->view());
  if (!key.ok() || key->size() != crypto::Aes256Gcm::kKeySize) {
    return absl::InvalidArgumentError(
        absl::StrCat(source, ": must hold 64 hex characters (32 bytes), e.g. from "
                             "`openssl rand -hex 32`"));
  }
  if (IsTriviallyWeak(key->span())) {
    return absl::InvalidArgumentError(absl::StrCat(
        source, ": trivially weak (all zero, one byte repeated, a short pattern or a counting "
                "sequence); make a random one with `openssl rand -hex 32`"));
  }
  return key;
}

}  // namespace identity::config
