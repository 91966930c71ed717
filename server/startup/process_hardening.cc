#include "server/startup/process_hardening.h"

#include <sys/prctl.h>
#include <sys/resource.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace identity {

std::vector<std::string> HardenProcess() {
  std::vector<std::string> warnings;
  if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0) {
    warnings.push_back(absl::StrCat("cannot mark the process non-dumpable (PR_SET_DUMPABLE): ",
                                    std::strerror(errno)));
  }
  const rlimit no_core = {0, 0};
  if (setrlimit(RLIMIT_CORE, &no_core) != 0) {
    warnings.push_back(
        absl::StrCat("cannot disable core files (RLIMIT_CORE): ", std::strerror(errno)));
  }
  return warnings;
}

}  // namespace identity
