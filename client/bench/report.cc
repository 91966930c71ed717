#include "client/bench/report.h"

#include <cstdio>

#include "absl/strings/str_format.h"

namespace identity::bench {

std::string Micros(absl::Duration d) {
  return absl::StrFormat("%.0f", absl::ToDoubleMicroseconds(d));
}

std::string Verdict(bool met) { return met ? "met" : "NOT met"; }

void PrintFailures(absl::string_view what, const LoadResult& r) {
  for (const auto& [message, count] : r.failures) {
    std::printf("- FAILED %s: %llu x %s\n", std::string(what).c_str(),
                static_cast<unsigned long long>(count), message.c_str());
  }
  if (r.failed > 0 && r.failures.empty()) {
    std::printf("- FAILED %s: %llu calls\n", std::string(what).c_str(),
                static_cast<unsigned long long>(r.failed));
  }
}

int PrintOutcome(std::uint64_t failed) {
  std::printf("\n%s: %llu failed call(s)\n", failed == 0 ? "OK" : "FAILED",
              static_cast<unsigned long long>(failed));
  return failed == 0 ? 0 : 1;
}

int UsageError(absl::string_view message) {
  std::fprintf(stderr, "identity-bench: %s\n", std::string(message).c_str());
  return 2;
}

}  // namespace identity::bench
