#ifndef IDENTITY_SERVER_AUDIT_REFUSAL_AGGREGATOR_H_
#define IDENTITY_SERVER_AUDIT_REFUSAL_AGGREGATOR_H_

#include <cstdint>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "server/audit/audit_event.h"

namespace identity::audit {

// What a summary line says about calls that got no line of their own.
struct RefusalSummary {
  std::string principal;                    // empty for the overflow summary
  absl::string_view principal_source;       // as in AuditEvent (static); empty for overflow
  std::string outcome;                      // the gRPC status code name
  std::uint64_t count = 0;                  // calls summarized (each refused, none with a line)
  std::vector<std::pair<absl::string_view, std::uint64_t>> rpcs;  // rpc (static) -> count
  absl::Time interval_start;
  absl::Time interval_end;
  // True for the calls of principals beyond the aggregator's cap, counted
  // together (principal and source empty).
  bool overflow = false;
};

// RefusalAggregator turns a flood of refused calls into a bounded number of
// audit lines. Per interval, the first refused call of a caller (principal,
// principal source and outcome) is written as usual; the later ones are only
// counted, and reported by one summary per caller when the interval ends.
// A caller refused once in an interval costs one line, as before; a caller
// refused a million times costs two.
//
//   RefusalAggregator refusals(1000, absl::Now());
//   if (refusals.Admit(event)) log.Submit(event);   // else: counted
//   ... at the end of the interval:
//   for (const RefusalSummary& s : refusals.TakeSummaries(absl::Now())) ...
//
// Memory is bounded: at most `max_principals` callers are tracked per
// interval; refusals of callers beyond them are counted together in an
// overflow summary (per outcome) and get no line of their own. Thread-safe;
// only refused calls take its lock.
class RefusalAggregator {
 public:
  RefusalAggregator(std::size_t max_principals, absl::Time interval_start)
      : max_principals_(max_principals), interval_start_(interval_start) {}

  // Records the refused call `event`. Returns true if it is to be written as
  // a line of its own (the first of its caller in this interval), false if
  // it was counted for a summary instead.
  bool Admit(const AuditEvent& event);

  // Ends the interval at `now` and starts the next: one summary per caller
  // with counted calls (none for a caller refused only once), then the
  // overflow summaries, if any.
  std::vector<RefusalSummary> TakeSummaries(absl::Time now);

 private:
  // The counts of one caller (or of the overflow) for one outcome.
  struct Tally {
    absl::string_view principal_source;
    std::string outcome;
    std::uint64_t count = 0;  // calls counted, beyond the one written
    std::vector<std::pair<absl::string_view, std::uint64_t>> rpcs;
  };
  // Finds `event`'s tally in `tallies`, or adds one; true if it was added.
  static std::pair<Tally*, bool> FindOrAdd(std::vector<Tally>& tallies, const AuditEvent& event,
                                           absl::string_view principal_source);
  static void Count(Tally& tally, absl::string_view rpc);

  const std::size_t max_principals_;
  std::mutex mu_;
  absl::Time interval_start_;  // guarded by mu_
  // Principal -> its tallies (one per source and outcome: few).
  absl::flat_hash_map<std::string, std::vector<Tally>> callers_;  // guarded by mu_
  std::vector<Tally> overflow_;                                   // guarded by mu_
};

}  // namespace identity::audit

#endif  // IDENTITY_SERVER_AUDIT_REFUSAL_AGGREGATOR_H_
