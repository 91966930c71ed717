#include "server/metrics/text_format.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "absl/strings/str_cat.h"

namespace identity::metrics {
namespace {

absl::string_view TypeName(MetricType type) {
  switch (type) {
    case MetricType::kCounter:
      return "counter";
    case MetricType::kGauge:
      return "gauge";
    case MetricType::kHistogram:
      return "histogram";
  }
  return "untyped";
}

// HELP text: backslash and line feed are escaped. Label values: the double
// quote too. (The format's only two escaping rules.)
void AppendEscaped(std::string& out, absl::string_view text, bool escape_quote) {
  for (char c : text) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '"' && escape_quote) {
      out += "\\\"";
    } else {
      out += c;
    }
  }
}

void AppendLabel(std::string& out, const Label& label, bool& first) {
  out += first ? "{" : ",";
  first = false;
  out.append(label.first.data(), label.first.size());
  out += "=\"";
  AppendEscaped(out, label.second, /*escape_quote=*/true);
  out += '"';
}

}  // namespace

std::string FormatSampleValue(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  // Counts and byte sizes are integers: print them exactly (up to 2^53).
  if (value == std::trunc(value) && std::fabs(value) < 9007199254740992.0) {
    return absl::StrCat(static_cast<long long>(value));
  }
  // The shortest of %.15g..%.17g that reads back to the same double.
  char buffer[32];
  for (int precision = 15; precision <= 17; ++precision) {
    std::snprintf(buffer, sizeof(buffer), "%.*g", precision, value);
    if (std::strtod(buffer, nullptr) == value) break;
  }
  return buffer;
}

void TextFormatWriter::Family(absl::string_view name, absl::string_view help, MetricType type) {
  absl::StrAppend(&out_, "# HELP ", name, " ");
  AppendEscaped(out_, help, /*escape_quote=*/false);
  absl::StrAppend(&out_, "\n# TYPE ", name, " ", TypeName(type), "\n");
}

void TextFormatWriter::Sample(absl::string_view name, Labels labels, double value) {
  SampleWithExtraLabel(name, labels, nullptr, value);
}

void TextFormatWriter::SampleWithExtraLabel(absl::string_view name, Labels labels,
                                            const Label* extra, double value) {
  out_.append(name.data(), name.size());
  bool first = true;
  for (const Label& label : labels) AppendLabel(out_, label, first);
  if (extra != nullptr) AppendLabel(out_, *extra, first);
  if (!first) out_ += '}';
  absl::StrAppend(&out_, " ", FormatSampleValue(value), "\n");
}

void TextFormatWriter::HistogramSamples(absl::string_view name, Labels labels,
                                        const Histogram& histogram) {
  const Histogram::Snapshot snapshot = histogram.Read();
  const std::string bucket = absl::StrCat(name, "_bucket");
  const absl::Span<const double> bounds = histogram.upper_bounds();
  for (std::size_t i = 0; i < snapshot.cumulative_counts.size(); ++i) {
    const std::string le = i < bounds.size() ? FormatSampleValue(bounds[i]) : "+Inf";
    const Label le_label{"le", le};
    SampleWithExtraLabel(bucket, labels, &le_label,
                         static_cast<double>(snapshot.cumulative_counts[i]));
  }
  Sample(absl::StrCat(name, "_sum"), labels, snapshot.sum);
  Sample(absl::StrCat(name, "_count"), labels, static_cast<double>(snapshot.count));
}

}  // namespace identity::metrics
