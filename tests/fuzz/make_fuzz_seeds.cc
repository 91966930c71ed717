// Writes the binary seeds of the fuzz corpus with the real encoders, so that
// the corpus starts from what identityd really reads:
//   widget_file/  widget files written by the real store (EmbeddedSecretStore
//                 in a scratch state directory, sealed under the corpus
//                 master key of fuzz_support.h)
//   key_check/    that directory's KEYCHECK
//   request_validation/  request messages serialised by the generated code
//   jwt_claims/   claim records in the target's input format
// The JSON and --audit_sink seeds are text files written by hand.
//
//   make_fuzz_seeds tests/fuzz/corpus
//
// Sealing uses fresh random nonces, so a new run changes the bytes of the
// widget and key check seeds (not what they hold).

#include <sys/stat.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "identity/v1/identity.pb.h"
#include "server/crypto/secret_bytes.h"
#include "server/store/embedded_secret_store.h"
#include "server/widget/secret_kind.h"
#include "tests/fuzz/fuzz_support.h"

namespace identity::fuzz {
namespace {

using widget::SecretKind;
using store::StoredSecret;
using namespace std::string_literals;
using store::StoredSecret;

[[noreturn]] void Die(absl::string_view what) {
  std::cerr << "make_fuzz_seeds: " << what << "\n";
  std::exit(1);
}

void Check(const absl::Status& status, absl::string_view what) {
  if (!status.ok()) Die(absl::StrCat(what, ": ", status.ToString()));
}

void WriteFile(const std::string& path, absl::string_view bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!out) Die(absl::StrCat("cannot write ", path));
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) Die(absl::StrCat("cannot read ", path));
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

StoredSecret Secret(SecretKind kind, std::uint64_t version, absl::string_view key) {
  return StoredSecret{kind, version, absl::FromUnixSeconds(1700000000 + 3600 * version),
                      crypto::SecretBytes::Copy(key)};
}

// A widget with `secrets` (StoredSecret is move-only: no initializer list).
template <typename... Secrets>
store::StoredWidget Widget(std::string app_id, Secrets... secrets) {
  store::StoredWidget widget;
  widget.app_id = std::move(app_id);
  (widget.secrets.push_back(std::move(secrets)), ...);
  return widget;
}

// A scratch state directory holding three widgets: one with both kinds and
// a history (what a rotated widget looks like), one with a JWT secret only,
// and one registered without secrets.
void WriteStoreSeeds(const std::string& corpus) {
  char scratch[] = "/tmp/identityd-fuzz-seeds.XXXXXX";
  if (mkdtemp(scratch) == nullptr) Die("mkdtemp");
  const std::string state_dir = absl::StrCat(scratch, "/state");
  {
    // A state directory is made only by an explicit initialisation.
    Check(store::EmbeddedSecretStore::Initialise(state_dir, FuzzMasterKey()),
          "initialise the scratch store");
    absl::StatusOr<std::unique_ptr<store::EmbeddedSecretStore>> store =
        store::EmbeddedSecretStore::Open(state_dir, FuzzMasterKey(), {});
    Check(store.status(), "open the scratch store");
    const std::string hash_key(32, '\x5a');  // an email-hash key: 32 bytes
    Check((*store)->CreateWidget(Widget("shop-main", Secret(SecretKind::kEmailHash, 1, hash_key),
                                        Secret(SecretKind::kJwt, 1, "shop-main-jwt-secret-v1"))),
          "create shop-main");
    Check((*store)->CompareAndSet("shop-main", 1,
                                  Secret(SecretKind::kJwt, 2, "shop-main-jwt-secret-v2")),
          "rotate shop-main");
    Check((*store)->CompareAndSet("shop-main", 2,
                                  Secret(SecretKind::kJwt, 3, "shop-main-jwt-secret-v3")),
          "rotate shop-main");
    Check((*store)->CreateWidget(
              Widget("billing.web_2", Secret(SecretKind::kJwt, 1, "billing-jwt-secret-0001"))),
          "create billing.web_2");
    Check((*store)->CreateWidget(Widget("empty-widget")), "create empty-widget");
  }
  for (const char* app_id : {"shop-main", "billing.web_2", "empty-widget"}) {
    WriteFile(absl::StrCat(corpus, "/widget_file/", app_id, ".widget"),
              ReadFile(absl::StrCat(state_dir, "/widgets/", app_id, ".widget")));
  }
  WriteFile(absl::StrCat(corpus, "/key_check/KEYCHECK"),
            ReadFile(absl::StrCat(state_dir, "/KEYCHECK")));
  std::system(absl::StrCat("rm -rf '", scratch, "'").c_str());
}

void WriteRequestSeeds(const std::string& dir) {
  identity::v1::IssueEmailHashRequest hash;
  hash.set_app_id("shop-main");
  hash.set_email("jane.doe@example.com");
  WriteFile(dir + "/issue_email_hash.bin", hash.SerializeAsString());

  identity::v1::IssueWidgetTokenRequest token;
  token.set_app_id("shop-main");
  token.set_email("jürgen.müller@example.de");
  token.set_name("Jürgen Müller");
  token.set_account_id("acct-1042");
  token.set_account_external_id("crm:7781");
  token.set_contact_id("c-77");
  token.set_contact_external_id("zendesk:99");
  token.mutable_ttl()->set_seconds(300);
  WriteFile(dir + "/issue_widget_token.bin", token.SerializeAsString());

  identity::v1::IssueWidgetTokenRequest minimal;
  minimal.set_app_id("billing.web_2");
  minimal.set_email("a@b");
  minimal.set_name("");
  WriteFile(dir + "/issue_widget_token_minimal.bin", minimal.SerializeAsString());

  identity::v1::RotateSecretRequest rotate_hex;
  rotate_hex.set_app_id("shop-main");
  rotate_hex.set_kind(identity::v1::SECRET_KIND_EMAIL_HASH);
  rotate_hex.set_secret("00112233445566778899aabbccddeeff00112233445566778899AABBCCDDEEFF");
  rotate_hex.set_expected_version(3);
  WriteFile(dir + "/rotate_secret_hex.bin", rotate_hex.SerializeAsString());

  identity::v1::RotateSecretRequest rotate_jwt;
  rotate_jwt.set_app_id("shop-main");
  rotate_jwt.set_kind(identity::v1::SECRET_KIND_JWT);
  rotate_jwt.set_secret("vendor-displayed secret ~!@#$%^&*()");
  WriteFile(dir + "/rotate_secret_jwt.bin", rotate_jwt.SerializeAsString());

  identity::v1::RotateSecretRequest generate;
  generate.set_app_id("shop-main");
  generate.set_kind(identity::v1::SECRET_KIND_JWT);
  generate.set_generate(true);
  WriteFile(dir + "/rotate_secret_generate.bin", generate.SerializeAsString());

  identity::v1::GetWidgetRequest get;
  get.set_app_id("shop-main");
  WriteFile(dir + "/get_widget.bin", get.SerializeAsString());

  identity::v1::ListWidgetsRequest list;
  list.set_page_size(50);
  list.set_page_token("dzE6c2hvcC1tYWlu");  // EncodePageToken("shop-main")
  WriteFile(dir + "/list_widgets.bin", list.SerializeAsString());
}

void WriteJwtSeeds(const std::string& dir) {
  const auto records = [](std::vector<std::string> fields) {
    return absl::StrJoin(fields, "\xff");
  };
  WriteFile(dir + "/minimal", records({"email=jane.doe@example.com", "aud=shop-main",
                                       "iat=1700000000", "exp=1700000600"}));
  WriteFile(dir + "/every_claim",
            records({"email=jürgen.müller@example.de", "aud=shop-main", "iat=1700000000",
                     "exp=1700000900", "name=Jürgen \"Jo\" Müller", "account_id=acct-1042",
                     "account_external_id=crm:7781", "contact_id=c-77",
                     "contact_external_id=zendesk:99"}));
  // What JSON must escape, and what it must carry as it is.
  WriteFile(dir + "/escapes",
            records({"email=a\\b@example.com", "aud=x", "iat=-1", "exp=9223372036854775807",
                     "name=tab\there, nul\0, newline\n, quote\", slash /, U+2028 \xe2\x80\xa8, "
                     "emoji \xf0\x9f\x98\x80"s,
                     "contact_id="}));
}

}  // namespace
}  // namespace identity::fuzz

int main(int argc, char** argv) {
  using namespace identity::fuzz;
  if (argc != 2) Die("usage: make_fuzz_seeds CORPUS_DIR (e.g. tests/fuzz/corpus)");
  const std::string corpus = argv[1];
  for (const char* dir : {"widget_file", "key_check", "request_validation", "jwt_claims"}) {
    mkdir(absl::StrCat(corpus, "/", dir).c_str(), 0755);
  }
  WriteStoreSeeds(corpus);
  WriteRequestSeeds(corpus + "/request_validation");
  WriteJwtSeeds(corpus + "/jwt_claims");
  std::cout << "wrote the binary seeds under " << corpus << "\n";
  return 0;
}
