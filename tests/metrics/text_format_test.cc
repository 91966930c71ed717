#include "server/metrics/text_format.h"

#include <cmath>
#include <limits>

#include "gtest/gtest.h"
#include "server/metrics/counter.h"
#include "server/metrics/histogram.h"
#include "server/metrics/metrics_registry.h"

namespace identity::metrics {
namespace {

TEST(TextFormatWriterTest, WritesHelpTypeAndSamples) {
  TextFormatWriter out;
  out.Family("x_total", "Things counted.", MetricType::kCounter);
  out.Sample("x_total", {{"rpc", "IssueEmailHash"}, {"code", "OK"}}, 3);
  out.Sample("x_total", {}, 0);
  EXPECT_EQ(out.Take(),
            "# HELP x_total Things counted.\n"
            "# TYPE x_total counter\n"
            "x_total{rpc=\"IssueEmailHash\",code=\"OK\"} 3\n"
            "x_total 0\n");
  EXPECT_EQ(out.Take(), "");
}

TEST(TextFormatWriterTest, EscapesHelpAndLabelValues) {
  TextFormatWriter out;
  out.Family("g", "a \\ b\nc \"q\"", MetricType::kGauge);
  out.Sample("g", {{"sink", "file:/a\"b\\c\nd"}}, 1);
  EXPECT_EQ(out.Take(),
            "# HELP g a \\\\ b\\nc \"q\"\n"  // HELP keeps the double quote
            "# TYPE g gauge\n"
            "g{sink=\"file:/a\\\"b\\\\c\\nd\"} 1\n");
}

TEST(TextFormatWriterTest, FormatsValuesAsPrometheusParsesThem) {
  EXPECT_EQ(FormatSampleValue(0), "0");
  EXPECT_EQ(FormatSampleValue(42), "42");
  EXPECT_EQ(FormatSampleValue(-7), "-7");
  EXPECT_EQ(FormatSampleValue(67108864), "67108864");
  EXPECT_EQ(FormatSampleValue(0.25), "0.25");
  EXPECT_EQ(FormatSampleValue(0.1), "0.1");
  EXPECT_EQ(FormatSampleValue(5e-05), "5e-05");
  EXPECT_EQ(FormatSampleValue(std::numeric_limits<double>::infinity()), "+Inf");
  EXPECT_EQ(FormatSampleValue(-std::numeric_limits<double>::infinity()), "-Inf");
  EXPECT_EQ(FormatSampleValue(std::nan("")), "NaN");
  // Reads back exactly.
  const double third = 1.0 / 3;
  EXPECT_EQ(std::strtod(FormatSampleValue(third).c_str(), nullptr), third);
  EXPECT_EQ(std::strtod(FormatSampleValue(1796402180.1905055).c_str(), nullptr),
            1796402180.1905055);
}

TEST(HistogramTest, CountsIntoLessOrEqualBucketsCumulatively) {
  const double bounds[] = {1, 2, 5};
  Histogram h(bounds);
  for (double v : {0.5, 1.0, 1.5, 2.0, 4.0, 9.0}) h.Observe(v);
  const Histogram::Snapshot s = h.Read();
  EXPECT_EQ(s.cumulative_counts, (std::vector<std::uint64_t>{2, 4, 5, 6}));
  EXPECT_EQ(s.count, 6u);
  EXPECT_DOUBLE_EQ(s.sum, 18.0);
}

TEST(HistogramTest, WritesBucketsSumAndCount) {
  const double bounds[] = {0.001, 0.5};
  Histogram h(bounds);
  h.Observe(0.0002);
  h.Observe(0.75);
  TextFormatWriter out;
  out.Family("d_seconds", "Durations.", MetricType::kHistogram);
  out.HistogramSamples("d_seconds", {{"rpc", "GetWidget"}}, h);
  EXPECT_EQ(out.Take(),
            "# HELP d_seconds Durations.\n"
            "# TYPE d_seconds histogram\n"
            "d_seconds_bucket{rpc=\"GetWidget\",le=\"0.001\"} 1\n"
            "d_seconds_bucket{rpc=\"GetWidget\",le=\"0.5\"} 1\n"
            "d_seconds_bucket{rpc=\"GetWidget\",le=\"+Inf\"} 2\n"
            "d_seconds_sum{rpc=\"GetWidget\"} 0.7502\n"
            "d_seconds_count{rpc=\"GetWidget\"} 2\n");
}

TEST(CounterTest, AddsAndGaugeSets) {
  Counter c;
  c.Increment();
  c.Increment(4);
  EXPECT_EQ(c.value(), 5u);
  Gauge g;
  g.Set(2.5);
  EXPECT_EQ(g.value(), 2.5);
}

TEST(MetricsRegistryTest, RendersCollectorsInOrder) {
  MetricsRegistry registry;
  Counter calls;
  registry.Add([&](TextFormatWriter& out) {
    out.Family("a_total", "A.", MetricType::kCounter);
    out.Sample("a_total", {}, static_cast<double>(calls.value()));
  });
  registry.Add([](TextFormatWriter& out) {
    out.Family("b", "B.", MetricType::kGauge);
    out.Sample("b", {}, 1);
  });
  calls.Increment(2);
  EXPECT_EQ(registry.Render(),
            "# HELP a_total A.\n# TYPE a_total counter\na_total 2\n"
            "# HELP b B.\n# TYPE b gauge\nb 1\n");
}

}  // namespace
}  // namespace identity::metrics
