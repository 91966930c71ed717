// The JSON of audit events: every field of docs/audit.md with its type, the
// email modes, and request text that could break a log line. Lines are parsed
// back with nlohmann/json (not the RapidJSON writer that made them).

#include "server/audit/audit_event_json.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/time/time.h"
#include "nlohmann/json.hpp"
#include "server/audit/audit_event.h"
#include "server/audit/email_batch_digest.h"
#include "server/audit/email_pseudonymizer.h"

namespace identity::audit {
namespace {

using ::testing::HasSubstr;
using ::testing::MatchesRegex;
using ::testing::Not;

constexpr char kAuditKeyHex[] = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
constexpr char kEmail[] = "jane@example.com";

// hex(HMAC-SHA256(hex_decode(key), email)) with OpenSSL's one-shot HMAC().
std::string ExpectedPseudonym(absl::string_view email) {
  const std::string key = absl::HexStringToBytes(kAuditKeyHex);
  unsigned char tag[32];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(email.data()), email.size(), tag, &len);
  return absl::BytesToHexString(absl::string_view(reinterpret_cast<const char*>(tag), len));
}

EmailPseudonymizer Pseudonyms() {
  return EmailPseudonymizer::Pseudonym(*crypto::EmailHasher::FromHexSecret(kAuditKeyHex));
}

AuditEvent TokenEvent() {
  AuditEvent e;
  e.time = absl::FromUnixMillis(1795784965123);
  e.event_id = "2f0c8e9a-6d1b-4c52-9a7e-0b8f3d6e1a24";
  e.request_id = "req-42";
  e.rpc = "IssueWidgetToken";
  e.principal = "spiffe://corp/ns/billing/sa/api";
  e.principal_source = "uri_san";
  e.peer = "ipv4:127.0.0.1:53422";
  e.app_id = "billing-web";
  e.kind = "jwt";
  e.version = 3;
  e.latency_us = 87;
  e.email = kEmail;
  e.token = TokenDetails{1795785565, "b667098e984179f1"};
  return e;
}

TEST(AuditEventJsonTest, TokenEventHasEveryFieldWithItsType) {
  const std::string line = AuditEventToJson(TokenEvent(), Pseudonyms());
  EXPECT_EQ(line.find('\n'), std::string::npos);
  const nlohmann::json j = nlohmann::json::parse(line);
  EXPECT_EQ(j.at("time"), "2026-11-27T13:09:25.123Z");
  EXPECT_EQ(j.at("type"), "call");
  EXPECT_EQ(j.at("schema_version"), 1);
  EXPECT_EQ(j.at("event_id"), "2f0c8e9a-6d1b-4c52-9a7e-0b8f3d6e1a24");
  EXPECT_EQ(j.at("request_id"), "req-42");
  EXPECT_EQ(j.at("rpc"), "IssueWidgetToken");
  EXPECT_EQ(j.at("principal"), "spiffe://corp/ns/billing/sa/api");
  EXPECT_EQ(j.at("principal_source"), "uri_san");
  EXPECT_EQ(j.at("peer"), "ipv4:127.0.0.1:53422");
  EXPECT_EQ(j.at("app_id"), "billing-web");
  EXPECT_EQ(j.at("kind"), "jwt");
  EXPECT_EQ(j.at("version"), 3);
  EXPECT_EQ(j.at("outcome"), "OK");
  EXPECT_EQ(j.at("reason"), "");
  EXPECT_EQ(j.at("latency_us"), 87);
  EXPECT_EQ(j.at("email_hmac"), ExpectedPseudonym(kEmail));
  EXPECT_FALSE(j.contains("email"));
  EXPECT_EQ(j.at("token").at("exp"), 1795785565);
  EXPECT_EQ(j.at("token").at("fingerprint"), "b667098e984179f1");
  EXPECT_FALSE(j.contains("rotation"));
  EXPECT_THAT(line, Not(HasSubstr(kEmail)));
}

TEST(AuditEventJsonTest, RotationEventCarriesVersionsFingerprintAndSource) {
  AuditEvent e = TokenEvent();
  e.rpc = "RotateSecret";
  e.email.reset();
  e.token.reset();
  e.rotation = RotationDetails{3, 4, "cc745bf684cf0605", true};
  nlohmann::json j = nlohmann::json::parse(AuditEventToJson(e, Pseudonyms()));
  EXPECT_EQ(j.at("rotation"), nlohmann::json::parse(R"({"old_version": 3, "new_version": 4,
      "fingerprint": "cc745bf684cf0605", "source": "generated"})"));
  EXPECT_FALSE(j.contains("email_hmac"));
  e.rotation->generated = false;
  j = nlohmann::json::parse(AuditEventToJson(e, Pseudonyms()));
  EXPECT_EQ(j.at("rotation").at("source"), "imported");
  EXPECT_FALSE(j.contains("supersedes"));
  e.outcome = "UNAVAILABLE";
  e.supersedes = "2f0c8e9a-6d1b-4c52-9a7e-0b8f3d6e1a24";
  e.event_id.clear();
  j = nlohmann::json::parse(AuditEventToJson(e, Pseudonyms()));
  EXPECT_EQ(j.at("supersedes"), "2f0c8e9a-6d1b-4c52-9a7e-0b8f3d6e1a24");
  EXPECT_NE(j.at("event_id"), j.at("supersedes"));  // a new id when rendered
}

TEST(AuditEventJsonTest, FailureHasCodeNameAndReasonAndNoVersion) {
  AuditEvent e = TokenEvent();
  e.version.reset();
  e.token.reset();
  e.outcome = "NOT_FOUND";
  e.reason = "app_id: no widget is registered with this app_id";
  const nlohmann::json j = nlohmann::json::parse(AuditEventToJson(e, Pseudonyms()));
  EXPECT_EQ(j.at("outcome"), "NOT_FOUND");
  EXPECT_EQ(j.at("reason"), "app_id: no widget is registered with this app_id");
  EXPECT_FALSE(j.contains("version"));
  EXPECT_FALSE(j.contains("token"));
}

TEST(AuditEventJsonTest, PlainModeRecordsTheAddressAndOmitModeNothing) {
  nlohmann::json j =
      nlohmann::json::parse(AuditEventToJson(TokenEvent(), EmailPseudonymizer::Plain()));
  EXPECT_EQ(j.at("email"), kEmail);
  EXPECT_FALSE(j.contains("email_hmac"));
  const std::string omitted = AuditEventToJson(TokenEvent(), EmailPseudonymizer::Omit());
  j = nlohmann::json::parse(omitted);
  EXPECT_FALSE(j.contains("email"));
  EXPECT_FALSE(j.contains("email_hmac"));
  EXPECT_THAT(omitted, Not(HasSubstr("jane")));
}

TEST(AuditEventJsonTest, HostileRequestTextStaysOneValidLine) {
  AuditEvent e = TokenEvent();
  e.app_id = "a\"b\\c\nd\x01";
  e.email = "x\n\"}{@example.com";
  const std::string line = AuditEventToJson(e, EmailPseudonymizer::Plain());
  EXPECT_EQ(line.find('\n'), std::string::npos);
  const nlohmann::json j = nlohmann::json::parse(line);
  EXPECT_EQ(j.at("app_id"), "a\"b\\c\nd\x01");
  EXPECT_EQ(j.at("email"), "x\n\"}{@example.com");
}

TEST(AuditEventJsonTest, InvalidUtf8IsReplacedByAPlaceholder) {
  AuditEvent e = TokenEvent();
  e.app_id = std::string("bad\xff\xfe", 5);
  e.email = std::string("\xc3(@example.com");
  const nlohmann::json j =
      nlohmann::json::parse(AuditEventToJson(e, EmailPseudonymizer::Plain()));
  EXPECT_EQ(j.at("app_id"), "<invalid UTF-8, 5 bytes>");
  EXPECT_EQ(j.at("email"), "<invalid UTF-8, 14 bytes>");
}

TEST(AuditEventJsonTest, LongTextIsCutAtACharacterBoundary) {
  AuditEvent e = TokenEvent();
  // 255 ASCII bytes then a 2-byte character straddling the 256-byte limit.
  e.app_id = std::string(255, 'a') + "\xc3\xa9" + std::string(100, 'b');
  const nlohmann::json j = nlohmann::json::parse(AuditEventToJson(e, Pseudonyms()));
  EXPECT_EQ(j.at("app_id"), std::string(255, 'a') + "...[357 bytes]");
}

TEST(AuditEventJsonTest, TimeIsRfc3339UtcWithMilliseconds) {
  EXPECT_EQ(FormatAuditTime(absl::FromUnixMillis(0)), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(FormatAuditTime(absl::FromUnixMicros(1795784965123999)), "2026-11-27T13:09:25.123Z");
  // Within one second and across into the next (the per-second cache).
  EXPECT_EQ(FormatAuditTime(absl::FromUnixMillis(1795784965007)), "2026-11-27T13:09:25.007Z");
  EXPECT_EQ(FormatAuditTime(absl::FromUnixMillis(1795784965999)), "2026-11-27T13:09:25.999Z");
  EXPECT_EQ(FormatAuditTime(absl::FromUnixMillis(1795784966000)), "2026-11-27T13:09:26.000Z");
  EXPECT_EQ(FormatAuditTime(absl::FromUnixMillis(1795784965050)), "2026-11-27T13:09:25.050Z");
}

TEST(AuditEventJsonTest, DropReportCountsQueueDropsAndPerSinkLosses) {
  const nlohmann::json j = nlohmann::json::parse(DropReportToJson(
      absl::FromUnixMillis(1795784965123), 12, 5, {{"stdout", 0}, {"syslog+tcp://h:1", 7}},
      true));
  EXPECT_EQ(j.at("type"), "audit_drops");
  EXPECT_EQ(j.at("schema_version"), 1);
  EXPECT_EQ(j.at("dropped_total"), 12);
  EXPECT_EQ(j.at("dropped_since_last_report"), 5);
  EXPECT_EQ(j.at("undelivered_by_sink"),
            nlohmann::json::parse(R"({"stdout": 0, "syslog+tcp://h:1": 7})"));
  EXPECT_EQ(j.at("final"), true);
  EXPECT_TRUE(j.at("event_id").is_string());
}

TEST(AuditEventJsonTest, RefusalSummaryNamesTheCallerTheCountAndTheInterval) {
  RefusalSummary summary;
  summary.principal = "spiffe://corp/ns/billing/sa/api";
  summary.principal_source = "uri_san";
  summary.outcome = "RESOURCE_EXHAUSTED";
  summary.count = 12344;
  summary.rpcs = {{"IssueEmailHash", 12000}, {"RotateSecret", 344}};
  summary.interval_start = absl::FromUnixMillis(1795784965123);
  summary.interval_end = absl::FromUnixMillis(1795785025123);
  const nlohmann::json j = nlohmann::json::parse(RefusalSummaryToJson(summary, false));
  EXPECT_EQ(j.at("time"), "2026-11-27T13:10:25.123Z");  // the interval's end
  EXPECT_EQ(j.at("type"), "rpc_refused_summary");
  EXPECT_EQ(j.at("schema_version"), 1);
  EXPECT_THAT(j.at("event_id").get<std::string>(), MatchesRegex("[0-9a-f-]{36}"));
  EXPECT_EQ(j.at("principal"), "spiffe://corp/ns/billing/sa/api");
  EXPECT_EQ(j.at("principal_source"), "uri_san");
  EXPECT_EQ(j.at("outcome"), "RESOURCE_EXHAUSTED");
  EXPECT_EQ(j.at("count"), 12344);
  EXPECT_EQ(j.at("rpcs"), nlohmann::json::parse(R"({"IssueEmailHash": 12000, "RotateSecret": 344})"));
  EXPECT_EQ(j.at("interval_start"), "2026-11-27T13:09:25.123Z");
  EXPECT_EQ(j.at("interval_end"), "2026-11-27T13:10:25.123Z");
  EXPECT_EQ(j.at("overflow"), false);
  EXPECT_EQ(j.at("final"), false);
  EXPECT_EQ(j.size(), 13u);

  // The overflow summary names no caller; a hostile principal stays one line.
  summary.overflow = true;
  const nlohmann::json over = nlohmann::json::parse(RefusalSummaryToJson(summary, true));
  EXPECT_FALSE(over.contains("principal"));
  EXPECT_FALSE(over.contains("principal_source"));
  EXPECT_EQ(over.at("overflow"), true);
  EXPECT_EQ(over.at("final"), true);
  summary.overflow = false;
  summary.principal = "evil\n\"}{\u2028";
  const std::string line = RefusalSummaryToJson(summary, false);
  EXPECT_EQ(line.find('\n'), std::string::npos);
  EXPECT_EQ(nlohmann::json::parse(line).at("principal"), summary.principal);
}

TEST(AuditEventTest, RandomIdsAreUuidV4AndUnique) {
  std::set<std::string> seen;
  for (int i = 0; i < 10000; ++i) {
    const std::string id = NewRandomId();
    ASSERT_THAT(id, MatchesRegex("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-"
                                 "[0-9a-f]{12}"));
    seen.insert(id);
  }
  EXPECT_EQ(seen.size(), 10000u);
}

TEST(EmailModeTest, ParsesTheThreeModesAndNamesTheFlagOtherwise) {
  EXPECT_EQ(*ParseEmailMode("pseudonym"), EmailMode::kPseudonym);
  EXPECT_EQ(*ParseEmailMode("plain"), EmailMode::kPlain);
  EXPECT_EQ(*ParseEmailMode("omit"), EmailMode::kOmit);
  const absl::StatusOr<EmailMode> bad = ParseEmailMode("hash");
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(bad.status().message()), HasSubstr("--audit_email"));
}

}  // namespace
}  // namespace identity::audit

namespace identity::audit {
namespace {

// SHA-256 over each of `lines` followed by "\n", in hex (sha256sum's answer
// for a file of those lines), with OpenSSL's one-shot SHA256().
std::string Sha256OfLines(const std::vector<std::string>& lines) {
  std::string text;
  for (const std::string& line : lines) text += line + "\n";
  unsigned char digest[32];
  SHA256(reinterpret_cast<const unsigned char*>(text.data()), text.size(), digest);
  return absl::BytesToHexString(absl::string_view(reinterpret_cast<const char*>(digest), 32));
}

std::optional<std::string> DigestOf(const EmailPseudonymizer& emails,
                                    const std::vector<std::string>& batch) {
  EmailBatchDigest digest(emails);
  for (const std::string& email : batch) digest.Add(email);
  return digest.Finish();
}

const std::vector<std::string> kBatch = {"jane@example.com", "bob@example.com", "not an email"};

TEST(EmailBatchDigestTest, PseudonymModeHashesThePseudonymLines) {
  EXPECT_EQ(DigestOf(Pseudonyms(), kBatch),
            Sha256OfLines({ExpectedPseudonym(kBatch[0]), ExpectedPseudonym(kBatch[1]),
                           ExpectedPseudonym(kBatch[2])}));
  // Order matters: another order is another batch.
  EXPECT_NE(DigestOf(Pseudonyms(), kBatch),
            DigestOf(Pseudonyms(), {kBatch[1], kBatch[0], kBatch[2]}));
  EXPECT_EQ(DigestOf(Pseudonyms(), {}), Sha256OfLines({}));
}

TEST(EmailBatchDigestTest, PlainModeHashesTheEmailLinesAndOmitModeNothing) {
  EXPECT_EQ(DigestOf(EmailPseudonymizer::Plain(), kBatch), Sha256OfLines(kBatch));
  EXPECT_EQ(DigestOf(EmailPseudonymizer::Omit(), kBatch), std::nullopt);
}

AuditEvent BatchEvent(const EmailPseudonymizer& emails) {
  AuditEvent e = TokenEvent();
  e.rpc = "IssueEmailHashes";
  e.kind = "email_hash";
  e.email.reset();
  e.token.reset();
  e.batch = BatchDetails{3, 2, DigestOf(emails, kBatch)};
  return e;
}

TEST(AuditEventJsonTest, BatchEventHasTheCountsAndTheDigestOfItsMode) {
  const nlohmann::json pseudonym =
      nlohmann::json::parse(AuditEventToJson(BatchEvent(Pseudonyms()), Pseudonyms()));
  EXPECT_EQ(pseudonym.at("batch"),
            nlohmann::json({{"emails", 3}, {"hashed", 2},
                            {"email_hmacs_sha256", *DigestOf(Pseudonyms(), kBatch)}}));
  EXPECT_FALSE(pseudonym.contains("email_hmac"));
  const EmailPseudonymizer plain = EmailPseudonymizer::Plain();
  const std::string plain_line = AuditEventToJson(BatchEvent(plain), plain);
  EXPECT_EQ(nlohmann::json::parse(plain_line).at("batch"),
            nlohmann::json(
                {{"emails", 3}, {"hashed", 2}, {"emails_sha256", Sha256OfLines(kBatch)}}));
  EXPECT_THAT(plain_line, Not(HasSubstr("@example.com")));
  const EmailPseudonymizer omit = EmailPseudonymizer::Omit();
  EXPECT_EQ(nlohmann::json::parse(AuditEventToJson(BatchEvent(omit), omit)).at("batch"),
            nlohmann::json({{"emails", 3}, {"hashed", 2}}));
}

}  // namespace
}  // namespace identity::audit
