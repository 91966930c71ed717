#ifndef IDENTITY_TESTS_KEYRING_TEST_VERSIONS_H_
#define IDENTITY_TESTS_KEYRING_TEST_VERSIONS_H_

// Deterministic, test-only secret versions for the keyring tests.

#include <cstdint>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/time.h"
#include "server/crypto/secret_bytes.h"
#include "server/keyring/secret_version.h"
#include "server/widget/secret_kind.h"

namespace identity::keyring_testing {

// A 32-character printable key unique to (app, kind, version): valid for both
// kinds (32 bytes for an email-hash key, 32 characters for a JWT secret).
inline std::string TestKey(absl::string_view app_id, widget::SecretKind kind,
                           std::uint64_t version) {
  std::string key = absl::StrFormat("%s/%s/v%d/", app_id.substr(0, 12),
                                    widget::SecretKindName(kind), version);
  key.resize(32, '-');
  return key;
}

// Builds that version, or null (with a test failure) if Create refuses it.
inline std::shared_ptr<const keyring::SecretVersion> TestVersion(absl::string_view app_id,
                                                                 widget::SecretKind kind,
                                                                 std::uint64_t version) {
  absl::StatusOr<std::shared_ptr<const keyring::SecretVersion>> v = keyring::SecretVersion::Create(
      kind, version, crypto::SecretBytes::Copy(TestKey(app_id, kind, version)),
      absl::FromUnixSeconds(1700000000));
  return v.ok() ? *std::move(v) : nullptr;
}

}  // namespace identity::keyring_testing

#endif  // IDENTITY_TESTS_KEYRING_TEST_VERSIONS_H_
