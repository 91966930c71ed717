#ifndef IDENTITY_SERVER_METRICS_STORE_METRICS_H_
#define IDENTITY_SERVER_METRICS_STORE_METRICS_H_

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>

#include "absl/time/time.h"
#include "server/metrics/counter.h"
#include "server/metrics/histogram.h"
#include "server/metrics/text_format.h"

namespace identity::metrics {

// The operations of a secret store (store::SecretStore's methods), as the
// "op" label names them.
enum class StoreOp {
  kLoadAll,         // "load_all"
  kCreateWidget,    // "create_widget"
  kCompareAndSet,   // "compare_and_set"
  kGetWidget,       // "get_widget"
  kListWidgets,     // "list_widgets"
  kCurrentVersion,  // "current_version" (a rotation's read of the current version)
  kLoadWidget,      // "load_widget" (one widget's kept keys, for Verify* calls)
};
inline constexpr std::size_t kStoreOpCount = 7;

// StoreMetrics is what the durable store reports, whatever its back end:
// each operation's latency and failures (recorded for every back end by
// store::InstrumentedSecretStore), and, for a replicated back end that
// watches its peers (etcd), the watched revision, how far it lags behind the
// cluster's revision, and how often it reloaded everything. Those three
// appear in the exposition only once a back end has set them. Updates are
// relaxed atomics: no lock, no allocation.
class StoreMetrics {
 public:
  StoreMetrics();

  // One finished operation. `failed`: the back end could not serve it
  // (kUnavailable, kInternal...); a refused compare-and-set (kAborted) or an
  // unknown widget is an answer, not a failure.
  void RecordOperation(StoreOp op, absl::Duration latency, bool failed);

  // For a watching back end: the revision its state reflects, and how many
  // revisions it is behind the newest one it has heard of.
  void SetWatchedRevision(std::int64_t revision);
  void SetRevisionLag(std::int64_t revisions);
  // For a watching back end: a full reload of its state (after a compacted
  // watch, a reconnect), and whether it succeeded.
  void RecordReload(bool ok);

  // Writes the store families.
  void Collect(TextFormatWriter& out) const;

 private:
  std::array<std::unique_ptr<Histogram>, kStoreOpCount> latency_;
  std::array<Counter, kStoreOpCount> failures_;
  std::atomic<bool> watching_{false};
  Gauge watched_revision_;
  Gauge revision_lag_;
  Counter reloads_ok_;
  Counter reloads_failed_;
};

}  // namespace identity::metrics

#endif  // IDENTITY_SERVER_METRICS_STORE_METRICS_H_
