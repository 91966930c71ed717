#ifndef IDENTITY_TESTS_ETCD_STORED_VALUES_H_
#define IDENTITY_TESTS_ETCD_STORED_VALUES_H_

#include <cstdint>
#include <string>
#include <utility>

#include "absl/time/clock.h"
#include "server/crypto/random.h"
#include "server/store/stored_widget.h"

// What the etcd store's tests write: fresh random secrets, and widgets made
// of one.
namespace identity::store::etcd {

inline StoredSecret RandomSecret(widget::SecretKind kind, std::uint64_t version) {
  return StoredSecret{kind, version, ToStoredTime(absl::Now()), *crypto::RandomSecretBytes(32)};
}

// A new widget with one secret (SecretBytes cannot be copied out of an
// initializer list).
inline StoredWidget NewWidget(std::string app_id, StoredSecret secret) {
  StoredWidget widget{std::move(app_id), {}};
  widget.secrets.push_back(std::move(secret));
  return widget;
}

}  // namespace identity::store::etcd

#endif  // IDENTITY_TESTS_ETCD_STORED_VALUES_H_
