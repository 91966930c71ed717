#include "server/service/widget_view.h"

#include <algorithm>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "server/keyring/app_id.h"

namespace identity::service {
namespace {

// Bumped if the token's content ever changes, so old tokens are refused
// rather than misread.
constexpr absl::string_view kTokenPrefix = "w1:";

identity::v1::SecretKind KindToProto(keyring::SecretKind kind) {
  switch (kind) {
    case keyring::SecretKind::kEmailHash:
      return identity::v1::SECRET_KIND_EMAIL_HASH;
    case keyring::SecretKind::kJwt:
      return identity::v1::SECRET_KIND_JWT;
  }
  return identity::v1::SECRET_KIND_UNSPECIFIED;
}

void ToProto(const store::SecretVersionInfo& info, identity::v1::SecretVersionInfo& out) {
  out.set_version(info.version);
  out.set_fingerprint(info.fingerprint);
  const std::int64_t micros = absl::ToUnixMicros(info.created_at);
  // Floor division, so that times before 1970 get nanos in [0, 1e9).
  std::int64_t seconds = micros / 1000000;
  std::int64_t rest = micros % 1000000;
  if (rest < 0) {
    rest += 1000000;
    --seconds;
  }
  out.mutable_create_time()->set_seconds(seconds);
  out.mutable_create_time()->set_nanos(static_cast<std::int32_t>(rest * 1000));
}

}  // namespace

void ToProto(const store::WidgetInfo& info, identity::v1::Widget& out) {
  out.set_app_id(info.app_id);
  identity::v1::WidgetSecret* secret = nullptr;
  for (const store::SecretVersionInfo& version : info.versions) {
    const identity::v1::SecretKind kind = KindToProto(version.kind);
    if (secret == nullptr || secret->kind() != kind) {
      // The first (newest) version of a kind is its current one.
      secret = out.add_secrets();
      secret->set_kind(kind);
      ToProto(version, *secret->mutable_current());
    } else {
      ToProto(version, *secret->add_previous());
    }
  }
}

absl::StatusOr<std::size_t> ResolvePageSize(std::int32_t page_size) {
  if (page_size < 0) return absl::InvalidArgumentError("page_size: must not be negative");
  if (page_size == 0) return kDefaultWidgetPageSize;
  return std::min(static_cast<std::size_t>(page_size), kMaxWidgetPageSize);
}

std::string EncodePageToken(absl::string_view last_app_id) {
  return absl::WebSafeBase64Escape(absl::StrCat(kTokenPrefix, last_app_id));
}

absl::StatusOr<std::string> DecodePageToken(absl::string_view token) {
  if (token.empty()) return std::string();
  std::string decoded;
  absl::string_view app_id;
  if (absl::WebSafeBase64Unescape(token, &decoded)) {
    app_id = decoded;
    if (absl::ConsumePrefix(&app_id, kTokenPrefix) && keyring::ValidateAppId(app_id).ok()) {
      return std::string(app_id);
    }
  }
  return absl::InvalidArgumentError(
      "page_token: not a token returned by ListWidgets (pass next_page_token unchanged)");
}

}  // namespace identity::service
