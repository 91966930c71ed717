// The principal derived from real certificates made by the openssl CLI.
#include "server/authz/caller_identity.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/subprocess.h"
#include "tests/support/test_pki.h"

namespace identity::authz {
namespace {

using ::identity::testing::ReadFileOrEmpty;
using ::identity::testing::TestPki;

class CallerIdentityTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    absl::StatusOr<std::unique_ptr<TestPki>> pki = TestPki::Create();
    ASSERT_TRUE(pki.ok()) << pki.status();
    pki_ = pki->release();
  }
  static void TearDownTestSuite() { delete pki_; }

  static absl::StatusOr<CallerIdentity> Of(const std::string& name) {
    return CallerIdentityFromCertificatePem(ReadFileOrEmpty(pki_->Cert(name)));
  }

  static TestPki* pki_;
};

TestPki* CallerIdentityTest::pki_ = nullptr;

TEST_F(CallerIdentityTest, UriSanComesFirst) {
  // The ops certificate also has a CN ("ops-alice"): the URI SAN wins.
  absl::StatusOr<CallerIdentity> id = Of("ops");
  ASSERT_TRUE(id.ok()) << id.status();
  EXPECT_EQ(id->principal(), TestPki::kOpsPrincipal);
  EXPECT_EQ(id->qualified_name(), TestPki::kOpsPrincipal);
  EXPECT_EQ(id->source(), PrincipalSource::kUriSan);
  EXPECT_TRUE(id->authenticated());
  EXPECT_EQ(PrincipalSourceName(id->source()), "uri_san");
}

TEST_F(CallerIdentityTest, DnsSanWithoutUriSan) {
  absl::StatusOr<CallerIdentity> id = Of("dns");
  ASSERT_TRUE(id.ok()) << id.status();
  EXPECT_EQ(id->principal(), TestPki::kDnsPrincipal);
  EXPECT_EQ(id->qualified_name(), std::string("dns:") + TestPki::kDnsPrincipal);
  EXPECT_EQ(id->source(), PrincipalSource::kDnsSan);
}

TEST_F(CallerIdentityTest, CommonNameWithoutSans) {
  absl::StatusOr<CallerIdentity> id = Of("cn");
  ASSERT_TRUE(id.ok()) << id.status();
  EXPECT_EQ(id->principal(), TestPki::kCnPrincipal);
  EXPECT_EQ(id->qualified_name(), std::string("cn:") + TestPki::kCnPrincipal);
  EXPECT_EQ(id->source(), PrincipalSource::kCommonName);
}

// A CN is free text: one reading like an operator's SPIFFE ID is accepted, as
// a CN (policies then never match it with a URI pattern).
TEST_F(CallerIdentityTest, CommonNameThatLooksLikeASpiffeIdStaysACommonName) {
  absl::StatusOr<CallerIdentity> id = Of("cn-spiffe");
  ASSERT_TRUE(id.ok()) << id.status();
  EXPECT_EQ(id->principal(), TestPki::kOpsPrincipal);
  EXPECT_EQ(id->source(), PrincipalSource::kCommonName);
  EXPECT_EQ(id->qualified_name(), std::string("cn:") + TestPki::kOpsPrincipal);
}

TEST_F(CallerIdentityTest, DnsSanIsLowercased) {
  absl::StatusOr<CallerIdentity> id = Of("mixed-case-dns");
  ASSERT_TRUE(id.ok()) << id.status();
  EXPECT_EQ(id->principal(), "billing.identityd.test");
  EXPECT_EQ(id->source(), PrincipalSource::kDnsSan);
}

// Certificates whose deciding name is not one a caller may have: refused,
// without falling back to a weaker name.
TEST_F(CallerIdentityTest, UnusableNamesAreUnauthenticated) {
  const struct {
    const char* cert;
    const char* error;
  } cases[] = {
      {"dns-spiffe", "client certificate: its DNS SAN is not a DNS host name"},
      {"wildcard-dns", "client certificate: its DNS SAN is not a DNS host name"},
      {"two-uris", "client certificate: it has 2 URI SANs; a caller is named by exactly one"},
      {"dotdot-spiffe",
       "client certificate: its URI SAN is unusable: a SPIFFE ID's path must not have empty, "
       "\".\" or \"..\" segments"},
  };
  for (const auto& c : cases) {
    absl::StatusOr<CallerIdentity> id = Of(c.cert);
    EXPECT_EQ(id.status().code(), absl::StatusCode::kUnauthenticated) << c.cert;
    EXPECT_THAT(std::string(id.status().message()), ::testing::HasSubstr(c.error)) << c.cert;
  }
}

TEST_F(CallerIdentityTest, NotACertificate) {
  EXPECT_EQ(CallerIdentityFromCertificatePem("garbage").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(CallerIdentityFromCertificatePem("").status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(CallerIdentityDefaultTest, NoCertificateMeansUnauthenticated) {
  CallerIdentity none;
  EXPECT_FALSE(none.authenticated());
  EXPECT_EQ(none.principal(), "");
  EXPECT_EQ(none.qualified_name(), "");
  EXPECT_EQ(PrincipalSourceName(none.source()), "none");
}

}  // namespace
}  // namespace identity::authz
