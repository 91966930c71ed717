#ifndef IDENTITY_CLIENT_BENCH_SCENARIO_H_
#define IDENTITY_CLIENT_BENCH_SCENARIO_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"

namespace identity::bench {

// One entry of --methods: a method of kMethodNames, alone or while a
// separate channel rotates a secret (+rotate).
struct Scenario {
  std::string method;
  bool rotate = false;
  std::string label() const { return rotate ? absl::StrCat(method, "+rotate") : method; }
};

// Parses --methods ("hash", "token+rotate", ...). kInvalidArgument naming the
// flag for an unknown method or an empty list.
absl::StatusOr<std::vector<Scenario>> ParseScenarios(const std::vector<std::string>& names);

}  // namespace identity::bench

#endif  // IDENTITY_CLIENT_BENCH_SCENARIO_H_
