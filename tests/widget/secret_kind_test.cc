// SecretKindName: each kind's name, as logs, audit events and metrics show it.

#include <set>

#include "gtest/gtest.h"
#include "server/widget/secret_kind.h"

namespace identity::widget {
namespace {

TEST(SecretKindTest, Names) {
  EXPECT_EQ(SecretKindName(SecretKind::kEmailHash), "email_hash");
  EXPECT_EQ(SecretKindName(SecretKind::kJwt), "jwt");
}

TEST(SecretKindTest, EveryKindHasANameOfItsOwn) {
  std::set<absl::string_view> names;
  for (SecretKind kind : kAllSecretKinds) {
    EXPECT_NE(SecretKindName(kind), "unknown");
    names.insert(SecretKindName(kind));
  }
  EXPECT_EQ(names.size(), kAllSecretKinds.size());
}

}  // namespace
}  // namespace identity::widget
