// The operational log end to end: the real identityd with --log_format=json
// writes one JSON object per stderr line; --log_level drops the lines below
// it; the lines about a call carry its x-request-id.
#include <grpcpp/grpcpp.h>

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "gtest/gtest.h"
#include "identity/v1/identity.grpc.pb.h"
#include "tests/support/identityd_process.h"

namespace identity::testing {
namespace {

std::vector<std::string> Lines(const std::string& text) {
  return absl::StrSplit(text, '\n', absl::SkipEmpty());
}

// A RotateSecret call with `request_id` as its x-request-id; returns its status.
grpc::Status RotateWithRequestId(const std::string& target, const std::string& request_id) {
  auto stub = identity::v1::IdentityService::NewStub(
      grpc::CreateChannel(target, grpc::InsecureChannelCredentials()));
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  context.AddMetadata("x-request-id", request_id);
  identity::v1::RotateSecretRequest request;
  request.set_app_id("widget-1");
  request.set_kind(identity::v1::SECRET_KIND_JWT);
  request.set_generate(true);
  identity::v1::RotateSecretResponse response;
  return stub->RotateSecret(&context, request, &response);
}

// identityd whose audit sink fails every write (/dev/full), so a rotation is
// refused and logged, with `extra` flags.
std::unique_ptr<IdentitydProcess> StartWithFailingAudit(std::vector<std::string> extra) {
  IdentitydProcess::Options options;
  options.write_config = false;
  options.extra_flags = {"--audit_sink=file:/dev/full"};
  options.extra_flags.insert(options.extra_flags.end(), extra.begin(), extra.end());
  absl::StatusOr<std::unique_ptr<IdentitydProcess>> server =
      IdentitydProcess::Start(std::move(options));
  EXPECT_TRUE(server.ok()) << server.status();
  return server.ok() ? *std::move(server) : nullptr;
}

TEST(OperationalLogTest, JsonLinesCarryTheRequestIdOfTheCall) {
  std::unique_ptr<IdentitydProcess> server = StartWithFailingAudit({"--log_format=json"});
  ASSERT_NE(server, nullptr);
  EXPECT_EQ(RotateWithRequestId(server->target(), "req-observability-7").error_code(),
            grpc::StatusCode::UNAVAILABLE);
  ASSERT_TRUE(server->Stop().ok());
  int refused_lines = 0;
  const std::vector<std::string> lines = Lines(server->process().Stderr());
  ASSERT_GE(lines.size(), 4u);
  for (const std::string& line : lines) {
    const nlohmann::json object = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    ASSERT_TRUE(object.is_object()) << "not a JSON object: " << line;
    EXPECT_TRUE(object.contains("time") && object.contains("level") && object.contains("message"))
        << line;
    if (absl::StrContains(object.value("message", ""), "rotation of widget-1 refused")) {
      ++refused_lines;
      EXPECT_EQ(object.value("level", ""), "ERROR");
      EXPECT_EQ(object.value("request_id", ""), "req-observability-7") << line;
    }
  }
  EXPECT_EQ(refused_lines, 1) << server->process().Stderr();
}

TEST(OperationalLogTest, TextLinesCarryTheRequestIdToo) {
  std::unique_ptr<IdentitydProcess> server = StartWithFailingAudit({});
  ASSERT_NE(server, nullptr);
  EXPECT_EQ(RotateWithRequestId(server->target(), "req-text-8").error_code(),
            grpc::StatusCode::UNAVAILABLE);
  ASSERT_TRUE(server->Stop().ok());
  const std::string log = server->process().Stderr();
  EXPECT_TRUE(absl::StrContains(
      log, "ERROR identityd: rotation of widget-1 refused: audit: not recorded by "
           "file:/dev/full [request_id=req-text-8]\n"))
      << log;
}

TEST(OperationalLogTest, LevelDropsLessSevereLines) {
  std::unique_ptr<IdentitydProcess> server =
      StartWithFailingAudit({"--log_format=json", "--log_level=error"});
  ASSERT_NE(server, nullptr);
  RotateWithRequestId(server->target(), "req-level-9");
  ASSERT_TRUE(server->Stop().ok());
  const std::vector<std::string> lines = Lines(server->process().Stderr());
  ASSERT_FALSE(lines.empty());
  for (const std::string& line : lines) {
    EXPECT_EQ(nlohmann::json::parse(line).value("level", ""), "ERROR") << line;
  }
}

TEST(OperationalLogTest, BadFlagValuesStopTheStart) {
  for (const auto& [flag, message] :
       std::vector<std::pair<std::string, std::string>>{
           {"--log_format=yaml", "--log_format: must be text or json"},
           {"--log_level=debug", "--log_level: must be info, warning or error"}}) {
    IdentitydProcess::Options options;
    options.write_config = false;
    options.extra_flags = {flag};
    absl::StatusOr<RunResult> run = IdentitydProcess::StartExpectingFailure(std::move(options));
    ASSERT_TRUE(run.ok()) << run.status();
    EXPECT_NE(run->exit.exit_code, 0);
    EXPECT_TRUE(absl::StrContains(run->stderr_text, message)) << run->stderr_text;
  }
}

}  // namespace
}  // namespace identity::testing
