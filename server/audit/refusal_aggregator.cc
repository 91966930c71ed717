#include "server/audit/refusal_aggregator.h"

namespace identity::audit {

std::pair<RefusalAggregator::Tally*, bool> RefusalAggregator::FindOrAdd(
    std::vector<Tally>& tallies, const AuditEvent& event, absl::string_view principal_source) {
  for (Tally& tally : tallies) {
    if (tally.principal_source == principal_source && tally.outcome == event.outcome) {
      return {&tally, false};
    }
  }
  tallies.push_back(Tally{principal_source, event.outcome, 0, {}});
  return {&tallies.back(), true};
}

void RefusalAggregator::Count(Tally& tally, absl::string_view rpc) {
  ++tally.count;
  for (auto& [name, count] : tally.rpcs) {
    if (name == rpc) {
      ++count;
      return;
    }
  }
  tally.rpcs.emplace_back(rpc, 1);
}

bool RefusalAggregator::Admit(const AuditEvent& event) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = callers_.find(event.principal);
  if (it == callers_.end()) {
    if (callers_.size() >= max_principals_) {
      // Beyond the cap nothing per caller is kept, not even a first line:
      // a flood from many principals must not grow memory or the log.
      Count(*FindOrAdd(overflow_, event, "").first, event.rpc);
      return false;
    }
    it = callers_.emplace(event.principal, std::vector<Tally>()).first;
  }
  auto [tally, added] = FindOrAdd(it->second, event, event.principal_source);
  if (added) return true;
  Count(*tally, event.rpc);
  return false;
}

std::vector<RefusalSummary> RefusalAggregator::TakeSummaries(absl::Time now) {
  absl::flat_hash_map<std::string, std::vector<Tally>> callers;
  std::vector<Tally> overflow;
  absl::Time start;
  {
    std::lock_guard<std::mutex> lock(mu_);
    callers.swap(callers_);
    overflow.swap(overflow_);
    start = interval_start_;
    interval_start_ = now;
  }
  std::vector<RefusalSummary> out;
  const auto add = [&](const std::string& principal, Tally& tally, bool is_overflow) {
    if (tally.count == 0) return;
    out.push_back(RefusalSummary{principal, tally.principal_source, std::move(tally.outcome),
                                 tally.count, std::move(tally.rpcs), start, now, is_overflow});
  };
  for (auto& [principal, tallies] : callers) {
    for (Tally& tally : tallies) add(principal, tally, false);
  }
  for (Tally& tally : overflow) add("", tally, true);
  return out;
}

}  // namespace identity::audit
