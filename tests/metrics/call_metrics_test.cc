#include "server/service/call_metrics.h"

#include "absl/strings/match.h"
#include "gtest/gtest.h"
#include "server/metrics/store_metrics.h"

namespace identity::service {
namespace {

std::string Render(const CallMetrics& metrics) {
  metrics::TextFormatWriter out;
  metrics.Collect(out);
  return out.Take();
}

TEST(CallMetricsTest, RecordsNothingUntilEnabled) {
  CallMetrics metrics;
  metrics.Record("IssueEmailHash", absl::OkStatus(), absl::Microseconds(30), "", absl::Now());
  EXPECT_TRUE(absl::StrContains(
      Render(metrics), "identityd_rpc_calls_total{rpc=\"IssueEmailHash\",code=\"OK\"} 0\n"));
}

TEST(CallMetricsTest, CountsByRpcCodeKindAndDenial) {
  CallMetrics metrics;
  metrics.Enable();
  const absl::Time now = absl::FromUnixSeconds(1800000000);
  for (int i = 0; i < 3; ++i) {
    metrics.Record("IssueEmailHash", absl::OkStatus(), absl::Microseconds(30), "email_hash", now);
  }
  metrics.Record("IssueEmailHash", absl::InvalidArgumentError("email"), absl::Microseconds(20),
                 "email_hash", now);
  metrics.Record("IssueWidgetToken", absl::PermissionDeniedError("no"), absl::Microseconds(20),
                 "jwt", now);
  metrics.Record("GetWidget", absl::UnauthenticatedError("no"), absl::Microseconds(20), "", now);
  metrics.Record("RotateSecret", absl::OkStatus(), absl::Milliseconds(3), "jwt", now);
  metrics.Record("RotateSecret", absl::AbortedError("cas"), absl::Milliseconds(1), "jwt",
                 now + absl::Seconds(5));
  metrics.Record("RotateSecret", absl::InvalidArgumentError("kind"), absl::Microseconds(9), "",
                 now);
  metrics.Record("NoSuchRpc", absl::OkStatus(), absl::Microseconds(9), "", now);
  const std::string text = Render(metrics);
  for (const char* line : {
           "identityd_rpc_calls_total{rpc=\"IssueEmailHash\",code=\"OK\"} 3\n",
           "identityd_rpc_calls_total{rpc=\"IssueEmailHash\",code=\"INVALID_ARGUMENT\"} 1\n",
           "identityd_rpc_calls_total{rpc=\"IssueWidgetToken\",code=\"PERMISSION_DENIED\"} 1\n",
           "identityd_rpc_duration_seconds_count{rpc=\"IssueEmailHash\"} 4\n",
           "identityd_rpc_duration_seconds_bucket{rpc=\"IssueEmailHash\",le=\"5e-05\"} 4\n",
           "identityd_rpc_duration_seconds_bucket{rpc=\"RotateSecret\",le=\"0.0025\"} 2\n",
           "identityd_denied_calls_total{rpc=\"IssueWidgetToken\","
           "reason=\"permission_denied\"} 1\n",
           "identityd_denied_calls_total{rpc=\"GetWidget\",reason=\"unauthenticated\"} 1\n",
           "identityd_denied_calls_total{rpc=\"IssueEmailHash\",reason=\"unauthenticated\"} 0\n",
           "identityd_rotations_total{kind=\"jwt\",outcome=\"OK\"} 1\n",
           "identityd_rotations_total{kind=\"jwt\",outcome=\"ABORTED\"} 1\n",
           "identityd_rotations_total{kind=\"unknown\",outcome=\"INVALID_ARGUMENT\"} 1\n",
           "identityd_rotations_total{kind=\"email_hash\",outcome=\"OK\"} 0\n",
           // Only the successful rotation's time.
           "identityd_last_rotation_timestamp_seconds 1800000000\n",
       }) {
    EXPECT_TRUE(absl::StrContains(text, line)) << line;
  }
}

TEST(StoreMetricsTest, EtcdFamiliesAppearOnlyOnceSet) {
  metrics::StoreMetrics store;
  store.RecordOperation(metrics::StoreOp::kCompareAndSet, absl::Milliseconds(2), false);
  store.RecordOperation(metrics::StoreOp::kCompareAndSet, absl::Milliseconds(2), true);
  metrics::TextFormatWriter out;
  store.Collect(out);
  std::string text = out.Take();
  EXPECT_TRUE(absl::StrContains(
      text, "identityd_store_operation_failures_total{op=\"compare_and_set\"} 1\n"));
  EXPECT_TRUE(absl::StrContains(
      text, "identityd_store_operation_duration_seconds_count{op=\"compare_and_set\"} 2\n"));
  EXPECT_FALSE(absl::StrContains(text, "identityd_store_watched_revision"));
  store.SetWatchedRevision(42);
  store.Collect(out);
  text = out.Take();
  EXPECT_TRUE(absl::StrContains(text, "identityd_store_watched_revision 42\n"));
  EXPECT_TRUE(absl::StrContains(text, "identityd_store_reloads_total{outcome=\"failure\"} 0\n"));
}

}  // namespace
}  // namespace identity::service
