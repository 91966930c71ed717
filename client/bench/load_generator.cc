#include "client/bench/load_generator.h"

#include <grpc/support/time.h>
#include <grpcpp/alarm.h>
#include <grpcpp/client_context.h>
#include <grpcpp/completion_queue.h>
#include <grpcpp/create_channel.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/support/channel_arguments.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <thread>

#include "absl/random/random.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "client/identity_client.h"

namespace identity::bench {
namespace {

using Clock = std::chrono::steady_clock;

// Distinct failure messages kept for the report; further ones are only counted.
constexpr std::size_t kMaxFailureKinds = 20;

// What every thread of one run shares. Read-only but for next_ticket.
struct RunPlan {
  const MethodSpec* method;
  const LoadOptions* options;
  bool count_mode;
  double ns_per_call;  // open loop: the schedule's spacing; 0: closed loop
  Clock::time_point begin;
  Clock::time_point measure_from;  // timed mode only
  Clock::time_point end;           // timed mode only
  // Numbers calls (their schedule in open loop); count mode stops at calls.
  std::atomic<std::uint64_t> next_ticket{0};
};

// One thread's share of the run: a completion queue and the calls on it.
struct WorkerState {
  grpc::CompletionQueue cq;
  absl::InsecureBitGen gen;
  LoadResult result;
  Clock::time_point last_done;
};

// One call slot: makes calls one after another until the run is over. Each
// event on the completion queue (an alarm in open loop, or a finished call)
// is tagged with its slot.
class Slot {
 public:
  Slot(RunPlan& plan, WorkerState& worker, grpc::GenericStub& stub)
      : plan_(plan), worker_(worker), stub_(stub) {}

  // Starts (or schedules) the next call; false if this slot has no more.
  bool StartNext() {
    const Clock::time_point now = Clock::now();
    if (!plan_.count_mode && now >= plan_.end) return false;
    ticket_ = plan_.next_ticket.fetch_add(1, std::memory_order_relaxed);
    if (plan_.count_mode && ticket_ >= plan_.options->calls) return false;
    if (plan_.ns_per_call == 0) {
      Issue(now);
      return true;
    }
    scheduled_ = plan_.begin + std::chrono::nanoseconds(static_cast<std::int64_t>(
                                   std::llround(static_cast<double>(ticket_) * plan_.ns_per_call)));
    if (!plan_.count_mode && scheduled_ >= plan_.end) return false;
    if (scheduled_ <= now) {
      Issue(scheduled_);  // behind schedule: go now, and the wait counts as latency
      return true;
    }
    waiting_ = true;
    const std::int64_t wait_ns =
        std::chrono::duration_cast<std::chrono::nanoseconds>(scheduled_ - now).count();
    alarm_.Set(&worker_.cq,
               gpr_time_add(gpr_now(GPR_CLOCK_MONOTONIC),
                            gpr_time_from_nanos(wait_ns, GPR_TIMESPAN)),
               this);
    return true;
  }

  // Handles this slot's event; false once the slot is done.
  bool OnEvent() {
    if (waiting_) {
      waiting_ = false;
      Issue(scheduled_);
      return true;
    }
    const Clock::time_point done = Clock::now();
    absl::Status outcome = CallOutcome(*plan_.method, status_, response_);
    LoadResult& result = worker_.result;
    ++result.completed;
    if (!outcome.ok()) {
      result.AddFailure(outcome);
    } else if (plan_.count_mode || (done >= plan_.measure_from && done <= plan_.end)) {
      ++result.ok;
      result.latencies_ns.push_back(
          std::chrono::duration_cast<std::chrono::nanoseconds>(done - start_).count());
    }
    worker_.last_done = std::max(worker_.last_done, done);
    reader_.reset();
    context_.reset();
    response_.Clear();
    return StartNext();
  }

 private:
  void Issue(Clock::time_point start) {
    start_ = start;
    context_ = std::make_unique<grpc::ClientContext>();
    context_->set_deadline(std::chrono::system_clock::now() +
                           absl::ToChronoNanoseconds(plan_.options->call_timeout));
    request_.Clear();
    plan_.method->make_request(ticket_, worker_.gen, request_);
    reader_ = stub_.PrepareUnaryCall(context_.get(), plan_.method->path, request_, &worker_.cq);
    reader_->StartCall();
    reader_->Finish(&response_, &status_, this);
  }

  RunPlan& plan_;
  WorkerState& worker_;
  grpc::GenericStub& stub_;
  std::uint64_t ticket_ = 0;
  bool waiting_ = false;
  Clock::time_point scheduled_;
  Clock::time_point start_;
  grpc::Alarm alarm_;
  std::unique_ptr<grpc::ClientContext> context_;
  grpc::ByteBuffer request_;
  grpc::ByteBuffer response_;
  grpc::Status status_;
  std::unique_ptr<grpc::ClientAsyncResponseReader<grpc::ByteBuffer>> reader_;
};

void RunWorker(WorkerState& worker, std::vector<std::unique_ptr<Slot>>& slots) {
  int active = 0;
  for (std::unique_ptr<Slot>& slot : slots) {
    if (slot->StartNext()) ++active;
  }
  void* tag = nullptr;
  bool ok = false;
  while (active > 0 && worker.cq.Next(&tag, &ok)) {
    // `ok` is false only for a cancelled alarm (never done here); a failed
    // call is reported through its status.
    if (!static_cast<Slot*>(tag)->OnEvent()) --active;
  }
  worker.cq.Shutdown();
  while (worker.cq.Next(&tag, &ok)) {
  }
}

}  // namespace

absl::Status CallOutcome(const MethodSpec& method, const grpc::Status& status,
                         grpc::ByteBuffer& response) {
  if (!status.ok()) return client::FromGrpcStatus(status);
  return method.check_response(response);
}

void LoadResult::AddFailure(const absl::Status& status) {
  ++failed;
  std::string key = absl::StrCat(absl::StatusCodeToString(status.code()), ": ", status.message());
  auto it = failures.find(key);
  if (it != failures.end()) {
    ++it->second;
  } else if (failures.size() < kMaxFailureKinds) {
    failures.emplace(std::move(key), 1);
  }
}

void LoadResult::Merge(const LoadResult& other) {
  ok += other.ok;
  elapsed += other.elapsed;
  failed += other.failed;
  completed += other.completed;
  for (const auto& [key, count] : other.failures) failures[key] += count;
  latencies_ns.insert(latencies_ns.end(), other.latencies_ns.begin(), other.latencies_ns.end());
}

double LoadResult::CallsPerSecond() const {
  const double seconds = absl::ToDoubleSeconds(elapsed);
  return seconds > 0 ? static_cast<double>(ok) / seconds : 0;
}

absl::Duration LoadResult::Percentile(double q) const {
  if (latencies_ns.empty()) return absl::ZeroDuration();
  std::vector<std::int64_t> sorted = latencies_ns;
  const std::size_t n = sorted.size();
  // Nearest rank: the smallest sample with at least q * n samples at or below it.
  const std::size_t rank = std::clamp<std::size_t>(
      static_cast<std::size_t>(std::ceil(q * static_cast<double>(n))), 1, n);
  std::nth_element(sorted.begin(), sorted.begin() + static_cast<std::ptrdiff_t>(rank - 1),
                   sorted.end());
  return absl::Nanoseconds(sorted[rank - 1]);
}

std::shared_ptr<grpc::Channel> NewBenchChannel(
    const std::string& target, const std::shared_ptr<grpc::ChannelCredentials>& credentials,
    const std::string& ssl_target_name_override) {
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  if (!ssl_target_name_override.empty()) args.SetSslTargetNameOverride(ssl_target_name_override);
  return grpc::CreateCustomChannel(target, credentials, args);
}

LoadResult RunLoad(const MethodSpec& method, const LoadOptions& options) {
  const int threads = std::max(1, options.threads);
  RunPlan plan;
  plan.method = &method;
  plan.options = &options;
  plan.count_mode = options.calls > 0;
  plan.ns_per_call = options.rate > 0 ? 1e9 / options.rate : 0;

  std::vector<WorkerState> workers(static_cast<std::size_t>(threads));
  std::vector<std::unique_ptr<grpc::GenericStub>> stubs;
  for (const std::shared_ptr<grpc::Channel>& channel : options.channels) {
    stubs.push_back(std::make_unique<grpc::GenericStub>(channel));
  }
  // Slot k uses channel k % channels and thread k % threads, so both the
  // connections and the threads carry equal shares.
  std::vector<std::vector<std::unique_ptr<Slot>>> slots(workers.size());
  const std::size_t total_slots =
      stubs.size() * static_cast<std::size_t>(std::max(1, options.in_flight_per_channel));
  for (std::size_t k = 0; k < total_slots; ++k) {
    slots[k % workers.size()].push_back(
        std::make_unique<Slot>(plan, workers[k % workers.size()], *stubs[k % stubs.size()]));
  }

  plan.begin = Clock::now();
  plan.measure_from = plan.begin + absl::ToChronoNanoseconds(options.warmup);
  plan.end = plan.measure_from + absl::ToChronoNanoseconds(options.duration);
  for (WorkerState& w : workers) w.last_done = plan.begin;

  std::vector<std::thread> helpers;
  for (std::size_t i = 1; i < workers.size(); ++i) {
    helpers.emplace_back([&, i] { RunWorker(workers[i], slots[i]); });
  }
  RunWorker(workers[0], slots[0]);
  for (std::thread& t : helpers) t.join();

  LoadResult result;
  Clock::time_point last_done = plan.begin;
  for (WorkerState& w : workers) {
    result.Merge(w.result);
    last_done = std::max(last_done, w.last_done);
  }
  result.elapsed = plan.count_mode ? absl::FromChrono(last_done - plan.begin) : options.duration;
  return result;
}

}  // namespace identity::bench
