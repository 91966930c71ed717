#include "client/bench/scenario.h"

#include <algorithm>
#include <iterator>

#include "absl/status/status.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "client/bench/method_spec.h"

namespace identity::bench {

absl::StatusOr<std::vector<Scenario>> ParseScenarios(const std::vector<std::string>& names) {
  std::vector<Scenario> out;
  for (absl::string_view name : names) {
    Scenario s;
    s.rotate = absl::ConsumeSuffix(&name, "+rotate");
    s.method = std::string(name);
    if (std::find(std::begin(kMethodNames), std::end(kMethodNames), s.method) ==
        std::end(kMethodNames)) {
      return absl::InvalidArgumentError(absl::StrCat("--methods: unknown method \"", name,
                                                     "\" (", absl::StrJoin(kMethodNames, ", "),
                                                     ", each optionally +rotate)"));
    }
    out.push_back(s);
  }
  if (out.empty()) return absl::InvalidArgumentError("--methods: name at least one method");
  return out;
}

}  // namespace identity::bench
