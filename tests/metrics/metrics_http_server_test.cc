#include "server/metrics/metrics_http_server.h"

#include <unistd.h>

#include <atomic>
#include <string>

#include "absl/strings/match.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "tests/support/http_get.h"

namespace identity::metrics {
namespace {

// Sends `request` and reads the whole answer (the server closes).
std::string Exchange(int port, const std::string& request) {
  absl::StatusOr<std::string> response = ::identity::testing::HttpExchange(port, request);
  return response.ok() ? *response : std::string(response.status().message());
}

class MetricsHttpServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto server = MetricsHttpServer::Start(
        "127.0.0.1", 0,
        [this] {
          ++renders_;
          return std::string("m_total 7\n");
        },
        {absl::Milliseconds(500)});
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
  }
  std::atomic<int> renders_{0};
  std::unique_ptr<MetricsHttpServer> server_;
};

TEST_F(MetricsHttpServerTest, ServesMetricsOnGet) {
  const std::string response =
      Exchange(server_->port(), "GET /metrics HTTP/1.1\r\nHost: x\r\nAccept: */*\r\n\r\n");
  EXPECT_TRUE(absl::StartsWith(response, "HTTP/1.1 200 OK\r\n")) << response;
  EXPECT_TRUE(absl::StrContains(response,
                                "Content-Type: text/plain; version=0.0.4; charset=utf-8\r\n"));
  EXPECT_TRUE(absl::StrContains(response, "Content-Length: 10\r\n"));
  EXPECT_TRUE(absl::EndsWith(response, "\r\n\r\nm_total 7\n")) << response;
  // Prometheus adds a query string to nothing, but a curl user might.
  EXPECT_TRUE(absl::StartsWith(Exchange(server_->port(), "GET /metrics?x=1 HTTP/1.0\r\n\r\n"),
                               "HTTP/1.1 200 OK"));
}

TEST_F(MetricsHttpServerTest, HeadHasNoBody) {
  const std::string response = Exchange(server_->port(), "HEAD /metrics HTTP/1.1\r\n\r\n");
  EXPECT_TRUE(absl::StartsWith(response, "HTTP/1.1 200 OK\r\n"));
  EXPECT_TRUE(absl::EndsWith(response, "\r\n\r\n")) << response;
}

TEST_F(MetricsHttpServerTest, RefusesOtherPathsMethodsAndGarbage) {
  EXPECT_TRUE(absl::StartsWith(Exchange(server_->port(), "GET / HTTP/1.1\r\n\r\n"),
                               "HTTP/1.1 404 Not Found"));
  EXPECT_TRUE(absl::StartsWith(Exchange(server_->port(), "GET /metricsx HTTP/1.1\r\n\r\n"),
                               "HTTP/1.1 404 Not Found"));
  EXPECT_TRUE(absl::StartsWith(Exchange(server_->port(), "POST /metrics HTTP/1.1\r\n\r\n"),
                               "HTTP/1.1 405 Method Not Allowed"));
  EXPECT_TRUE(absl::StartsWith(Exchange(server_->port(), "hello\r\n\r\n"),
                               "HTTP/1.1 400 Bad Request"));
  EXPECT_TRUE(absl::StartsWith(
      Exchange(server_->port(), "GET /metrics HTTP/1.1\r\nX: " + std::string(9000, 'a')),
      "HTTP/1.1 431"));
  EXPECT_EQ(renders_.load(), 0);
}

// A client that connects and sends nothing holds the server for the I/O
// timeout at most; the next scrape is served.
TEST_F(MetricsHttpServerTest, SilentClientDoesNotBlockLaterScrapes) {
  absl::StatusOr<int> silent = ::identity::testing::ConnectToLoopback(server_->port());
  ASSERT_TRUE(silent.ok()) << silent.status();
  const absl::Time start = absl::Now();
  EXPECT_TRUE(absl::StartsWith(Exchange(server_->port(), "GET /metrics HTTP/1.1\r\n\r\n"),
                               "HTTP/1.1 200 OK"));
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
  close(*silent);
}

TEST(MetricsHttpServerStartTest, BusyPortAndBadHostAreErrors) {
  auto first = MetricsHttpServer::Start("127.0.0.1", 0, [] { return std::string(); });
  ASSERT_TRUE(first.ok());
  auto second = MetricsHttpServer::Start("127.0.0.1", (*first)->port(),
                                         [] { return std::string(); });
  EXPECT_EQ(second.status().code(), absl::StatusCode::kUnavailable) << second.status();
  auto bad = MetricsHttpServer::Start("no such host.invalid", 0, [] { return std::string(); });
  EXPECT_FALSE(bad.ok());
}

}  // namespace
}  // namespace identity::metrics
