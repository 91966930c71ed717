// SecretKindName / ParseSecretKind.

#include "gtest/gtest.h"
#include "server/keyring/secret_kind.h"

namespace identity::keyring {
namespace {

TEST(SecretKindTest, Names) {
  EXPECT_EQ(SecretKindName(SecretKind::kEmailHash), "email_hash");
  EXPECT_EQ(SecretKindName(SecretKind::kJwt), "jwt");
}

TEST(SecretKindTest, ParseRoundTripsEveryKind) {
  for (SecretKind kind : kAllSecretKinds) {
    EXPECT_EQ(ParseSecretKind(SecretKindName(kind)), kind);
  }
}

TEST(SecretKindTest, ParseRejectsAnythingElse) {
  for (absl::string_view name : {"", "EMAIL_HASH", "Email_Hash", "email-hash", "emailhash", "JWT",
                                 "jwt ", " jwt", "SECRET_KIND_JWT", "hmac", "unknown"}) {
    EXPECT_FALSE(ParseSecretKind(name).has_value()) << name;
  }
}

}  // namespace
}  // namespace identity::keyring
