#include "tests/support/test_pki.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "tests/support/subprocess.h"

namespace identity::testing {

absl::StatusOr<std::unique_ptr<TestPki>> TestPki::Create() {
  std::unique_ptr<TestPki> pki(new TestPki());
  absl::StatusOr<RunResult> run = RunProgram({"/bin/bash", DEV_PKI_SCRIPT, pki->dir(), "--test"},
                                             pki->dir(), "", absl::Seconds(120));
  if (!run.ok()) return run.status();
  if (!run->exit.exited || run->exit.exit_code != 0) {
    return absl::InternalError(absl::StrCat("dev_pki.sh failed: ", run->stdout_text,
                                            run->stderr_text));
  }
  return pki;
}

std::shared_ptr<grpc::ChannelCredentials> TestPki::Credentials(const std::string& name,
                                                               const std::string& ca) const {
  grpc::SslCredentialsOptions ssl;
  ssl.pem_root_certs = ReadFileOrEmpty(Cert(ca));
  if (!name.empty()) {
    ssl.pem_cert_chain = ReadFileOrEmpty(Cert(name));
    ssl.pem_private_key = ReadFileOrEmpty(Key(name));
  }
  return grpc::SslCredentials(ssl);
}

std::vector<std::string> TestPki::IdentityctlFlags(const std::string& name,
                                                   const std::string& ca) const {
  return {absl::StrCat("--ca=", Cert(ca)), absl::StrCat("--cert=", Cert(name)),
          absl::StrCat("--key=", Key(name))};
}

}  // namespace identity::testing
