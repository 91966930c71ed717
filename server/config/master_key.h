#ifndef IDENTITY_SERVER_CONFIG_MASTER_KEY_H_
#define IDENTITY_SERVER_CONFIG_MASTER_KEY_H_

#include <string>

#include "absl/status/statusor.h"
#include "server/crypto/secret_bytes.h"

namespace identity::config {

// The environment variable that holds the master key (64 hex characters) when
// --master_key_file is not given.
inline constexpr char kMasterKeyEnv[] = "IDENTITYD_MASTER_KEY";

// Reads the 32-byte master key that seals the state directory from `file`
// (--master_key_file), or from kMasterKeyEnv if `file` is empty: 64 hex
// characters (either case), one trailing newline allowed (as written by
// `openssl rand -hex 32 > FILE`). Refuses:
//   * a file that is not private (secret_source::SharedSecretFile::kRefuse:
//     owned by identityd's user or root, mode 0600 or stricter):
//     kFailedPrecondition;
//   * a key that is not 64 hex characters: kInvalidArgument;
//   * a trivially weak key (kInvalidArgument): fewer than 8 distinct byte
//     values (all zero, all bytes equal, a short pattern repeated, such as
//     "deadbeef" x 8) or a counting sequence (00 01 02 ... 1f, or any fixed
//     step), i.e. one typed or copied from an example rather than drawn at
//     random. A random key is one of these with probability below 2^-120.
// Errors name the flag and file, or the variable, never the key.
absl::StatusOr<crypto::SecretBytes> ReadMasterKey(const std::string& file);

}  // namespace identity::config

#endif  // IDENTITY_SERVER_CONFIG_MASTER_KEY_H_
