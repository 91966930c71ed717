// AuditLog's delivery rules with in-memory sinks: every sink gets every
// event, a slow sink never blocks Submit() (drops are counted and reported),
// a durable write fails if any sink refuses, and destruction flushes.

#include "server/audit/audit_log.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/time/clock.h"
#include "nlohmann/json.hpp"

namespace identity::audit {
namespace {

using ::testing::HasSubstr;

// What a sink received, shared with the test (the log owns the sink).
struct Received {
  std::mutex mu;
  std::vector<std::string> lines;
  std::vector<bool> durable;
  int reopens = 0;
  std::vector<std::string> Lines() {
    std::lock_guard<std::mutex> lock(mu);
    return lines;
  }
};

class RecordingSink final : public AuditSink {
 public:
  RecordingSink(std::string name, Received& received) : name_(std::move(name)), r_(received) {}
  const std::string& name() const override { return name_; }
  absl::Status Write(absl::Time, absl::string_view json, bool durable) override {
    if (fail) return absl::UnavailableError(name_ + ": refused");
    if (gate != nullptr) gate->Wait();
    std::lock_guard<std::mutex> lock(r_.mu);
    r_.lines.emplace_back(json);
    r_.durable.push_back(durable);
    return absl::OkStatus();
  }
  absl::Status Reopen() override {
    std::lock_guard<std::mutex> lock(r_.mu);
    ++r_.reopens;
    return absl::OkStatus();
  }

  // Blocks writes until opened: a sink that has stalled.
  struct Gate {
    std::mutex mu;
    std::condition_variable cv;
    bool open = false;
    void Wait() {
      std::unique_lock<std::mutex> lock(mu);
      cv.wait(lock, [this] { return open; });
    }
    void Open() {
      {
        std::lock_guard<std::mutex> lock(mu);
        open = true;
      }
      cv.notify_all();
    }
  };
  std::atomic<bool> fail{false};
  Gate* gate = nullptr;

 private:
  std::string name_;
  Received& r_;
};

AuditEvent Event(int n) {
  AuditEvent e;
  e.time = absl::Now();
  e.event_id = NewRandomId();
  e.request_id = "r" + std::to_string(n);
  e.rpc = "IssueEmailHash";
  e.principal = kAnonymousPrincipal;
  e.email = "jane@example.com";
  return e;
}

std::vector<nlohmann::json> Parse(const std::vector<std::string>& lines) {
  std::vector<nlohmann::json> out;
  for (const std::string& l : lines) out.push_back(nlohmann::json::parse(l));
  return out;
}

TEST(AuditLogTest, EverySinkGetsEveryEventInOrderThenAFinalReport) {
  Received a, b;
  {
    std::vector<std::unique_ptr<AuditSink>> sinks;
    sinks.push_back(std::make_unique<RecordingSink>("a", a));
    sinks.push_back(std::make_unique<RecordingSink>("b", b));
    AuditLog log(std::move(sinks), EmailPseudonymizer::Omit(), {});
    for (int i = 0; i < 100; ++i) ASSERT_TRUE(log.Submit(Event(i)));
  }  // the destructor flushes
  for (Received* r : {&a, &b}) {
    const std::vector<nlohmann::json> events = Parse(r->Lines());
    ASSERT_EQ(events.size(), 101u);
    for (int i = 0; i < 100; ++i) EXPECT_EQ(events[i].at("request_id"), "r" + std::to_string(i));
    EXPECT_EQ(events[100].at("type"), "audit_drops");
    EXPECT_EQ(events[100].at("dropped_total"), 0);
    EXPECT_EQ(events[100].at("final"), true);
    EXPECT_TRUE(r->durable.back());  // the final report is synced
  }
}

// An AuditLog over one sink whose writes wait until `gate` opens.
std::unique_ptr<AuditLog> LogOverGatedSink(Received& r, RecordingSink::Gate& gate,
                                           AuditLog::Options options) {
  auto sink = std::make_unique<RecordingSink>("slow", r);
  sink->gate = &gate;
  std::vector<std::unique_ptr<AuditSink>> sinks;
  sinks.push_back(std::move(sink));
  return std::make_unique<AuditLog>(std::move(sinks), EmailPseudonymizer::Omit(), options);
}

TEST(AuditLogTest, AStalledSinkNeverBlocksSubmitAndDropsAreCountedAndReported) {
  Received r;
  RecordingSink::Gate gate;
  AuditLog::Options options;
  options.queue_capacity = 8;
  std::unique_ptr<AuditLog> log = LogOverGatedSink(r, gate, options);
  int accepted = 0;
  absl::Duration slowest;
  for (int i = 0; i < 1000; ++i) {
    const absl::Time start = absl::Now();
    if (log->Submit(Event(i))) ++accepted;
    slowest = std::max(slowest, absl::Now() - start);
  }
  // The writer holds at most one batch, the queue at most 8 more.
  EXPECT_LE(accepted, 1000 - static_cast<int>(log->dropped()));
  EXPECT_GE(log->dropped(), 1000u - 2 * 8 - 1);
  // Loose bound for a loaded machine: a mutex and a push, never a sink.
  EXPECT_LT(slowest, absl::Milliseconds(200));
  gate.Open();
  const std::uint64_t dropped = log->dropped();
  log.reset();
  const std::vector<nlohmann::json> events = Parse(r.Lines());
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(events.back().at("type"), "audit_drops");
  EXPECT_EQ(events.back().at("dropped_total"), dropped);
  EXPECT_EQ(events.size(), 1000 - dropped + 1);
}

TEST(AuditLogTest, DropsAreReportedPeriodicallyWhileTheyHappen) {
  Received r;
  RecordingSink::Gate gate;
  AuditLog::Options options;
  options.queue_capacity = 1;
  options.drop_report_interval = absl::Milliseconds(100);
  std::unique_ptr<AuditLog> log = LogOverGatedSink(r, gate, options);
  for (int i = 0; i < 10; ++i) log->Submit(Event(i));
  gate.Open();
  // Bounded wait for a non-final report.
  bool reported = false;
  for (int i = 0; i < 100 && !reported; ++i) {
    absl::SleepFor(absl::Milliseconds(50));
    for (const nlohmann::json& e : Parse(r.Lines())) {
      if (e.at("type") == "audit_drops" && e.at("final") == false) {
        EXPECT_GT(e.at("dropped_since_last_report").get<int>(), 0);
        reported = true;
      }
    }
  }
  EXPECT_TRUE(reported);
}

AuditEvent RefusedEvent(int n, absl::string_view principal) {
  AuditEvent e = Event(n);
  e.principal = std::string(principal);
  e.principal_source = "uri_san";
  e.outcome = "RESOURCE_EXHAUSTED";
  e.reason = "rate limit";
  return e;
}

// The sum over `events` of what they stand for: 1 per call line, the count
// of each summary; and how many lines of each type there are.
struct Tally {
  std::uint64_t calls = 0;
  std::map<std::string, int> lines_by_type;
};
Tally Count(const std::vector<nlohmann::json>& events) {
  Tally t;
  for (const nlohmann::json& e : events) {
    const std::string type = e.at("type");
    ++t.lines_by_type[type];
    if (type == "call") ++t.calls;
    if (type == "rpc_refused_summary") t.calls += e.at("count").get<std::uint64_t>();
  }
  return t;
}

TEST(AuditLogTest, RefusalsAreWrittenOncePerCallerAndSummarizedAtShutdown) {
  Received r;
  {
    std::vector<std::unique_ptr<AuditSink>> sinks;
    sinks.push_back(std::make_unique<RecordingSink>("a", r));
    AuditLog log(std::move(sinks), EmailPseudonymizer::Omit(), {});  // 1-minute intervals
    for (int i = 0; i < 1000; ++i) ASSERT_TRUE(log.SubmitRefusal(RefusedEvent(i, "p1")));
    for (int i = 0; i < 10; ++i) ASSERT_TRUE(log.SubmitRefusal(RefusedEvent(i, "p2")));
    ASSERT_TRUE(log.Submit(Event(7)));  // other events are untouched
  }
  const std::vector<nlohmann::json> events = Parse(r.Lines());
  const Tally t = Count(events);
  EXPECT_EQ(t.calls, 1000u + 10u + 1u);
  EXPECT_EQ(t.lines_by_type.at("call"), 3);  // p1's first, p2's first, the other
  EXPECT_EQ(t.lines_by_type.at("rpc_refused_summary"), 2);
  for (const nlohmann::json& e : events) {
    if (e.at("type") != "rpc_refused_summary") continue;
    EXPECT_EQ(e.at("final"), true);
    EXPECT_EQ(e.at("count"), e.at("principal") == "p1" ? 999 : 9);
  }
  EXPECT_EQ(events.back().at("type"), "audit_drops");  // still the last line
}

TEST(AuditLogTest, RefusalSummariesAreWrittenAtTheEndOfEachInterval) {
  Received r;
  AuditLog::Options options;
  options.refusal_summary_interval = absl::Milliseconds(100);
  std::vector<std::unique_ptr<AuditSink>> sinks;
  sinks.push_back(std::make_unique<RecordingSink>("a", r));
  auto log = std::make_unique<AuditLog>(std::move(sinks), EmailPseudonymizer::Omit(), options);
  for (int i = 0; i < 50; ++i) log->SubmitRefusal(RefusedEvent(i, "p1"));
  // Bounded wait for a summary written while running (not final).
  bool summarized = false;
  for (int i = 0; i < 200 && !summarized; ++i) {
    absl::SleepFor(absl::Milliseconds(20));
    for (const nlohmann::json& e : Parse(r.Lines())) {
      summarized = summarized || (e.at("type") == "rpc_refused_summary" && e.at("final") == false);
    }
  }
  EXPECT_TRUE(summarized);
  for (int i = 0; i < 50; ++i) log->SubmitRefusal(RefusedEvent(i, "p1"));
  log.reset();
  EXPECT_EQ(Count(Parse(r.Lines())).calls, 100u);
}

TEST(AuditLogTest, WithoutAnIntervalEveryRefusalIsALine) {
  Received r;
  {
    AuditLog::Options options;
    options.refusal_summary_interval = absl::ZeroDuration();
    std::vector<std::unique_ptr<AuditSink>> sinks;
    sinks.push_back(std::make_unique<RecordingSink>("a", r));
    AuditLog log(std::move(sinks), EmailPseudonymizer::Omit(), options);
    for (int i = 0; i < 20; ++i) log.SubmitRefusal(RefusedEvent(i, "p1"));
  }
  EXPECT_EQ(Count(Parse(r.Lines())).lines_by_type.at("call"), 20);
}

TEST(AuditLogTest, ADurableWriteFailsIfAnySinkRefusesAndNamesIt) {
  Received good, bad;
  auto failing = std::make_unique<RecordingSink>("file:/var/log/x", bad);
  RecordingSink* failing_ptr = failing.get();
  std::vector<std::unique_ptr<AuditSink>> sinks;
  sinks.push_back(std::make_unique<RecordingSink>("stdout", good));
  sinks.push_back(std::move(failing));
  AuditLog log(std::move(sinks), EmailPseudonymizer::Omit(), {});
  EXPECT_TRUE(log.WriteDurably(Event(1)).ok());
  failing_ptr->fail = true;
  const absl::Status s = log.WriteDurably(Event(2));
  EXPECT_EQ(s.code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(std::string(s.message()), HasSubstr("file:/var/log/x"));
  ASSERT_EQ(good.Lines().size(), 2u);
  EXPECT_TRUE(good.durable[0] && good.durable[1]);
}

TEST(AuditLogTest, ReopenReachesEverySink) {
  Received r;
  std::vector<std::unique_ptr<AuditSink>> sinks;
  sinks.push_back(std::make_unique<RecordingSink>("f", r));
  AuditLog log(std::move(sinks), EmailPseudonymizer::Omit(), {});
  log.RequestReopen();
  for (int i = 0; i < 100; ++i) {
    {
      std::lock_guard<std::mutex> lock(r.mu);
      if (r.reopens == 1) break;
    }
    absl::SleepFor(absl::Milliseconds(20));
  }
  std::lock_guard<std::mutex> lock(r.mu);
  EXPECT_EQ(r.reopens, 1);
}

}  // namespace
}  // namespace identity::audit
