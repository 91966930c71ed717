// Fuzzes the widget file decoder (store::DecodeWidgetFile): the bytes of
// STATE_DIR/widgets/APP_ID.widget, which anyone who can write the state
// directory controls. Each input is decoded as it is and again with its
// trailing SHA-256 made right (tests/fuzz/fuzz_support.h says why).
//
// Properties, beyond "no crash, no sanitizer report":
//  * a refusal is DATA_LOSS, or FAILED_PRECONDITION for an intact file of
//    another format version (the version field is not 1);
//  * a decoded file has what the format promises: a valid app_id, at most
//    kMaxWidgetFileEntries entries, each kind in one group, newest first,
//    versions >= 1, sealed keys of possible lengths;
//  * a decoded file re-encodes to exactly the same bytes;
//  * a key that opens under the corpus master key (the seeds' keys do) opens
//    only with its own entry's associated data, and has the sealed length
//    less the AES-GCM overhead.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "server/crypto/aes256_gcm.h"
#include "server/store/widget_file.h"
#include "server/widget/app_id.h"
#include "tests/fuzz/fuzz_support.h"

namespace identity::fuzz {
namespace {

using store::WidgetFileContents;
using store::WidgetFileEntry;

void CheckEntries(const WidgetFileContents& contents) {
  FUZZ_CHECK(widget::ValidateAppId(contents.app_id).ok(), absl::CEscape(contents.app_id));
  FUZZ_CHECK(contents.entries.size() <= store::kMaxWidgetFileEntries, "entry count");
  for (std::size_t i = 0; i < contents.entries.size(); ++i) {
    const WidgetFileEntry& e = contents.entries[i];
    FUZZ_CHECK(e.version >= 1, "version 0");
    FUZZ_CHECK(e.sealed.size() > crypto::Aes256Gcm::kOverhead, "sealed length");
    if (i == 0) continue;
    const WidgetFileEntry& before = contents.entries[i - 1];
    if (e.kind == before.kind) {
      FUZZ_CHECK(e.version < before.version, "versions not strictly decreasing");
    } else {
      for (std::size_t k = 0; k < i; ++k) {
        FUZZ_CHECK(contents.entries[k].kind != e.kind, "a kind split in two groups");
      }
    }
  }
}

void CheckKeys(const WidgetFileContents& contents) {
  const crypto::Aes256Gcm& aead = FuzzAead();
  for (const WidgetFileEntry& e : contents.entries) {
    const absl::StatusOr<crypto::SecretBytes> key = aead.Open(
        e.sealed, store::EntryAssociatedData(contents.app_id, e.kind, e.version, e.created_at));
    if (!key.ok()) {
      FUZZ_CHECK(key.status().code() == absl::StatusCode::kDataLoss, key.status().ToString());
      continue;
    }
    FUZZ_CHECK(key->size() == e.sealed.size() - crypto::Aes256Gcm::kOverhead, "key length");
    // Bound to this entry: the same key relabelled with the next version
    // must not open.
    FUZZ_CHECK(!aead.Open(e.sealed, store::EntryAssociatedData(contents.app_id, e.kind,
                                                               e.version + 1, e.created_at))
                    .ok(),
               "a sealed key opened with another entry's associated data");
  }
}

void Check(absl::string_view bytes) {
  const absl::StatusOr<WidgetFileContents> contents = store::DecodeWidgetFile(bytes);
  if (!contents.ok()) {
    const absl::StatusCode code = contents.status().code();
    FUZZ_CHECK(code == absl::StatusCode::kDataLoss || code == absl::StatusCode::kFailedPrecondition,
               contents.status().ToString());
    if (code == absl::StatusCode::kFailedPrecondition) {
      // Only "intact, but another format version".
      FUZZ_CHECK(bytes.size() >= 10 && !(bytes[8] == 0 && bytes[9] == store::kWidgetFileFormat),
                 contents.status().ToString());
    }
    return;
  }
  CheckEntries(*contents);
  FUZZ_CHECK(store::EncodeWidgetFile(*contents) == bytes,
             "a decoded widget file does not re-encode to the same bytes");
  CheckKeys(*contents);
}

}  // namespace
}  // namespace identity::fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace identity::fuzz;
  CheckAsIsAndWithRightChecksum(AsView(data, size), Check);
  return 0;
}
