#include "client/bench/process_memory.h"

#include <fstream>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace identity::bench {

absl::StatusOr<std::int64_t> ResidentBytes(int pid) {
  const std::string path = absl::StrCat("/proc/", pid, "/status");
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat(path, ": cannot be read"));
  std::string line;
  while (std::getline(in, line)) {
    absl::string_view rest = line;
    if (!absl::ConsumePrefix(&rest, "VmRSS:")) continue;
    // "VmRSS:	   12345 kB"
    std::vector<absl::string_view> fields =
        absl::StrSplit(rest, absl::ByAnyChar(" \t"), absl::SkipEmpty());
    std::int64_t kib = 0;
    if (fields.size() == 2 && fields[1] == "kB" && absl::SimpleAtoi(fields[0], &kib)) {
      return kib * 1024;
    }
    return absl::NotFoundError(absl::StrCat(path, ": VmRSS has an unexpected form"));
  }
  return absl::NotFoundError(absl::StrCat(path, ": no VmRSS line"));
}

}  // namespace identity::bench
