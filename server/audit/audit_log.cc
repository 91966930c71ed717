#include "server/audit/audit_log.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "server/audit/audit_event_json.h"
#include "server/common/log.h"

namespace identity::audit {

AuditLog::AuditLog(std::vector<std::unique_ptr<AuditSink>> sinks, EmailPseudonymizer emails,
                   Options options)
    : sinks_(std::move(sinks)),
      emails_(std::move(emails)),
      options_(options),
      refusals_(options.refusal_summary_interval > absl::ZeroDuration()
                    ? std::make_unique<RefusalAggregator>(options.refusal_max_principals,
                                                          absl::Now())
                    : nullptr),
      sink_failing_(sinks_.size(), false),
      undelivered_(sinks_.size(), 0),
      sink_written_(new std::atomic<std::uint64_t>[sinks_.size()]()),
      sink_failed_(new std::atomic<std::uint64_t>[sinks_.size()]()),
      writer_([this] { RunWriter(); }) {}

AuditLog::~AuditLog() {
  {
    std::lock_guard<std::mutex> lock(queue_mu_);
    stopping_ = true;
  }
  wake_.notify_one();
  writer_.join();
}

bool AuditLog::Submit(AuditEvent event) {
  bool was_empty;
  {
    std::lock_guard<std::mutex> lock(queue_mu_);
    if (queue_.size() >= options_.queue_capacity) {
      dropped_.fetch_add(1, std::memory_order_relaxed);
      return false;
    }
    was_empty = queue_.empty();
    queue_.push_back(std::move(event));
  }
  queued_.fetch_add(1, std::memory_order_relaxed);
  // The writer sleeps only on an empty queue: wake it (a futex call) on the
  // first event only, not on every one.
  if (was_empty) wake_.notify_one();
  return true;
}

bool AuditLog::SubmitRefusal(AuditEvent event) {
  if (refusals_ != nullptr && !refusals_->Admit(event)) return true;  // counted
  return Submit(std::move(event));
}

absl::Status AuditLog::WriteDurably(const AuditEvent& event) {
  const std::string json = AuditEventToJson(event, emails_);
  std::vector<std::string> failed;
  {
    std::lock_guard<std::mutex> lock(sinks_mu_);
    failed = WriteToSinks(event.time, json, /*durable=*/true);
  }
  if (failed.empty()) return absl::OkStatus();
  return absl::UnavailableError(
      absl::StrCat("audit: not recorded by ", absl::StrJoin(failed, ", ")));
}

void AuditLog::RequestReopen() {
  {
    std::lock_guard<std::mutex> lock(queue_mu_);
    reopen_ = true;
  }
  wake_.notify_one();
}

AuditLog::Stats AuditLog::GetStats() const {
  Stats stats;
  stats.queued = queued_.load(std::memory_order_relaxed);
  stats.dropped = dropped();
  {
    std::lock_guard<std::mutex> lock(queue_mu_);
    stats.queue_depth = queue_.size();
  }
  for (std::size_t i = 0; i < sinks_.size(); ++i) {
    // name() is fixed at construction: safe without sinks_mu_.
    stats.sinks.push_back({sinks_[i]->name(), sink_written_[i].load(std::memory_order_relaxed),
                           sink_failed_[i].load(std::memory_order_relaxed)});
  }
  return stats;
}

void AuditLog::NoteSinkResult(std::size_t i, std::size_t attempted, std::size_t undelivered,
                              const absl::Status& error) {
  undelivered_[i] += undelivered;
  sink_written_[i].fetch_add(attempted - undelivered, std::memory_order_relaxed);
  sink_failed_[i].fetch_add(undelivered, std::memory_order_relaxed);
  const bool failing = undelivered > 0;
  // One warning per outage, not one per event.
  if (failing && !sink_failing_[i]) {
    LogWarning(absl::StrCat("audit sink ", sinks_[i]->name(), " failing: ", error.message()));
  } else if (!failing && sink_failing_[i]) {
    LogInfo(absl::StrCat("audit sink ", sinks_[i]->name(), " recovered"));
  }
  sink_failing_[i] = failing;
}

std::vector<std::string> AuditLog::WriteToSinks(absl::Time time, const std::string& json,
                                                bool durable) {
  std::vector<std::string> failed;
  for (std::size_t i = 0; i < sinks_.size(); ++i) {
    const absl::Status s = sinks_[i]->Write(time, json, durable);
    if (!s.ok()) failed.push_back(sinks_[i]->name());
    NoteSinkResult(i, 1, s.ok() ? 0 : 1, s);
  }
  return failed;
}

void AuditLog::WriteBatchToSinks(const std::vector<AuditLine>& lines) {
  for (std::size_t i = 0; i < sinks_.size(); ++i) {
    absl::Status error;
    NoteSinkResult(i, lines.size(), sinks_[i]->WriteBatch(lines, error), error);
  }
}

void AuditLog::ReportDrops(bool final) {
  const std::uint64_t total = dropped();
  const std::uint64_t since = total - dropped_reported_;
  std::vector<SinkLoss> losses;
  std::uint64_t undelivered = 0;
  for (std::size_t i = 0; i < sinks_.size(); ++i) {
    losses.push_back({sinks_[i]->name(), undelivered_[i]});
    undelivered += undelivered_[i];
  }
  if (since == 0 && undelivered == undelivered_reported_ && !final) return;
  if (since > 0) {
    LogWarning(absl::StrCat("audit: ", since, " event(s) dropped (queue of ",
                            options_.queue_capacity, " full; ", total, " since start)"));
  }
  dropped_reported_ = total;
  undelivered_reported_ = undelivered;
  const absl::Time now = absl::Now();
  WriteToSinks(now, DropReportToJson(now, total, since, losses, final), /*durable=*/final);
}

void AuditLog::WriteRefusalSummaries(bool final) {
  if (refusals_ == nullptr) return;
  const std::vector<RefusalSummary> summaries = refusals_->TakeSummaries(absl::Now());
  if (summaries.empty()) return;
  std::vector<AuditLine> lines;
  lines.reserve(summaries.size());
  for (const RefusalSummary& summary : summaries) {
    lines.push_back({summary.interval_end, RefusalSummaryToJson(summary, final)});
  }
  // Not durably, even at shutdown: the final drop report, written durably
  // right after, syncs them with it.
  WriteBatchToSinks(lines);
}

void AuditLog::RunWriter() {
  absl::Time next_report = absl::Now() + options_.drop_report_interval;
  absl::Time next_summaries = refusals_ != nullptr
                                  ? absl::Now() + options_.refusal_summary_interval
                                  : absl::InfiniteFuture();
  std::deque<AuditEvent> batch;
  std::vector<AuditLine> lines;
  for (;;) {
    bool reopen = false;
    bool stopping = false;
    {
      std::unique_lock<std::mutex> lock(queue_mu_);
      wake_.wait_until(lock, absl::ToChronoTime(std::min(next_report, next_summaries)),
                       [this] { return !queue_.empty() || reopen_ || stopping_; });
      batch.swap(queue_);
      reopen = reopen_;
      reopen_ = false;
      stopping = stopping_;
    }
    std::unique_lock<std::mutex> sinks_lock(sinks_mu_);
    if (reopen) {
      for (const std::unique_ptr<AuditSink>& sink : sinks_) {
        if (absl::Status s = sink->Reopen(); !s.ok()) {
          LogWarning(absl::StrCat("audit sink ", sink->name(), ": reopen failed, keeping the "
                                  "previous file or addresses: ", s.message()));
        }
      }
    }
    // Rendered here, off the calls' threads; written a batch at a time.
    for (const AuditEvent& event : batch) {
      lines.push_back({event.time, AuditEventToJson(event, emails_)});
    }
    const bool wrote = !lines.empty();
    if (wrote) WriteBatchToSinks(lines);
    lines.clear();
    batch.clear();
    // Summaries before a drop report, so that it counts them if a sink
    // failed to take them.
    if (absl::Now() >= next_summaries) {
      WriteRefusalSummaries(/*final=*/false);
      next_summaries = absl::Now() + options_.refusal_summary_interval;
    }
    if (absl::Now() >= next_report) {
      ReportDrops(/*final=*/false);
      next_report = absl::Now() + options_.drop_report_interval;
    }
    if (stopping) {
      // Submit() may have queued more while this batch was written.
      bool more;
      {
        std::lock_guard<std::mutex> queue_lock(queue_mu_);
        more = !queue_.empty();
      }
      if (more) continue;
      WriteRefusalSummaries(/*final=*/true);
      ReportDrops(/*final=*/true);
      return;
    }
    if (wrote) {
      sinks_lock.unlock();
      std::this_thread::sleep_for(absl::ToChronoMicroseconds(options_.batch_linger));
    }
  }
}

}  // namespace identity::audit
