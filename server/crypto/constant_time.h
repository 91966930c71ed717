#ifndef IDENTITY_SERVER_CRYPTO_CONSTANT_TIME_H_
#define IDENTITY_SERVER_CRYPTO_CONSTANT_TIME_H_

#include "absl/strings/string_view.h"

namespace identity::crypto {

// ConstantTimeEquals reports whether `a` and `b` hold the same bytes, taking
// time that depends only on their lengths (CRYPTO_memcmp), so that comparing a
// secret or a MAC leaks nothing about where they differ. Lengths are public.
bool ConstantTimeEquals(absl::string_view a, absl::string_view b);

}  // namespace identity::crypto

#endif  // IDENTITY_SERVER_CRYPTO_CONSTANT_TIME_H_
