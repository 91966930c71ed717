#ifndef IDENTITY_SERVER_CRYPTO_RANDOM_H_
#define IDENTITY_SERVER_CRYPTO_RANDOM_H_

#include <cstddef>

#include "absl/status/statusor.h"
#include "server/crypto/secret_bytes.h"

namespace identity::crypto {

// RandomSecretBytes returns `size` bytes from the crypto library's CSPRNG
// (RAND_bytes), in secret memory. kInternal if the generator fails (for
// example, it could not be seeded); never returns weak bytes.
absl::StatusOr<SecretBytes> RandomSecretBytes(std::size_t size);

}  // namespace identity::crypto

#endif  // IDENTITY_SERVER_CRYPTO_RANDOM_H_
