// etcd-fill: writes N widgets (one email-hash and one JWT secret each, random,
// sealed under the master key as identityd seals them) under an etcd prefix,
// 128 puts per transaction (etcd's limit), so that the start-up of a replica
// with many widgets can be measured (scripts/bench part 6):
//
//   etcd-fill --etcd_endpoints=URL[,URL...] --etcd_prefix=/bench/ \
//             --master_key_file=FILE --widgets=100000
//
// The key check record is made first (as by a replica's first start). No
// secret is printed.

#include <cstdio>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "server/config/master_key.h"
#include "server/crypto/random.h"
#include "server/store/etcd/etcd_client.h"
#include "server/store/etcd/etcd_secret_store.h"
#include "server/store/etcd/etcd_widget_value.h"
#include "server/store/sealed_entry.h"

ABSL_FLAG(std::string, etcd_endpoints, "", "etcd member URLs.");
ABSL_FLAG(std::string, etcd_prefix, "/bench/", "Key prefix.");
ABSL_FLAG(std::string, master_key_file, "", "The master key (64 hex characters).");
ABSL_FLAG(int, widgets, 1000, "Widgets to write.");

namespace identity::store::etcd {
namespace {

int Run() {
  absl::StatusOr<crypto::SecretBytes> master_key =
      config::ReadMasterKey(absl::GetFlag(FLAGS_master_key_file));
  if (!master_key.ok()) return std::fprintf(stderr, "%s\n", master_key.status().ToString().c_str()), 1;
  absl::StatusOr<std::vector<std::string>> endpoints =
      ParseEtcdEndpoints(absl::GetFlag(FLAGS_etcd_endpoints));
  if (!endpoints.ok()) return std::fprintf(stderr, "%s\n", endpoints.status().ToString().c_str()), 1;
  // Opening a store makes the key check (and checks the key).
  EtcdSecretStore::Options options;
  options.client.endpoints = *endpoints;
  options.prefix = absl::GetFlag(FLAGS_etcd_prefix);
  {
    absl::StatusOr<std::unique_ptr<EtcdSecretStore>> store =
        EtcdSecretStore::Open(options, *master_key);
    if (!store.ok()) return std::fprintf(stderr, "%s\n", store.status().ToString().c_str()), 1;
  }
  absl::StatusOr<std::unique_ptr<EtcdClient>> client = EtcdClient::New(options.client);
  absl::StatusOr<std::unique_ptr<crypto::Aes256Gcm>> aead = crypto::Aes256Gcm::New(*master_key);
  if (!client.ok() || !aead.ok()) return 1;
  const int count = absl::GetFlag(FLAGS_widgets);
  const absl::Time start = absl::Now();
  etcdserverpb::TxnRequest txn;
  for (int i = 0; i < count; ++i) {
    const std::string app_id = absl::StrCat("widget-", i);
    WidgetFileContents contents{app_id, {}};
    for (widget::SecretKind kind : widget::kAllSecretKinds) {
      crypto::SecretBytes key = *crypto::RandomSecretBytes(32);
      if (kind == widget::SecretKind::kJwt) {
        // JWT secrets are printable: use the hex form of the random bytes.
        key = crypto::SecretBytes::Copy(absl::BytesToHexString(key.view()));
      }
      StoredSecret secret{kind, 1, ToStoredTime(absl::Now()), std::move(key)};
      contents.entries.push_back(*SealEntry(**aead, app_id, secret));
    }
    etcdserverpb::PutRequest* put = txn.add_success()->mutable_request_put();
    put->set_key(absl::StrCat(options.prefix, "widgets/", app_id));
    put->set_value(EncodeEtcdWidgetValue(std::string(kRotationIdSize, '\0'), contents));
    if (txn.success_size() == 128 || i + 1 == count) {
      EtcdClient::TxnOutcome outcome = (*client)->Txn(txn, absl::Now() + absl::Seconds(30));
      if (!outcome.status.ok()) {
        std::fprintf(stderr, "%s\n", outcome.status.ToString().c_str());
        return 1;
      }
      txn.Clear();
    }
  }
  std::printf("wrote %d widgets in %s\n", count,
              absl::FormatDuration(absl::Trunc(absl::Now() - start, absl::Milliseconds(1))).c_str());
  return 0;
}

}  // namespace
}  // namespace identity::store::etcd

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  return identity::store::etcd::Run();
}
