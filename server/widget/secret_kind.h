#ifndef IDENTITY_SERVER_WIDGET_SECRET_KIND_H_
#define IDENTITY_SERVER_WIDGET_SECRET_KIND_H_

#include <array>

#include "absl/strings/string_view.h"

namespace identity::widget {

// SecretKind names the two kinds of widget secret. A widget may hold both.
enum class SecretKind {
  // The "HMAC email hash" secret (hex-decoded key).
  kEmailHash = 0,
  // The "JWT (signed token)" secret (key = the displayed characters).
  kJwt = 1,
};

// Every kind, for loops over a widget's slots.
inline constexpr std::array<SecretKind, 2> kAllSecretKinds = {SecretKind::kEmailHash,
                                                              SecretKind::kJwt};

// The kind's name in messages, logs, audit events and metrics: "email_hash"
// or "jwt".
absl::string_view SecretKindName(SecretKind kind);

}  // namespace identity::widget

#endif  // IDENTITY_SERVER_WIDGET_SECRET_KIND_H_
