#include "server/authz/certificate_names.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace identity::authz {
namespace {

using ::testing::HasSubstr;

TEST(CertificateNamesTest, UriSchemeLength) {
  EXPECT_EQ(UriSchemeLength("spiffe://corp/x"), 6u);
  EXPECT_EQ(UriSchemeLength("urn:corp:x"), 3u);
  EXPECT_EQ(UriSchemeLength("a+b-c.d:x"), 7u);
  EXPECT_EQ(UriSchemeLength("billing.corp.example"), 0u);  // no ':'
  EXPECT_EQ(UriSchemeLength("1abc:x"), 0u);                // must start with a letter
  EXPECT_EQ(UriSchemeLength(":x"), 0u);
  EXPECT_EQ(UriSchemeLength("a b:x"), 0u);
  EXPECT_EQ(UriSchemeLength(""), 0u);
}

TEST(CertificateNamesTest, SchemeAndAuthority) {
  EXPECT_TRUE(StartsWithSchemeAndAuthority("spiffe://corp/ops/alice"));
  EXPECT_TRUE(StartsWithSchemeAndAuthority("HTTPS://x"));
  EXPECT_FALSE(StartsWithSchemeAndAuthority("urn:corp:x"));
  EXPECT_FALSE(StartsWithSchemeAndAuthority("spiffe:/corp"));
  EXPECT_FALSE(StartsWithSchemeAndAuthority("//corp/x"));
  EXPECT_FALSE(StartsWithSchemeAndAuthority("billing-api"));
}

TEST(CertificateNamesTest, UriNamesAcceptedAsPrincipals) {
  for (absl::string_view ok : {"spiffe://corp/ops/alice", "spiffe://corp", "spiffe://a_b.c-d/X.y_z-1",
                               "urn:corp:billing", "https://corp.example/svc?x=1"}) {
    EXPECT_TRUE(CheckUriName(ok).ok()) << ok << ": " << CheckUriName(ok);
  }
}

TEST(CertificateNamesTest, UriNamesRefused) {
  const struct {
    std::string uri;
    const char* why;
  } cases[] = {
      {"", "1 to 1024 bytes"},
      {std::string(1025, 'a'), "1 to 1024 bytes"},
      {"billing-api", "must start with a scheme"},
      {"//corp/x", "must start with a scheme"},
      {"spiffe://corp/a b", "printable ASCII"},
      {"spiffe://corp/\x01", "printable ASCII"},
      {"spiffe://corp/caf\xc3\xa9", "printable ASCII"},
      // SPIFFE IDs have one spelling.
      {"SPIFFE://corp/ops", "\"spiffe://\" in lowercase"},
      {"spiffe:corp/ops", "\"spiffe://\" in lowercase"},
      {"spiffe://Corp/ops", "trust domain may only use"},
      {"spiffe://corp:443/ops", "trust domain may only use"},
      {"spiffe://user@corp/ops", "trust domain may only use"},
      {"spiffe:///ops", "must name a trust domain"},
      {"spiffe://corp/ops/../admin", "\"..\" segments"},
      {"spiffe://corp/./ops", "\"..\" segments"},
      {"spiffe://corp//ops", "\"..\" segments"},
      {"spiffe://corp/ops/", "\"..\" segments"},
      {"spiffe://corp/ops?x=1", "no query"},
      {"spiffe://corp/ops#x", "no query"},
      {"spiffe://corp/%6fps", "percent-encoding"},
  };
  for (const auto& c : cases) {
    const absl::Status s = CheckUriName(c.uri);
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << c.uri;
    EXPECT_THAT(s.message(), HasSubstr(c.why)) << c.uri;
  }
}

TEST(CertificateNamesTest, DnsNames) {
  for (absl::string_view ok : {"billing.identityd.test", "localhost", "a", "xn--bcher-kva.example",
                               "1.2.3.example", "my_service.corp", "a-b.c"}) {
    EXPECT_TRUE(IsDnsName(ok)) << ok;
  }
  const std::string long_label = std::string(64, 'a') + ".example";
  const std::string long_name = std::string(63, 'a') + "." + std::string(63, 'b') + "." +
                                std::string(63, 'c') + "." + std::string(63, 'd');  // 255
  for (absl::string_view bad :
       {absl::string_view(""), absl::string_view("spiffe://identityd.test/ops/alice"),
        absl::string_view("*.identityd.test"), absl::string_view("Billing.corp"),
        absl::string_view("billing.corp."), absl::string_view(".corp"),
        absl::string_view("a..b"), absl::string_view("-a.b"), absl::string_view("a-.b"),
        absl::string_view("a b"), absl::string_view("a:80"), absl::string_view("a/b"),
        absl::string_view("a\nb"), absl::string_view(long_label),
        absl::string_view(long_name)}) {
    EXPECT_FALSE(IsDnsName(bad)) << bad;
  }
  EXPECT_TRUE(HasOnlyDnsNameCharacters("billing-1.corp_x."));
  EXPECT_FALSE(HasOnlyDnsNameCharacters("billing/"));
  EXPECT_FALSE(HasOnlyDnsNameCharacters("Billing"));
}

TEST(CertificateNamesTest, CommonNames) {
  // A CN is free text: it only ever matches "cn:" patterns.
  for (absl::string_view ok : {"billing-api", "Jane Doe", "system:node:worker-1",
                               "spiffe://identityd.test/ops/alice", "caf\xc3\xa9"}) {
    EXPECT_TRUE(IsUsableCommonName(ok)) << ok;
  }
  for (absl::string_view bad : {absl::string_view(""), absl::string_view("a\nb"),
                                absl::string_view("a\x7f"), absl::string_view("a\xc2\x85" "b"),
                                absl::string_view("tab\there")}) {
    EXPECT_FALSE(IsUsableCommonName(bad)) << bad;
  }
  EXPECT_FALSE(IsUsableCommonName(std::string(kMaxPrincipalLength + 1, 'a')));
  EXPECT_TRUE(IsUsableCommonName(std::string(kMaxPrincipalLength, 'a')));
}

}  // namespace
}  // namespace identity::authz
