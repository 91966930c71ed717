#ifndef IDENTITY_CLIENT_BENCH_REPORT_H_
#define IDENTITY_CLIENT_BENCH_REPORT_H_

#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "client/bench/load_generator.h"

namespace identity::bench {

// What the modes' Markdown reports share.

// Whole microseconds, for a table cell: "412".
std::string Micros(absl::Duration d);

// "met" or "NOT met".
std::string Verdict(bool met);

// A line per kind of failure of `r` ("- FAILED WHAT: N x CODE: message").
void PrintFailures(absl::string_view what, const LoadResult& r);

// The closing line of a mode's report ("OK: 0 failed call(s)"); returns the
// exit status (0 if none failed, else 1).
int PrintOutcome(std::uint64_t failed);

// Prints "identity-bench: MESSAGE" on stderr and returns the exit status of a
// usage or connection error, 2.
int UsageError(absl::string_view message);

}  // namespace identity::bench

#endif  // IDENTITY_CLIENT_BENCH_REPORT_H_
