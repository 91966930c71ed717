#ifndef IDENTITY_SERVER_AUDIT_AUDIT_LOG_H_
#define IDENTITY_SERVER_AUDIT_AUDIT_LOG_H_

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "server/audit/audit_event.h"
#include "server/audit/audit_sink.h"
#include "server/audit/email_pseudonymizer.h"
#include "server/audit/refusal_aggregator.h"

namespace identity::audit {

// AuditLog delivers audit events to every configured sink, in the manner of
// Vault's audit devices but without letting a slow sink slow the service:
//
// * Submit() (issue calls and every refused call) puts the event on a
//   bounded queue and returns at once; a writer thread renders the JSON and
//   writes it to each sink. A full queue drops the event and counts it; the
//   count is written to the log itself as an "audit_drops" line (every
//   `drop_report_interval` while drops happen, and always at shutdown) and
//   warned about on stderr. Events a sink failed to take (a syslog server
//   down or not reading) are counted per sink in the same line, which the
//   healthy sinks receive.
// * SubmitRefusal() (calls refused before their request was looked at: no
//   usable identity, over the rate limit) queues the first refused call of
//   each caller per `refusal_summary_interval` like Submit(), and only
//   counts the others; at the end of the interval (and at shutdown) one
//   "rpc_refused_summary" line per caller gives their count. A flood of
//   refusals thus costs two lines per caller and interval, not one per call.
// * WriteDurably() (a rotation, before it is applied) writes the event to
//   every sink itself, durably, and fails if any sink did not take it: the
//   rotation is then refused, so no secret changes without a record.
// * The destructor writes everything still queued, then the final drop
//   report (graceful shutdown flushes the queue).
//
//   AuditLog log(std::move(sinks), EmailPseudonymizer::Omit(), {});
//   log.Submit(std::move(event));
class AuditLog {
 public:
  struct Options {
    std::size_t queue_capacity = 10000;
    absl::Duration drop_report_interval = absl::Minutes(1);
    // After writing a batch, the writer waits this long before taking the
    // next, so that under load events are written hundreds at a time: one
    // wake-up and one write(2) per batch instead of per event (the audit
    // log's cost under load is mostly those; see docs/benchmarks.md). Events
    // reach the sinks this much later at most.
    absl::Duration batch_linger = absl::Milliseconds(2);
    // How long SubmitRefusal() counts a caller's refusals before summarizing
    // them (zero: no aggregation, every refused call gets its own line), and
    // how many callers it tracks per interval (the refusals of any beyond
    // are counted together, see RefusalAggregator).
    absl::Duration refusal_summary_interval = absl::Minutes(1);
    std::size_t refusal_max_principals = 1000;
  };

  AuditLog(std::vector<std::unique_ptr<AuditSink>> sinks, EmailPseudonymizer emails,
           Options options);
  ~AuditLog();
  AuditLog(const AuditLog&) = delete;
  AuditLog& operator=(const AuditLog&) = delete;

  // Queues `event` for the writer. Never waits for a sink: returns false
  // (and counts a drop) when the queue is full.
  bool Submit(AuditEvent event);

  // For a call refused before its request was looked at: queues `event` as
  // Submit() does if it is its caller's first refusal of the interval, else
  // counts it for the caller's summary line. Returns false only if the
  // event was to be queued and the queue was full (a drop).
  bool SubmitRefusal(AuditEvent event);

  // Writes `event` to every sink durably before returning. kUnavailable
  // naming the sinks that failed (their errors go to the server log) if any
  // did not take it; the sinks that did keep their copy.
  absl::Status WriteDurably(const AuditEvent& event);

  // Asks the writer to reopen every sink (SIGHUP); returns at once.
  void RequestReopen();

  // How events record emails (a batch call's digest is made in this mode
  // on the call's thread: see EmailBatchDigest).
  const EmailPseudonymizer& emails() const { return emails_; }

  // Events dropped since start.
  std::uint64_t dropped() const { return dropped_.load(std::memory_order_relaxed); }

  // What one sink did since start: lines it took, and lines it failed to take
  // (events, drop reports and summaries alike).
  struct SinkStats {
    std::string name;
    std::uint64_t written = 0;
    std::uint64_t failed = 0;
  };
  // Counts since start, for the metrics. Never waits for a sink.
  struct Stats {
    std::uint64_t queued = 0;   // events Submit() queued
    std::uint64_t dropped = 0;  // events Submit() dropped (queue full)
    std::size_t queue_depth = 0;
    std::vector<SinkStats> sinks;
  };
  Stats GetStats() const;

 private:
  void RunWriter();
  // Writes `json` to every sink (sinks_mu_ held); returns the failures.
  std::vector<std::string> WriteToSinks(absl::Time time, const std::string& json, bool durable);
  // Writes a batch to every sink, not durably (sinks_mu_ held).
  void WriteBatchToSinks(const std::vector<AuditLine>& lines);
  // Counts and reports (once per outage) what sink `i` did not take.
  // `attempted` lines, of which `undelivered` failed.
  void NoteSinkResult(std::size_t i, std::size_t attempted, std::size_t undelivered,
                      const absl::Status& error);
  void ReportDrops(bool final);
  // Writes the summaries of the refusal interval ending now (sinks_mu_ held).
  void WriteRefusalSummaries(bool final);

  const std::vector<std::unique_ptr<AuditSink>> sinks_;  // guarded by sinks_mu_
  const EmailPseudonymizer emails_;
  const Options options_;
  // Null when refusals are not aggregated.
  const std::unique_ptr<RefusalAggregator> refusals_;

  std::mutex sinks_mu_;  // one writer at a time on the sinks
  std::uint64_t dropped_reported_ = 0;  // guarded by sinks_mu_
  std::vector<bool> sink_failing_;      // guarded by sinks_mu_: to warn once per outage
  std::vector<std::uint64_t> undelivered_;  // guarded by sinks_mu_: per sink, since start
  std::uint64_t undelivered_reported_ = 0;  // guarded by sinks_mu_: their sum at the last report

  // Per sink, since start; atomics, so that GetStats() need not wait for
  // sinks_mu_ (held while a slow sink writes).
  const std::unique_ptr<std::atomic<std::uint64_t>[]> sink_written_;
  const std::unique_ptr<std::atomic<std::uint64_t>[]> sink_failed_;
  std::atomic<std::uint64_t> queued_{0};

  mutable std::mutex queue_mu_;
  std::condition_variable wake_;
  std::deque<AuditEvent> queue_;  // guarded by queue_mu_
  bool reopen_ = false;           // guarded by queue_mu_
  bool stopping_ = false;         // guarded by queue_mu_
  std::atomic<std::uint64_t> dropped_{0};

  std::thread writer_;  // last: starts once the rest exists
};

}  // namespace identity::audit

#endif  // IDENTITY_SERVER_AUDIT_AUDIT_LOG_H_
