#include "server/crypto/constant_time.h"

#include <openssl/crypto.h>

namespace identity::crypto {

bool ConstantTimeEquals(absl::string_view a, absl::string_view b) {
  if (a.size() != b.size()) return false;
  if (a.empty()) return true;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace identity::crypto
