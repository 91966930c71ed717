// The proto <-> domain mapping: secret kinds both ways, the optional claims of
// an IssueWidgetToken request and the claims they fill, and a widget's view
// (versions grouped by kind, newest first; times before 1970 too).

#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "server/service/proto_mapping.h"

namespace identity::service {
namespace {

using widget::SecretKind;

TEST(KindMappingTest, EveryKindRoundTrips) {
  for (SecretKind kind : widget::kAllSecretKinds) {
    EXPECT_EQ(KindFromProto(KindToProto(kind)), kind);
    EXPECT_NE(KindToProto(kind), identity::v1::SECRET_KIND_UNSPECIFIED);
  }
  EXPECT_EQ(KindFromProto(identity::v1::SECRET_KIND_EMAIL_HASH), SecretKind::kEmailHash);
  EXPECT_EQ(KindFromProto(identity::v1::SECRET_KIND_JWT), SecretKind::kJwt);
}

TEST(KindMappingTest, UnspecifiedAndUnknownValuesAreNoKind) {
  EXPECT_FALSE(KindFromProto(identity::v1::SECRET_KIND_UNSPECIFIED).has_value());
  EXPECT_FALSE(KindFromProto(static_cast<identity::v1::SecretKind>(9)).has_value());
  EXPECT_FALSE(KindFromProto(static_cast<identity::v1::SecretKind>(-1)).has_value());
}

TEST(OptionalClaimFieldsTest, TheContractsOrderEachFieldToItsClaim) {
  identity::v1::IssueWidgetTokenRequest request;
  request.set_name("");
  request.set_account_id("a-1");
  request.set_contact_external_id("ce-5");
  crypto::WidgetClaims claims;
  std::vector<std::string> names;
  for (const OptionalClaimField& field : OptionalClaimFields(request, claims)) {
    names.emplace_back(field.name);
    EXPECT_EQ(field.allow_empty, field.name == "name") << field.name;
    if (field.has) field.claim = field.value;
  }
  EXPECT_EQ(names, (std::vector<std::string>{"name", "account_id", "account_external_id",
                                             "contact_id", "contact_external_id"}));
  EXPECT_EQ(claims.name, std::optional<absl::string_view>(""));
  EXPECT_EQ(claims.account_id, std::optional<absl::string_view>("a-1"));
  EXPECT_FALSE(claims.account_external_id.has_value());
  EXPECT_FALSE(claims.contact_id.has_value());
  EXPECT_EQ(claims.contact_external_id, std::optional<absl::string_view>("ce-5"));
}

TEST(WidgetToProtoTest, VersionsGroupedByKindNewestFirst) {
  store::WidgetInfo info;
  info.app_id = "shop-main";
  const absl::Time t = absl::FromUnixMicros(1760000000123456);
  info.versions = {{SecretKind::kEmailHash, 3, t, "aaaaaaaaaaaaaaaa"},
                   {SecretKind::kEmailHash, 2, t - absl::Hours(1), "bbbbbbbbbbbbbbbb"},
                   {SecretKind::kJwt, 1, absl::FromUnixMicros(-1), "cccccccccccccccc"}};
  identity::v1::Widget out;
  ToProto(info, out);
  EXPECT_EQ(out.app_id(), "shop-main");
  ASSERT_EQ(out.secrets_size(), 2);
  const identity::v1::WidgetSecret& hash = out.secrets(0);
  EXPECT_EQ(hash.kind(), identity::v1::SECRET_KIND_EMAIL_HASH);
  EXPECT_EQ(hash.current().version(), 3u);
  EXPECT_EQ(hash.current().fingerprint(), "aaaaaaaaaaaaaaaa");
  EXPECT_EQ(hash.current().create_time().seconds(), 1760000000);
  EXPECT_EQ(hash.current().create_time().nanos(), 123456000);
  ASSERT_EQ(hash.previous_size(), 1);
  EXPECT_EQ(hash.previous(0).version(), 2u);
  const identity::v1::WidgetSecret& jwt = out.secrets(1);
  EXPECT_EQ(jwt.kind(), identity::v1::SECRET_KIND_JWT);
  EXPECT_EQ(jwt.previous_size(), 0);
  // 1 µs before 1970: seconds -1 and nanos 999999000, as google.protobuf.Timestamp wants.
  EXPECT_EQ(jwt.current().create_time().seconds(), -1);
  EXPECT_EQ(jwt.current().create_time().nanos(), 999999000);
}

}  // namespace
}  // namespace identity::service
