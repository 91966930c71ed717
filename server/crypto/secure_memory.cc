#include "server/crypto/secure_memory.h"

#include <openssl/crypto.h>

#include <cstdlib>

namespace identity::crypto {

void* SecureAllocate(std::size_t size) {
  // malloc(0) may return null; ask for at least one byte so that a null
  // result always means "out of memory".
  void* ptr = std::malloc(size == 0 ? 1 : size);
  if (ptr == nullptr) throw std::bad_alloc();
  return ptr;
}

void SecureFree(void* ptr, std::size_t size) {
  if (ptr == nullptr) return;
  OPENSSL_cleanse(ptr, size);
  std::free(ptr);
}

}  // namespace identity::crypto
