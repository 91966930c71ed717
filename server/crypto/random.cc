#include "server/crypto/random.h"

#include <openssl/rand.h>

#include "absl/status/status.h"

namespace identity::crypto {

absl::StatusOr<SecretBytes> RandomSecretBytes(std::size_t size) {
  SecretBytes out(size);
  if (size == 0) return out;
  if (RAND_bytes(out.mutable_data(), static_cast<int>(size)) != 1) {
    return absl::InternalError("the CSPRNG (RAND_bytes) failed to produce random bytes");
  }
  return out;
}

}  // namespace identity::crypto
