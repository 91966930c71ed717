#include "server/common/log.h"

#include <unistd.h>

#include <cstdio>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "gtest/gtest.h"

namespace identity {
namespace {

// Captures what Log() writes to stderr while it lives.
class StderrCapture {
 public:
  StderrCapture() {
    std::fflush(stderr);
    file_ = std::tmpfile();
    saved_ = dup(2);
    dup2(fileno(file_), 2);
  }
  ~StderrCapture() { Restore(); }
  std::vector<std::string> Lines() {
    Restore();
    std::string text;
    std::rewind(file_);
    char buffer[4096];
    std::size_t n;
    while ((n = std::fread(buffer, 1, sizeof(buffer), file_)) > 0) text.append(buffer, n);
    std::vector<std::string> lines = absl::StrSplit(text, '\n', absl::SkipEmpty());
    return lines;
  }

 private:
  void Restore() {
    if (saved_ < 0) return;
    std::fflush(stderr);
    dup2(saved_, 2);
    close(saved_);
    saved_ = -1;
  }
  std::FILE* file_;
  int saved_ = -1;
};

class LogTest : public ::testing::Test {
 protected:
  void TearDown() override {
    SetLogFormat(LogFormat::kText);
    SetMinLogLevel(LogLevel::kInfo);
  }
};

TEST_F(LogTest, TextLineHasTimeLevelMessageAndFields) {
  StderrCapture capture;
  Log(LogLevel::kWarning, "disk slow", {{"request_id", "r-1"}});
  const std::vector<std::string> lines = capture.Lines();
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_TRUE(absl::EndsWith(lines[0], "Z WARNING identityd: disk slow [request_id=r-1]"))
      << lines[0];
}

TEST_F(LogTest, JsonLineIsOneObjectWithTimeLevelMessageAndFields) {
  SetLogFormat(LogFormat::kJson);
  StderrCapture capture;
  // Quotes, a line feed and a byte that is not UTF-8 in the message.
  Log(LogLevel::kError, "bad \"header\"\nvalue \xff", {{"request_id", "r-2"}});
  const std::vector<std::string> lines = capture.Lines();
  ASSERT_EQ(lines.size(), 1u);
  const nlohmann::json line = nlohmann::json::parse(lines[0]);
  EXPECT_EQ(line["level"], "ERROR");
  EXPECT_EQ(line["message"], "bad \"header\"\nvalue \xef\xbf\xbd");
  EXPECT_EQ(line["request_id"], "r-2");
  EXPECT_EQ(line["time"].get<std::string>().size(), 24u);  // 2026-11-25T10:00:00.123Z
  EXPECT_EQ(line.size(), 4u);
}

TEST_F(LogTest, LinesBelowTheLevelAreNotWritten) {
  SetMinLogLevel(LogLevel::kWarning);
  StderrCapture capture;
  LogInfo("chatter");
  LogWarning("warned");
  LogError("failed");
  const std::vector<std::string> lines = capture.Lines();
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_TRUE(absl::EndsWith(lines[0], "WARNING identityd: warned"));
  EXPECT_TRUE(absl::EndsWith(lines[1], "ERROR identityd: failed"));
}

TEST_F(LogTest, ScopedFieldsApplyToThisThreadWhileTheyLive) {
  SetLogFormat(LogFormat::kJson);
  StderrCapture capture;
  {
    const ScopedLogField request("request_id", "outer");
    LogInfo("a");
    {
      const ScopedLogField inner("kind", "jwt");
      LogInfo("b");
      // A field given to Log() wins over a scoped one of the same key.
      Log(LogLevel::kInfo, "c", {{"request_id", "explicit"}});
    }
  }
  LogInfo("d");
  const std::vector<std::string> lines = capture.Lines();
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(nlohmann::json::parse(lines[0])["request_id"], "outer");
  EXPECT_EQ(nlohmann::json::parse(lines[1])["kind"], "jwt");
  EXPECT_EQ(nlohmann::json::parse(lines[2])["request_id"], "explicit");
  EXPECT_FALSE(nlohmann::json::parse(lines[3]).contains("request_id"));
}

TEST_F(LogTest, ParsesFlagValues) {
  LogFormat format;
  EXPECT_TRUE(ParseLogFormat("json", &format).ok());
  EXPECT_EQ(format, LogFormat::kJson);
  EXPECT_EQ(ParseLogFormat("yaml", &format).message(), "--log_format: must be text or json");
  LogLevel level;
  EXPECT_TRUE(ParseLogLevel("error", &level).ok());
  EXPECT_EQ(level, LogLevel::kError);
  EXPECT_FALSE(ParseLogLevel("debug", &level).ok());
}

}  // namespace
}  // namespace identity
