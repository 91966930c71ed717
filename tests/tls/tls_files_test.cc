// CheckServerTlsFiles: what identityd finds wrong with its TLS files at start
// (and at each reload), before gRPC would at the first handshake. Certificates
// from the test PKI (openssl CLI); one ctest, so they are made once.

#include "server/tls/tls_files.h"

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/subprocess.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_pki.h"

namespace identity::tls {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

class TlsFilesTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    absl::StatusOr<std::unique_ptr<testing::TestPki>> pki = testing::TestPki::Create();
    ASSERT_TRUE(pki.ok()) << pki.status();
    pki_ = pki->release();
  }
  static void TearDownTestSuite() {
    delete pki_;
    pki_ = nullptr;
  }

  static ServerTlsFiles Good() {
    return {pki_->Cert("server"), pki_->Key("server"), pki_->Cert("ca")};
  }
  static std::string Message(const absl::StatusOr<std::string>& r) {
    return std::string(r.status().message());
  }

  static testing::TestPki* pki_;
  testing::TempDir dir_;
};

testing::TestPki* TlsFilesTest::pki_ = nullptr;

TEST_F(TlsFilesTest, GoodFilesGiveASummaryWithoutKeyMaterial) {
  absl::StatusOr<std::string> summary = CheckServerTlsFiles(Good());
  ASSERT_TRUE(summary.ok()) << summary.status();
  EXPECT_THAT(*summary, AllOf(StartsWith("server certificate \""), HasSubstr("valid until"),
                              HasSubstr("1 CA certificate(s) in " + pki_->Cert("ca")),
                              Not(HasSubstr("PRIVATE")), Not(HasSubstr("-----BEGIN"))));
}

TEST_F(TlsFilesTest, AMissingFileIsNotFoundNamingItsFlag) {
  ServerTlsFiles files = Good();
  files.key_file = dir_.File("absent.key");
  absl::StatusOr<std::string> r = CheckServerTlsFiles(files);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(Message(r), StartsWith("--tls_key_file " + files.key_file + ": cannot open"));

  files = Good();
  files.cert_file.clear();
  EXPECT_THAT(Message(CheckServerTlsFiles(files)), StartsWith("--tls_cert_file is required"));
}

TEST_F(TlsFilesTest, AKeyOfAnotherCertificateIsRefusedWithoutEchoingIt) {
  ServerTlsFiles files = Good();
  files.key_file = pki_->Key("ops");
  absl::StatusOr<std::string> r = CheckServerTlsFiles(files);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(Message(r), AllOf(StartsWith("--tls_key_file " + files.key_file),
                                HasSubstr("does not match the certificate in --tls_cert_file")));
  EXPECT_THAT(Message(r), Not(HasSubstr(testing::ReadFileOrEmpty(files.key_file).substr(40, 32))));
}

TEST_F(TlsFilesTest, FilesThatAreNotWhatTheirFlagSaysAreRefused) {
  const std::string garbage = dir_.File("garbage.pem");
  testing::WriteFileOrDie(garbage, "not PEM at all\n");

  ServerTlsFiles files = Good();
  files.cert_file = pki_->Key("server");  // a key where the certificate goes
  EXPECT_THAT(Message(CheckServerTlsFiles(files)),
              StartsWith("--tls_cert_file " + files.cert_file + ": holds no PEM certificate"));

  files = Good();
  files.key_file = pki_->Cert("server");  // a certificate where the key goes
  EXPECT_THAT(Message(CheckServerTlsFiles(files)),
              HasSubstr("holds no unencrypted PEM private key"));

  files = Good();
  files.client_ca_file = garbage;
  EXPECT_THAT(Message(CheckServerTlsFiles(files)),
              StartsWith("--tls_client_ca_file " + garbage + ": holds no PEM certificate"));
}

TEST_F(TlsFilesTest, AnExpiredCertificateIsRefusedWithItsEndDate) {
  ServerTlsFiles files = Good();
  files.cert_file = pki_->Cert("expired");
  files.key_file = pki_->Key("expired");
  EXPECT_THAT(Message(CheckServerTlsFiles(files)),
              AllOf(StartsWith("--tls_cert_file " + files.cert_file + ": the certificate expired"),
                    HasSubstr("2020")));
}

}  // namespace
}  // namespace identity::tls
