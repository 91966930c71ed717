#include "server/service/proto_mapping.h"

#include <cstdint>

#include "absl/time/time.h"

namespace identity::service {
namespace {

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

std::optional<widget::SecretKind> KindFromProto(identity::v1::SecretKind kind) {
  switch (kind) {
    case identity::v1::SECRET_KIND_EMAIL_HASH:
      return widget::SecretKind::kEmailHash;
    case identity::v1::SECRET_KIND_JWT:
      return widget::SecretKind::kJwt;
    default:
      return std::nullopt;
  }
}

identity::v1::SecretKind KindToProto(widget::SecretKind kind) {
  switch (kind) {
    case widget::SecretKind::kEmailHash:
      return identity::v1::SECRET_KIND_EMAIL_HASH;
    case widget::SecretKind::kJwt:
      return identity::v1::SECRET_KIND_JWT;
  }
  return identity::v1::SECRET_KIND_UNSPECIFIED;
}

std::array<OptionalClaimField, 5> OptionalClaimFields(
    const identity::v1::IssueWidgetTokenRequest& request, crypto::WidgetClaims& claims) {
  return {{
      {"name", request.has_name(), request.name(), true, claims.name},
      {"account_id", request.has_account_id(), request.account_id(), false, claims.account_id},
      {"account_external_id", request.has_account_external_id(), request.account_external_id(),
       false, claims.account_external_id},
      {"contact_id", request.has_contact_id(), request.contact_id(), false, claims.contact_id},
      {"contact_external_id", request.has_contact_external_id(), request.contact_external_id(),
       false, claims.contact_external_id},
  }};
}

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

}  // namespace identity::service
