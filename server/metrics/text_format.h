#ifndef IDENTITY_SERVER_METRICS_TEXT_FORMAT_H_
#define IDENTITY_SERVER_METRICS_TEXT_FORMAT_H_

#include <initializer_list>
#include <string>
#include <utility>

#include "absl/strings/string_view.h"
#include "server/metrics/histogram.h"

namespace identity::metrics {

// The Content-Type of the exposition TextFormatWriter writes.
inline constexpr char kTextFormatContentType[] = "text/plain; version=0.0.4; charset=utf-8";

enum class MetricType {
  kCounter,    // only goes up; the family name ends in _total
  kGauge,      // goes up and down
  kHistogram,  // _bucket{le=...}, _sum, _count series
};

// A label name and value. Names are fixed by the code; values must come from
// a bounded set (an RPC name, a status code, a configured sink): never an
// email, never a caller-chosen string.
using Label = std::pair<absl::string_view, absl::string_view>;
using Labels = std::initializer_list<Label>;

// TextFormatWriter builds a Prometheus text exposition (format 0.0.4): each
// family's "# HELP" and "# TYPE" lines, then its samples. It escapes help
// texts and label values as the format requires and writes numbers as
// Prometheus parses them (integers exactly, "+Inf", "NaN").
//
//   TextFormatWriter out;
//   out.Family("identityd_rpc_calls_total", "RPCs handled.", MetricType::kCounter);
//   out.Sample("identityd_rpc_calls_total", {{"rpc", "IssueEmailHash"}, {"code", "OK"}}, 3);
//   std::string text = out.Take();
//
// Names are not checked here: tests run `promtool check metrics` on the
// whole exposition instead.
class TextFormatWriter {
 public:
  // Starts the family `name` (for a histogram, the name without _bucket).
  // Each family once per exposition, before its samples.
  void Family(absl::string_view name, absl::string_view help, MetricType type);

  // One sample line: `name{labels} value`.
  void Sample(absl::string_view name, Labels labels, double value);

  // The _bucket, _sum and _count lines of the histogram family `name` with
  // `labels` (an "le" label is added to each bucket).
  void HistogramSamples(absl::string_view name, Labels labels, const Histogram& histogram);

  // The exposition written so far; the writer is empty afterwards.
  std::string Take() { return std::move(out_); }

 private:
  void SampleWithExtraLabel(absl::string_view name, Labels labels, const Label* extra,
                            double value);

  std::string out_;
};

// `value` as the text format writes it: "+Inf", "-Inf", "NaN", an integer
// without a decimal point when exact, else the shortest form that reads back
// to the same double.
std::string FormatSampleValue(double value);

}  // namespace identity::metrics

#endif  // IDENTITY_SERVER_METRICS_TEXT_FORMAT_H_
