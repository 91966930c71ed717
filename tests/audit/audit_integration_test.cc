// The audit log end to end: the real identityd writing to a file, to a real
// rsyslogd (TCP, UDP, unix socket), across logrotate's rename + SIGHUP, to a
// peer that stops reading, and to sinks that are down. Every line is checked
// against the schema of docs/audit.md, and no secret, token or raw email may
// appear in any of them.

#include <openssl/sha.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "tests/integration/integration_fixture.h"
#include "tests/support/loopback_port.h"
#include "tests/support/raw_caller.h"
#include "tests/support/rsyslog_process.h"
#include "tests/support/test_pki.h"

namespace identity::integration_testing {
namespace {

using ::identity::testing::IdentitydProcess;
using ::identity::testing::RawCaller;
using ::identity::testing::ReadFileOrEmpty;
using ::identity::testing::RsyslogProcess;
using ::identity::testing::TempDir;
using ::identity::testing::WriteFileOrDie;
using ::identity::v1::SECRET_KIND_EMAIL_HASH;
using ::identity::v1::SECRET_KIND_JWT;
using ::testing::HasSubstr;
using ::testing::MatchesRegex;
using ::testing::Not;
using json = nlohmann::json;

constexpr char kEmail[] = "jane.doe+audit@example.com";
constexpr char kAuditKeyHex[] = "a3f1c2d4e5b60718293a4b5c6d7e8f90112233445566778899aabbccddeeff00";
constexpr char kImportedJwtSecret[] = "an imported jwt secret 0123456789 abcdef";

// The schema of a "call" line (docs/audit.md): every key, its type, and no
// other key.
void ExpectCallSchema(const json& e) {
  SCOPED_TRACE(e.dump());
  static const std::set<std::string> kKeys = {
      "time",    "type",   "schema_version", "event_id", "request_id", "rpc",
      "principal", "principal_source", "peer", "app_id", "kind", "version",
      "outcome", "reason", "latency_us", "email_hmac", "email", "token", "batch", "rotation",
      "verdict", "supersedes"};
  for (const auto& [key, value] : e.items()) EXPECT_TRUE(kKeys.count(key)) << "unknown key " << key;
  EXPECT_THAT(e.at("time").get<std::string>(),
              MatchesRegex("[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3}Z"));
  EXPECT_EQ(e.at("type"), "call");
  EXPECT_EQ(e.at("schema_version"), 1);
  EXPECT_THAT(e.at("event_id").get<std::string>(),
              MatchesRegex("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"));
  EXPECT_FALSE(e.at("request_id").get<std::string>().empty());
  static const std::set<std::string> kRpcs = {
      "IssueEmailHash", "IssueEmailHashes", "IssueWidgetToken", "RotateSecret",
      "GetWidget",      "ListWidgets",      "VerifyEmailHash",  "VerifyWidgetToken"};
  EXPECT_TRUE(kRpcs.count(e.at("rpc").get<std::string>()));
  EXPECT_TRUE(e.at("principal").is_string());
  static const std::set<std::string> kSources = {"none", "uri_san", "dns_san", "common_name"};
  EXPECT_TRUE(kSources.count(e.at("principal_source").get<std::string>()));
  EXPECT_THAT(e.at("peer").get<std::string>(), HasSubstr("127.0.0.1"));
  EXPECT_TRUE(e.at("app_id").is_string());
  if (e.contains("kind")) {
    EXPECT_TRUE(e["kind"] == "email_hash" || e["kind"] == "jwt");
  }
  if (e.contains("version")) {
    EXPECT_TRUE(e["version"].is_number_unsigned() && e["version"] >= 1);
  }
  static const std::set<std::string> kCodes = {
      "OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED", "NOT_FOUND",
      "ALREADY_EXISTS", "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION",
      "ABORTED", "OUT_OF_RANGE", "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE", "DATA_LOSS",
      "UNAUTHENTICATED"};
  EXPECT_TRUE(kCodes.count(e.at("outcome").get<std::string>()));
  EXPECT_EQ(e.at("reason").get<std::string>().empty(), e.at("outcome") == "OK");
  EXPECT_TRUE(e.at("latency_us").is_number_integer() && e.at("latency_us") >= 0);
  if (e.contains("email_hmac")) {
    EXPECT_THAT(e["email_hmac"].get<std::string>(), MatchesRegex("[0-9a-f]{64}"));
  }
  if (e.contains("token")) {
    EXPECT_TRUE(e["token"].at("exp").is_number_integer());
    EXPECT_THAT(e["token"].at("fingerprint").get<std::string>(), MatchesRegex("[0-9a-f]{16}"));
    EXPECT_EQ(e["token"].size(), 2u);
  }
  if (e.contains("batch")) {
    const json& b = e["batch"];
    EXPECT_EQ(e.at("rpc"), "IssueEmailHashes");
    EXPECT_FALSE(e.contains("email_hmac") || e.contains("email"));
    EXPECT_TRUE(b.at("emails").is_number_unsigned());
    EXPECT_TRUE(b.at("hashed").is_number_unsigned() && b["hashed"] <= b["emails"]);
    std::size_t keys = 2;
    for (const char* digest : {"email_hmacs_sha256", "emails_sha256"}) {
      if (b.contains(digest)) {
        EXPECT_THAT(b[digest].get<std::string>(), MatchesRegex("[0-9a-f]{64}"));
        ++keys;
      }
    }
    EXPECT_EQ(b.size(), keys);
  }
  if (e.contains("verdict")) {
    static const std::set<std::string> kVerdicts = {
        "CURRENT_VERSION", "PREVIOUS_VERSION", "NO_MATCH",      "VALID",
        "UNSUPPORTED_ALGORITHM", "BAD_SIGNATURE", "WRONG_AUDIENCE", "EXPIRED",
        "NOT_YET_VALID",   "BAD_LIFETIME",     "BAD_CLAIMS"};
    EXPECT_TRUE(kVerdicts.count(e["verdict"].get<std::string>()));
    EXPECT_TRUE(e.at("rpc") == "VerifyEmailHash" || e.at("rpc") == "VerifyWidgetToken");
  }
  if (e.contains("supersedes")) {
    EXPECT_EQ(e.at("rpc"), "RotateSecret");
    EXPECT_NE(e.at("outcome"), "OK");
    EXPECT_NE(e.at("supersedes"), e.at("event_id"));
  }
  if (e.contains("rotation")) {
    const json& r = e["rotation"];
    EXPECT_TRUE(r.at("old_version").is_number_unsigned());
    EXPECT_EQ(r.at("new_version"), r.at("old_version").get<std::uint64_t>() + 1);
    EXPECT_THAT(r.at("fingerprint").get<std::string>(), MatchesRegex("[0-9a-f]{16}"));
    EXPECT_TRUE(r.at("source") == "generated" || r.at("source") == "imported");
    EXPECT_EQ(r.size(), 4u);
  }
}

void ExpectDropReportSchema(const json& e) {
  SCOPED_TRACE(e.dump());
  EXPECT_EQ(e.at("type"), "audit_drops");
  EXPECT_EQ(e.at("schema_version"), 1);
  EXPECT_TRUE(e.at("time").is_string());
  EXPECT_TRUE(e.at("event_id").is_string());
  EXPECT_TRUE(e.at("dropped_total").is_number_unsigned());
  EXPECT_TRUE(e.at("dropped_since_last_report").is_number_unsigned());
  EXPECT_TRUE(e.at("undelivered_by_sink").is_object());
  EXPECT_TRUE(e.at("final").is_boolean());
  EXPECT_EQ(e.size(), 8u);
}

std::vector<std::string> Lines(const std::string& text) {
  return absl::StrSplit(text, '\n', absl::SkipEmpty());
}

// Every line of `lines` parsed; a line that is not JSON fails the test.
std::vector<json> Parse(const std::vector<std::string>& lines) {
  std::vector<json> out;
  for (const std::string& line : lines) {
    json j = json::parse(line, nullptr, /*allow_exceptions=*/false);
    EXPECT_FALSE(j.is_discarded()) << "not JSON: " << line;
    if (!j.is_discarded()) out.push_back(std::move(j));
  }
  return out;
}

std::vector<json> CallEvents(const std::vector<json>& events) {
  std::vector<json> out;
  for (const json& e : events) {
    if (e.at("type") == "call") out.push_back(e);
  }
  return out;
}

const json* FindByRequestId(const std::vector<json>& events, const std::string& id) {
  for (const json& e : events) {
    if (e.value("request_id", "") == id) return &e;
  }
  return nullptr;
}

// The forms a leaked value could take in a log.
std::vector<std::string> Forms(absl::string_view bytes) {
  return {std::string(bytes), absl::BytesToHexString(bytes), absl::Base64Escape(bytes),
          absl::WebSafeBase64Escape(bytes)};
}

void ExpectNoneOf(const std::string& haystack, const std::vector<std::string>& secrets) {
  for (const std::string& secret : secrets) {
    for (const std::string& form : Forms(secret)) {
      // The first 16 bytes are enough to call it a leak.
      const std::string needle = form.substr(0, std::min<std::size_t>(form.size(), 16));
      EXPECT_THAT(haystack, Not(HasSubstr(needle))) << "a secret leaked into the audit log";
    }
  }
}

// A test server with the standard widgets and these audit flags.
std::unique_ptr<IdentitydProcess> StartAudited(const std::vector<std::string>& audit_flags) {
  IdentitydProcess::Options options = StandardServerOptions();
  options.extra_flags = audit_flags;
  return StartServer(std::move(options));
}

bool WaitUntil(const std::function<bool()>& done, absl::Duration timeout = absl::Seconds(30)) {
  const absl::Time deadline = absl::Now() + timeout;
  while (absl::Now() < deadline) {
    if (done()) return true;
    absl::SleepFor(absl::Milliseconds(50));
  }
  return done();
}

// The standard server's kBothApp still serves version 1 of both secrets: a
// refused or abandoned rotation changed nothing.
void ExpectTheOldSecretStillServes(client::IdentityClient& client) {
  const absl::StatusOr<v1::IssueEmailHashResponse> hash = client.IssueEmailHash(kBothApp, kEmail);
  ASSERT_TRUE(hash.ok()) << hash.status();
  EXPECT_EQ(hash->secret_version(), 1u);
  EXPECT_EQ(hash->email_hash(), ExpectedEmailHash(kBothHashSecret, kEmail));
  const absl::StatusOr<v1::GetWidgetResponse> widget = client.GetWidget(kBothApp);
  ASSERT_TRUE(widget.ok()) << widget.status();
  for (const auto& secret : widget->widget().secrets()) {
    EXPECT_EQ(secret.current().version(), 1u);
  }
}

void StopCleanly(IdentitydProcess& server) {
  absl::StatusOr<testing::ExitInfo> exit = server.Stop();
  ASSERT_TRUE(exit.ok()) << exit.status();
  EXPECT_TRUE(exit->exited && exit->exit_code == 0) << server.Logs();
}

TEST(AuditIntegrationTest, EveryRpcIsRecordedOnceWithTheSchemaAndNothingSecret) {
  TempDir dir;
  WriteFileOrDie(dir.File("audit.key"), kAuditKeyHex);
  const std::string log = dir.File("audit.log");
  std::unique_ptr<IdentitydProcess> server =
      StartAudited({"--audit_sink=file:" + log, "--audit_key_file=" + dir.File("audit.key")});
  ASSERT_NE(server, nullptr);
  RawCaller raw(server->target(), grpc::InsecureChannelCredentials());

  // The caller's request id is kept and echoed; without one, one is made.
  raw.request_id = "req-hash-1";
  auto hash = raw.Hash(std::string(kBothApp), kEmail);
  ASSERT_TRUE(hash.status.ok()) << hash.status.error_message();
  EXPECT_EQ(hash.initial_metadata.find("x-request-id")->second, "req-hash-1");

  raw.request_id = "";
  v1::IssueWidgetTokenRequest token_request;
  token_request.set_app_id(std::string(kBothApp));
  token_request.set_email(kEmail);
  token_request.set_name("Jane Doe");
  auto token = raw.Token(token_request);
  ASSERT_TRUE(token.status.ok()) << token.status.error_message();
  ASSERT_EQ(token.initial_metadata.count("x-request-id"), 1u);
  const std::string token_request_id = token.initial_metadata.find("x-request-id")->second;
  EXPECT_THAT(token_request_id, MatchesRegex("[0-9a-f-]{36}"));

  raw.request_id = "req-rotate-generated";
  auto generated = raw.Rotate(std::string(kHashOnlyApp), SECRET_KIND_EMAIL_HASH);
  ASSERT_TRUE(generated.status.ok()) << generated.status.error_message();
  raw.request_id = "req-rotate-imported";
  auto imported = raw.Rotate(std::string(kJwtOnlyApp), SECRET_KIND_JWT, kImportedJwtSecret);
  ASSERT_TRUE(imported.status.ok()) << imported.status.error_message();
  raw.request_id = "req-rotate-aborted";
  v1::RotateSecretRequest stale;
  stale.set_app_id(std::string(kBothApp));
  stale.set_kind(SECRET_KIND_JWT);
  stale.set_generate(true);
  stale.set_expected_version(99);
  EXPECT_EQ(raw.Rotate(stale).status.error_code(), grpc::StatusCode::ABORTED);
  raw.request_id = "req-not-found";
  EXPECT_EQ(raw.Hash(std::string(kUnknownApp), kEmail).status.error_code(),
            grpc::StatusCode::NOT_FOUND);
  raw.request_id = "req-bad-email";
  EXPECT_EQ(raw.Hash(std::string(kBothApp), "not-an-email").status.error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  std::unique_ptr<client::IdentityClient> client = ClientFor(server->target());
  ASSERT_TRUE(client->GetWidget(kBothApp).ok());
  ASSERT_TRUE(client->ListWidgetsAll().ok());
  // The Verify calls: a verdict, the version, the email's pseudonym and the
  // token's fingerprint, never the token (checked at the end).
  absl::StatusOr<v1::VerifyEmailHashResponse> verified_hash =
      client->VerifyEmailHash(kBothApp, kEmail, hash.response.email_hash());
  ASSERT_TRUE(verified_hash.ok()) << verified_hash.status();
  absl::StatusOr<v1::VerifyWidgetTokenResponse> verified_token =
      client->VerifyWidgetToken(kBothApp, token.response.jwt());
  ASSERT_TRUE(verified_token.ok()) << verified_token.status();
  client.reset();  // an open connection would hold up the graceful stop
  raw = RawCaller(server->target(), grpc::InsecureChannelCredentials());
  StopCleanly(*server);

  const std::string text = ReadFileOrEmpty(log);
  const std::vector<json> all = Parse(Lines(text));
  const std::vector<json> calls = CallEvents(all);
  ASSERT_EQ(calls.size(), 11u) << text;
  for (const json& e : calls) ExpectCallSchema(e);
  ASSERT_EQ(all.size(), 12u);
  ExpectDropReportSchema(all.back());
  EXPECT_EQ(all.back().at("final"), true);
  EXPECT_EQ(all.back().at("dropped_total"), 0);
  std::set<std::string> event_ids;
  for (const json& e : all) event_ids.insert(e.at("event_id").get<std::string>());
  EXPECT_EQ(event_ids.size(), all.size());

  const json* e = FindByRequestId(calls, "req-hash-1");
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->at("rpc"), "IssueEmailHash");
  EXPECT_EQ(e->at("app_id"), std::string(kBothApp));
  EXPECT_EQ(e->at("kind"), "email_hash");
  EXPECT_EQ(e->at("version"), 1);
  EXPECT_EQ(e->at("outcome"), "OK");
  EXPECT_EQ(e->at("principal"), "anonymous");
  EXPECT_EQ(e->at("principal_source"), "none");
  // The pseudonym is the vendor's email-hash formula under the audit key...
  EXPECT_EQ(e->at("email_hmac"), ExpectedEmailHash(kAuditKeyHex, kEmail));
  // ... which identityctl audit-hash computes for investigators.
  absl::StatusOr<testing::RunResult> audit_hash = testing::RunProgram(
      {testing::IdentityctlPath(), "--audit_key_file=" + dir.File("audit.key"), "audit-hash",
       kEmail},
      dir.path());
  ASSERT_TRUE(audit_hash.ok());
  EXPECT_EQ(audit_hash->stdout_text, ExpectedEmailHash(kAuditKeyHex, kEmail) + "\n");
  // The same with the email on stdin (kept out of argv and shell history).
  audit_hash = testing::RunProgram(
      {testing::IdentityctlPath(), "--audit_key_file=" + dir.File("audit.key"), "audit-hash", "-"},
      dir.path(), std::string(kEmail) + "\n");
  ASSERT_TRUE(audit_hash.ok());
  EXPECT_EQ(audit_hash->stdout_text, ExpectedEmailHash(kAuditKeyHex, kEmail) + "\n");

  e = FindByRequestId(calls, token_request_id);
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->at("rpc"), "IssueWidgetToken");
  EXPECT_EQ(e->at("kind"), "jwt");
  EXPECT_EQ(e->at("token").at("exp"), token.response.expires_at().seconds());
  EXPECT_EQ(e->at("token").at("fingerprint"), ExpectedFingerprint(token.response.jwt()));

  e = FindByRequestId(calls, "req-rotate-generated");
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->at("rpc"), "RotateSecret");
  EXPECT_EQ(e->at("kind"), "email_hash");
  EXPECT_EQ(e->at("version"), 2);
  EXPECT_EQ(e->at("rotation"), json({{"old_version", 1},
                                     {"new_version", 2},
                                     {"fingerprint", generated.response.fingerprint()},
                                     {"source", "generated"}}));
  EXPECT_EQ(generated.response.fingerprint(),
            ExpectedFingerprint(HexDecode(generated.response.generated_secret())));

  e = FindByRequestId(calls, "req-rotate-imported");
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->at("rotation").at("source"), "imported");
  EXPECT_EQ(e->at("rotation").at("fingerprint"), ExpectedFingerprint(kImportedJwtSecret));

  e = FindByRequestId(calls, "req-rotate-aborted");
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->at("outcome"), "ABORTED");
  EXPECT_THAT(e->at("reason").get<std::string>(), HasSubstr("expected_version"));
  EXPECT_FALSE(e->contains("rotation"));

  e = FindByRequestId(calls, "req-not-found");
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->at("outcome"), "NOT_FOUND");
  EXPECT_THAT(e->at("reason").get<std::string>(), HasSubstr("app_id"));
  EXPECT_FALSE(e->contains("version"));
  e = FindByRequestId(calls, "req-bad-email");
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->at("outcome"), "INVALID_ARGUMENT");
  EXPECT_THAT(e->at("reason").get<std::string>(), HasSubstr("email"));

  int get = 0, list = 0;
  for (const json& c : calls) {
    if (c.at("rpc") == "GetWidget" && c.at("app_id") == std::string(kBothApp) && c.at("outcome") == "OK") ++get;
    if (c.at("rpc") == "ListWidgets" && c.at("app_id") == "" && c.at("outcome") == "OK") ++list;
  }
  EXPECT_EQ(get, 1);
  EXPECT_EQ(list, 1);
  for (const json& c : calls) {
    if (c.at("rpc") == "VerifyEmailHash") {
      EXPECT_EQ(c.at("verdict"), "CURRENT_VERSION");
      EXPECT_EQ(c.at("kind"), "email_hash");
      EXPECT_EQ(c.at("version"), 1);
      EXPECT_EQ(c.at("email_hmac"), ExpectedEmailHash(kAuditKeyHex, kEmail));
    }
    if (c.at("rpc") == "VerifyWidgetToken") {
      EXPECT_EQ(c.at("verdict"), "VALID");
      EXPECT_EQ(c.at("kind"), "jwt");
      EXPECT_EQ(c.at("version"), 1);
      EXPECT_EQ(c.at("email_hmac"), ExpectedEmailHash(kAuditKeyHex, kEmail));
      EXPECT_EQ(c.at("token").at("fingerprint"), ExpectedFingerprint(token.response.jwt()));
      EXPECT_EQ(c.at("token").at("exp"), token.response.expires_at().seconds());
    }
  }

  // Nothing secret: no widget secret (old, generated, imported), no token, no
  // raw email, no audit key.
  const std::string jwt = token.response.jwt();
  ExpectNoneOf(text, {HexDecode(kBothHashSecret), std::string(kBothJwtSecret),
                      HexDecode(kHashOnlySecret), std::string(kJwtOnlySecret),
                      HexDecode(generated.response.generated_secret()), kImportedJwtSecret,
                      HexDecode(kAuditKeyHex)});
  EXPECT_THAT(text, Not(HasSubstr(jwt.substr(jwt.rfind('.') + 1))));
  EXPECT_THAT(text, Not(HasSubstr(jwt.substr(0, jwt.rfind('.')))));
  EXPECT_THAT(text, Not(HasSubstr(kEmail)));
  EXPECT_THAT(text, Not(HasSubstr("jane.doe")));
}

// SHA-256 over each line of `lines` followed by "\n", in hex: what sha256sum
// prints for a file of those lines.
std::string Sha256OfLines(const std::vector<std::string>& lines) {
  std::string text;
  for (const std::string& line : lines) absl::StrAppend(&text, line, "\n");
  unsigned char digest[32];
  SHA256(reinterpret_cast<const unsigned char*>(text.data()), text.size(), digest);
  return HexEncode(absl::string_view(reinterpret_cast<const char*>(digest), sizeof(digest)));
}

// A batch call is one line however many emails it carries: the count, how
// many were hashed, and the digest of the emails' pseudonyms (recomputed
// here from the audit key with OpenSSL), never an email or a hash.
TEST(AuditIntegrationTest, AnIssueEmailHashesCallIsOneLineWithTheCountAndTheDigest) {
  TempDir dir;
  WriteFileOrDie(dir.File("audit.key"), kAuditKeyHex);
  const std::string log = dir.File("audit.log");
  std::unique_ptr<IdentitydProcess> server =
      StartAudited({"--audit_sink=file:" + log, "--audit_key_file=" + dir.File("audit.key")});
  ASSERT_NE(server, nullptr);
  std::unique_ptr<client::IdentityClient> client = ClientFor(server->target());
  std::vector<std::string> emails;
  for (int i = 0; i < 1000; ++i) emails.push_back(absl::StrCat("user", 1000 + i, "@example.com"));
  emails[7] = "not-an-email";
  absl::StatusOr<v1::IssueEmailHashesResponse> big = client->IssueEmailHashes(kBothApp, emails);
  ASSERT_TRUE(big.ok()) << big.status();
  const std::vector<std::string> small = {kEmail, "bob@example.com"};
  ASSERT_TRUE(client->IssueEmailHashes(kBothApp, small).ok());
  EXPECT_EQ(client->IssueEmailHashes(kUnknownApp, small).status().code(),
            absl::StatusCode::kNotFound);
  client.reset();  // a connection left open would hold the graceful stop up
  StopCleanly(*server);

  const std::string text = ReadFileOrEmpty(log);
  const std::vector<json> calls = CallEvents(Parse(Lines(text)));
  ASSERT_EQ(calls.size(), 3u) << text;  // one per call, not one per email
  const std::string key = HexDecode(kAuditKeyHex);
  const auto pseudonyms = [&](const std::vector<std::string>& list) {
    std::vector<std::string> out;
    for (const std::string& email : list) out.push_back(HexEncode(HmacSha256(key, email)));
    return out;
  };
  for (const json& e : calls) ExpectCallSchema(e);
  EXPECT_EQ(calls[0].at("rpc"), "IssueEmailHashes");
  EXPECT_EQ(calls[0].at("outcome"), "OK");
  EXPECT_EQ(calls[0].at("kind"), "email_hash");
  EXPECT_EQ(calls[0].at("version"), 1);
  EXPECT_EQ(calls[0].at("batch").at("emails"), 1000);
  EXPECT_EQ(calls[0].at("batch").at("hashed"), 999);
  EXPECT_EQ(calls[0].at("batch").at("email_hmacs_sha256"), Sha256OfLines(pseudonyms(emails)));
  EXPECT_EQ(calls[1].at("batch").at("email_hmacs_sha256"), Sha256OfLines(pseudonyms(small)));
  EXPECT_EQ(calls[2].at("outcome"), "NOT_FOUND");
  EXPECT_EQ(calls[2].at("batch").at("emails"), 2);
  EXPECT_EQ(calls[2].at("batch").at("hashed"), 0);
  EXPECT_EQ(calls[2].at("batch").at("email_hmacs_sha256"), Sha256OfLines(pseudonyms(small)));
  EXPECT_THAT(text, Not(HasSubstr("@example.com")));
  EXPECT_THAT(text, Not(HasSubstr(big->results(0).email_hash())));
}

TEST(AuditIntegrationTest, PlainModeRecordsTheEmailAndOmitModeNothing) {
  for (const std::string mode : {"plain", "omit"}) {
    SCOPED_TRACE(mode);
    TempDir dir;
    std::unique_ptr<IdentitydProcess> server =
        StartAudited({"--audit_sink=file:" + dir.File("audit.log"), "--audit_email=" + mode});
    ASSERT_NE(server, nullptr);
    ASSERT_TRUE(ClientFor(server->target())->IssueEmailHash(kBothApp, kEmail).ok());
    const std::vector<std::string> batch = {kEmail, "bob@example.com"};
    ASSERT_TRUE(ClientFor(server->target())->IssueEmailHashes(kBothApp, batch).ok());
    StopCleanly(*server);
    const std::vector<json> calls = CallEvents(Parse(Lines(ReadFileOrEmpty(dir.File("audit.log")))));
    ASSERT_EQ(calls.size(), 2u);
    ExpectCallSchema(calls[0]);
    ExpectCallSchema(calls[1]);
    EXPECT_FALSE(calls[0].contains("email_hmac"));
    EXPECT_FALSE(calls[1].at("batch").contains("email_hmacs_sha256"));
    if (mode == "plain") {
      EXPECT_EQ(calls[0].at("email"), kEmail);
      // What `sha256sum emails.txt` prints for the batch's emails, one per line.
      EXPECT_EQ(calls[1].at("batch").at("emails_sha256"), Sha256OfLines(batch));
    } else {
      EXPECT_FALSE(calls[0].contains("email"));
      EXPECT_FALSE(calls[1].at("batch").contains("emails_sha256"));
    }
  }
}

TEST(AuditIntegrationTest, RsyslogReceivesTheSameEventsOverTcpUdpAndAUnixSocket) {
  absl::StatusOr<std::unique_ptr<RsyslogProcess>> rsyslog = RsyslogProcess::Start();
  ASSERT_TRUE(rsyslog.ok()) << rsyslog.status();
  TempDir dir;
  const std::string port = absl::StrCat((*rsyslog)->port());
  std::unique_ptr<IdentitydProcess> server = StartAudited(
      {absl::StrCat("--audit_sink=syslog+tcp://127.0.0.1:", port, ",syslog+udp://127.0.0.1:",
                    port, ",syslog+unix://", (*rsyslog)->unix_socket(), ",file:",
                    dir.File("audit.log"))});
  ASSERT_NE(server, nullptr);
  std::unique_ptr<client::IdentityClient> client = ClientFor(server->target());
  // UTF-8 and JSON escapes must survive the trip.
  ASSERT_TRUE(client->IssueEmailHash(kBothApp, "zoë\"q@example.com").ok());
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(client->IssueEmailHash(kBothApp, kEmail).ok());
  v1::RotateSecretRequest rotate;
  rotate.set_app_id(std::string(kBothApp));
  rotate.set_kind(SECRET_KIND_JWT);
  rotate.set_generate(true);
  ASSERT_TRUE(client->RotateSecret(rotate).ok());
  client.reset();  // an open connection would hold up the graceful stop
  StopCleanly(*server);

  const std::vector<std::string> file_lines = Lines(ReadFileOrEmpty(dir.File("audit.log")));
  ASSERT_EQ(file_lines.size(), 23u);  // 22 calls and the final drop report
  RsyslogProcess* r = rsyslog->get();
  ASSERT_TRUE(RsyslogProcess::WaitFor([r] { return r->TcpMessages(); }, 23, absl::Seconds(30)))
      << r->Logs();
  ASSERT_TRUE(RsyslogProcess::WaitFor([r] { return r->UdpMessages(); }, 23, absl::Seconds(30)))
      << r->Logs();
  ASSERT_TRUE(RsyslogProcess::WaitFor([r] { return r->UnixMessages(); }, 23, absl::Seconds(30)))
      << r->Logs();
  // Intact: byte for byte the lines of the file sink (TCP keeps the order;
  // datagrams are compared as a set).
  EXPECT_EQ(r->TcpMessages(), file_lines);
  std::vector<std::string> sorted = file_lines;
  std::sort(sorted.begin(), sorted.end());
  for (std::vector<std::string> got : {r->UdpMessages(), r->UnixMessages()}) {
    std::sort(got.begin(), got.end());
    EXPECT_EQ(got, sorted);
  }
  for (const json& e : CallEvents(Parse(r->TcpMessages()))) ExpectCallSchema(e);
}

TEST(AuditIntegrationTest, AFileSinkLosesNoLineAcrossRenameAndSighup) {
  TempDir dir;
  const std::string log = dir.File("audit.log");
  std::unique_ptr<IdentitydProcess> server =
      StartAudited({"--audit_sink=file:" + log, "--rate_limit_per_second=0"});
  ASSERT_NE(server, nullptr);
  // Calls run without pause from before the rename until well after the
  // reopen, each with its own request id.
  std::atomic<int> done{0};
  std::atomic<int> failures{0};
  std::atomic<bool> stop{false};
  std::thread caller([&] {
    RawCaller raw(server->target(), grpc::InsecureChannelCredentials());
    for (int i = 0; !stop.load() && i < 1000000; ++i) {
      raw.request_id = absl::StrCat("seq-", i);
      if (!raw.Hash(std::string(kBothApp), kEmail).status.ok()) ++failures;
      ++done;
    }
  });
  // logrotate's way: move the file, then signal.
  EXPECT_TRUE(WaitUntil([&] { return done.load() >= 200; }));
  ASSERT_EQ(std::rename(log.c_str(), (log + ".1").c_str()), 0);
  server->process().Signal(SIGHUP);
  EXPECT_TRUE(WaitUntil([&] { return absl::StrContains(server->Logs(), "SIGHUP"); }));
  const int after_signal = done.load();
  EXPECT_TRUE(WaitUntil([&] { return done.load() >= after_signal + 200; }));
  stop = true;
  caller.join();
  const int calls = done.load();
  EXPECT_EQ(failures.load(), 0);
  StopCleanly(*server);

  const std::vector<json> rotated = CallEvents(Parse(Lines(ReadFileOrEmpty(log + ".1"))));
  const std::vector<json> fresh = CallEvents(Parse(Lines(ReadFileOrEmpty(log))));
  EXPECT_GE(rotated.size(), 200u);
  EXPECT_GT(fresh.size(), 0u) << "nothing was written after the reopen";
  std::multiset<std::string> ids;
  for (const auto* part : {&rotated, &fresh}) {
    for (const json& e : *part) ids.insert(e.at("request_id").get<std::string>());
  }
  EXPECT_EQ(ids.size(), static_cast<std::size_t>(calls));
  for (int i = 0; i < calls; ++i) EXPECT_EQ(ids.count(absl::StrCat("seq-", i)), 1u) << i;
  std::printf("rename + SIGHUP: %d calls, %zu lines before the reopen, %zu after\n", calls,
              rotated.size(), fresh.size());
}

TEST(AuditIntegrationTest, AStalledSyslogPeerNeitherSlowsIssueCallsNorGoesUnreported) {
  absl::StatusOr<testing::StalledTcpListener> stalled = testing::StalledTcpListener::Start();
  ASSERT_TRUE(stalled.ok()) << stalled.status();
  TempDir dir;
  const std::string log = dir.File("audit.log");
  const std::string tcp_sink = absl::StrCat("syslog+tcp://127.0.0.1:", stalled->port());
  std::unique_ptr<IdentitydProcess> server =
      StartAudited({absl::StrCat("--audit_sink=", tcp_sink, ",file:", log),
                    "--audit_queue_size=256", "--audit_drop_report_interval=1s",
                    "--rate_limit_per_second=0", "--audit_syslog_send_timeout=5s"});
  ASSERT_NE(server, nullptr);
  // Calls go on until the writer has been stuck on the peer for a whole send
  // timeout (5 s here; the server then logs the sink as failing): once the
  // kernel's socket buffers (up to 4 MiB) are full, every call made during
  // those 5 s would have waited if issue calls waited on sinks.
  constexpr int kThreads = 4;
  std::atomic<bool> stop{false};
  std::atomic<int> failures{0};
  std::vector<std::vector<absl::Duration>> latencies(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      RawCaller raw(server->target(), grpc::InsecureChannelCredentials());
      for (int i = 0; !stop.load() && i < 1000000; ++i) {
        const absl::Time start = absl::Now();
        if (!raw.Hash(std::string(kBothApp), kEmail).status.ok()) ++failures;
        latencies[t].push_back(absl::Now() - start);
      }
    });
  }
  const bool stalled_seen = WaitUntil(
      [&] { return absl::StrContains(server->Logs(), "audit sink " + tcp_sink + " failing"); },
      absl::Seconds(90));
  absl::SleepFor(absl::Milliseconds(500));
  stop = true;
  for (std::thread& t : threads) t.join();
  ASSERT_TRUE(stalled_seen) << "the writer never hit the stalled peer";
  EXPECT_EQ(failures.load(), 0);
  std::vector<absl::Duration> all;
  for (const auto& l : latencies) all.insert(all.end(), l.begin(), l.end());
  std::sort(all.begin(), all.end());
  const absl::Duration p99 = all[all.size() * 99 / 100];
  const absl::Duration slowest = all.back();
  // Calls that waited for the sink would take up to the 5 s send timeout;
  // these bounds are loose for a loaded 2-core machine and well below it.
  EXPECT_LT(p99, absl::Seconds(1));
  EXPECT_LT(slowest, absl::Seconds(4));
  StopCleanly(*server);

  const std::vector<json> events = Parse(Lines(ReadFileOrEmpty(log)));
  ASSERT_FALSE(events.empty());
  const json& final_report = events.back();
  ExpectDropReportSchema(final_report);
  ASSERT_EQ(final_report.at("final"), true);
  const std::uint64_t dropped = final_report.at("dropped_total");
  const std::uint64_t undelivered = final_report.at("undelivered_by_sink").at(tcp_sink);
  // The queue overflowed while the writer was stuck, and the stalled sink's
  // own losses are counted.
  EXPECT_GT(dropped, 0u);
  EXPECT_GT(undelivered, 0u);
  // The healthy file sink has every event the queue did not drop.
  EXPECT_EQ(CallEvents(events).size() + dropped, all.size());
  std::printf("stalled sink: %zu calls, p99 %s, slowest %s, dropped %llu, undelivered %llu\n",
              all.size(), absl::FormatDuration(p99).c_str(),
              absl::FormatDuration(slowest).c_str(), static_cast<unsigned long long>(dropped),
              static_cast<unsigned long long>(undelivered));
}

TEST(AuditIntegrationTest, ARotationWhoseSinkIsDownIsRefusedAndTheOldSecretStillServes) {
  absl::StatusOr<testing::RefusingLoopbackPort> closed_port =
      testing::RefusingLoopbackPort::Start();  // nothing listens there
  ASSERT_TRUE(closed_port.ok());
  for (const std::string& sink : {absl::StrCat("syslog+tcp://127.0.0.1:", closed_port->port()),
                                  std::string("file:/dev/full")}) {
    SCOPED_TRACE(sink);
    std::unique_ptr<IdentitydProcess> server = StartAudited({"--audit_sink=" + sink});
    ASSERT_NE(server, nullptr);
    std::unique_ptr<client::IdentityClient> client = ClientFor(server->target());
    v1::RotateSecretRequest rotate;
    rotate.set_app_id(std::string(kBothApp));
    rotate.set_kind(SECRET_KIND_EMAIL_HASH);
    rotate.set_generate(true);
    const absl::StatusOr<v1::RotateSecretResponse> refused = client->RotateSecret(rotate);
    EXPECT_THAT(refused, StatusHas(absl::StatusCode::kUnavailable, "audit"));
    EXPECT_THAT(std::string(refused.status().message()), HasSubstr("nothing changed"));
    // The sink's address is the operators' business, not the caller's.
    EXPECT_THAT(std::string(refused.status().message()), Not(HasSubstr("127.0.0.1")));
    EXPECT_THAT(std::string(refused.status().message()), Not(HasSubstr("/dev/full")));
    // Issue calls go on with the old secret: the keyring did not change.
    ExpectTheOldSecretStillServes(*client);
    client.reset();  // an open connection would hold up the graceful stop
    StopCleanly(*server);
    EXPECT_THAT(server->Logs(), HasSubstr("rotation of widget-both refused"));
  }
}

// A local syslog daemon that stops reading: the unix datagram queue fills and
// the audit writer blocks. A rotation whose caller gives up while it waits for
// the audit sink is recorded, then not applied: the keyring and the store keep
// the old version, and a superseding line says why.
TEST(AuditIntegrationTest, ARotationWhoseCallerGaveUpWhileTheSinkWasSlowIsNotApplied) {
  TempDir dir;
  const std::string path = dir.File("slow-syslog.sock");
  const int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  ASSERT_GE(fd, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", path.c_str());
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  std::unique_ptr<IdentitydProcess> server =
      // The daemon may take its time: the test, not a send timeout, decides
      // when it catches up.
      StartAudited({"--audit_sink=syslog+unix://" + path, "--rate_limit_per_second=0",
                    "--audit_syslog_send_timeout=60s"});
  ASSERT_NE(server, nullptr);
  std::unique_ptr<client::IdentityClient> client = ClientFor(server->target());
  // More events than the socket's queue holds (net.unix.max_dgram_qlen, 512
  // by default): the writer ends up blocked in a send.
  int queue_length = 512;
  if (const std::string qlen = ReadFileOrEmpty("/proc/sys/net/unix/max_dgram_qlen");
      !qlen.empty()) {
    queue_length = std::atoi(qlen.c_str());
  }
  for (int i = 0; i < queue_length + 700; ++i) {
    ASSERT_TRUE(client->IssueEmailHash(kBothApp, kEmail).ok());
  }
  absl::SleepFor(absl::Milliseconds(300));

  std::unique_ptr<v1::IdentityService::Stub> stub = v1::IdentityService::NewStub(
      grpc::CreateChannel(server->target(), grpc::InsecureChannelCredentials()));
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::milliseconds(500));
  context.AddMetadata("x-request-id", "gave-up");
  v1::RotateSecretRequest rotate;
  rotate.set_app_id(std::string(kBothApp));
  rotate.set_kind(SECRET_KIND_EMAIL_HASH);
  rotate.set_generate(true);
  v1::RotateSecretResponse response;
  EXPECT_EQ(stub->RotateSecret(&context, rotate, &response).error_code(),
            grpc::StatusCode::DEADLINE_EXCEEDED);
  // The daemon catches up: everything queued, then the rotation's own
  // record, goes out.
  absl::SleepFor(absl::Milliseconds(300));
  std::vector<std::string> received;
  const absl::Time until = absl::Now() + absl::Seconds(30);
  char buf[8192];
  int rotation_lines = 0;
  // Until both of the rotation's lines are in (bounded).
  while (absl::Now() < until && rotation_lines < 2) {
    const ssize_t n = ::recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
    if (n > 0) {
      received.emplace_back(buf, static_cast<std::size_t>(n));
      if (absl::StrContains(received.back(), "\"gave-up\"")) ++rotation_lines;
    } else {
      absl::SleepFor(absl::Milliseconds(5));
    }
  }
  ::close(fd);
  // Not applied: the old secret serves, version 1 everywhere.
  ExpectTheOldSecretStillServes(*client);
  // Both lines of the rotation: the record made before applying, then the
  // outcome that supersedes it.
  std::vector<json> lines;
  for (const std::string& message : received) {
    const std::size_t brace = message.find('{');
    ASSERT_NE(brace, std::string::npos) << message;
    json e = json::parse(message.substr(brace));
    if (e.value("request_id", "") == "gave-up") lines.push_back(std::move(e));
  }
  ASSERT_EQ(lines.size(), 2u);
  for (const json& e : lines) ExpectCallSchema(e);
  EXPECT_EQ(lines[0].at("outcome"), "OK");
  EXPECT_FALSE(lines[0].contains("supersedes"));
  EXPECT_EQ(lines[1].at("outcome"), "DEADLINE_EXCEEDED");
  EXPECT_EQ(lines[1].at("supersedes"), lines[0].at("event_id"));
  EXPECT_EQ(lines[1].at("rotation"), lines[0].at("rotation"));
  client.reset();
  stub.reset();
  StopCleanly(*server);
}

// What the lines of an audit log stand for: each "call" line one call, each
// "rpc_refused_summary" line `count` calls; per outcome, and lines per type.
struct CallCount {
  std::map<std::string, std::uint64_t> calls_by_outcome;
  std::map<std::string, int> lines_by_type;
};
CallCount CountCalls(const std::vector<json>& events) {
  CallCount c;
  for (const json& e : events) {
    const std::string type = e.at("type");
    ++c.lines_by_type[type];
    if (type == "call") ++c.calls_by_outcome[e.at("outcome")];
    if (type == "rpc_refused_summary") {
      c.calls_by_outcome[e.at("outcome")] += e.at("count").get<std::uint64_t>();
    }
  }
  return c;
}

void ExpectRefusalSummarySchema(const json& e) {
  SCOPED_TRACE(e.dump());
  EXPECT_EQ(e.at("type"), "rpc_refused_summary");
  EXPECT_EQ(e.at("schema_version"), 1);
  EXPECT_TRUE(e.at("event_id").is_string());
  EXPECT_TRUE(e.at("principal").is_string());
  EXPECT_TRUE(e.at("principal_source").is_string());
  EXPECT_TRUE(e.at("outcome").is_string());
  EXPECT_TRUE(e.at("count").is_number_unsigned());
  std::uint64_t by_rpc = 0;
  for (const auto& [rpc, count] : e.at("rpcs").items()) by_rpc += count.get<std::uint64_t>();
  EXPECT_EQ(by_rpc, e.at("count").get<std::uint64_t>());
  EXPECT_LE(e.at("interval_start").get<std::string>(), e.at("interval_end").get<std::string>());
  EXPECT_EQ(e.at("time"), e.at("interval_end"));
  EXPECT_EQ(e.at("overflow"), false);
  EXPECT_TRUE(e.at("final").is_boolean());
  EXPECT_EQ(e.size(), 13u);
}

// Sends `total` calls as `caller` from 4 threads (Hash, Token and Rotate in
// turn) and returns how many got `expected`; the others are reported.
int CallFromThreads(const std::function<RawCaller()>& make_caller, int total,
                    grpc::StatusCode expected) {
  std::atomic<int> got{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      RawCaller caller = make_caller();
      for (int i = t; i < total; i += 4) {
        grpc::Status status;
        if (i % 10 == 0) {
          status = caller.Rotate(std::string(kBothApp), SECRET_KIND_JWT).status;
        } else if (i % 10 < 4) {
          status = caller.Token(std::string(kBothApp), kEmail).status;
        } else {
          status = caller.Hash(std::string(kBothApp), kEmail).status;
        }
        if (status.error_code() == expected) {
          ++got;
        } else {
          ADD_FAILURE() << i << ": " << status.error_code() << " " << status.error_message();
        }
      }
    });
  }
  for (std::thread& t : threads) t.join();
  return got;
}

// Issue 11: a flood of rate-limited calls wrote ~130 MB of audit lines in
// 15 s. Now the caller's first refusal is a line and the rest are counted in
// one summary line (here at shutdown: the default interval is a minute), so
// N refused calls take a handful of lines whose counts add up to N exactly.
TEST(AuditIntegrationTest, AFloodOfRateLimitedCallsTakesAFewLinesThatCountEveryCall) {
  TempDir dir;
  const std::string log = dir.File("audit.log");
  // One call, then nothing for 100 s: every later call is refused.
  std::unique_ptr<IdentitydProcess> server = StartAudited(
      {"--audit_sink=file:" + log, "--rate_limit_per_second=0.01", "--rate_limit_burst=1"});
  ASSERT_NE(server, nullptr);
  {
    RawCaller raw(server->target(), grpc::InsecureChannelCredentials());
    ASSERT_TRUE(raw.Hash(std::string(kBothApp), kEmail).status.ok());
  }
  constexpr int kRefused = 3000;
  const auto make_caller = [&] {
    return RawCaller(server->target(), grpc::InsecureChannelCredentials());
  };
  ASSERT_EQ(CallFromThreads(make_caller, kRefused, grpc::StatusCode::RESOURCE_EXHAUSTED),
            kRefused);
  StopCleanly(*server);

  const std::string text = ReadFileOrEmpty(log);
  const std::vector<json> all = Parse(Lines(text));
  const CallCount count = CountCalls(all);
  EXPECT_EQ(count.calls_by_outcome.at("RESOURCE_EXHAUSTED"), kRefused) << text;
  EXPECT_EQ(count.calls_by_outcome.at("OK"), 1u);
  // The OK call, the first refusal, its summary, the final drop report.
  EXPECT_EQ(all.size(), 4u) << text;
  EXPECT_LT(text.size(), 4096u);
  for (const json& e : all) {
    if (e.at("type") == "call") ExpectCallSchema(e);
    if (e.at("type") != "rpc_refused_summary") continue;
    ExpectRefusalSummarySchema(e);
    EXPECT_EQ(e.at("principal"), "anonymous");
    EXPECT_EQ(e.at("principal_source"), "none");
    EXPECT_EQ(e.at("final"), true);
    EXPECT_EQ(e.at("count"), kRefused - 1);
    EXPECT_EQ(e.at("rpcs").size(), 3u);
  }
}

// The same flood with a 1 s interval: summaries come at the end of each
// interval while identityd runs, not only at shutdown, and still add up.
TEST(AuditIntegrationTest, RefusalSummariesAreWrittenAsEachIntervalEnds) {
  TempDir dir;
  const std::string log = dir.File("audit.log");
  std::unique_ptr<IdentitydProcess> server =
      StartAudited({"--audit_sink=file:" + log, "--rate_limit_per_second=0.01",
                    "--rate_limit_burst=1", "--audit_refusal_summary_interval=1s"});
  ASSERT_NE(server, nullptr);
  const auto make_caller = [&] {
    return RawCaller(server->target(), grpc::InsecureChannelCredentials());
  };
  ASSERT_TRUE(make_caller().Hash(std::string(kBothApp), kEmail).status.ok());
  int refused = 0;
  const auto a_running_summary = [&] {
    for (const json& e : Parse(Lines(ReadFileOrEmpty(log)))) {
      if (e.at("type") == "rpc_refused_summary" && e.at("final") == false) return true;
    }
    return false;
  };
  // Bounded: 60 rounds at most (a summary is due after about one second).
  for (int round = 0; round < 60 && !a_running_summary(); ++round) {
    refused += CallFromThreads(make_caller, 200, grpc::StatusCode::RESOURCE_EXHAUSTED);
    absl::SleepFor(absl::Milliseconds(100));
  }
  ASSERT_TRUE(a_running_summary()) << ReadFileOrEmpty(log);
  refused += CallFromThreads(make_caller, 200, grpc::StatusCode::RESOURCE_EXHAUSTED);
  StopCleanly(*server);

  const std::vector<json> all = Parse(Lines(ReadFileOrEmpty(log)));
  const CallCount count = CountCalls(all);
  EXPECT_EQ(count.calls_by_outcome.at("RESOURCE_EXHAUSTED"), static_cast<std::uint64_t>(refused));
  // Per interval at most one refusal line and one summary.
  EXPECT_LE(count.lines_by_type.at("rpc_refused_summary"), count.lines_by_type.at("call"));
  for (const json& e : all) {
    if (e.at("type") == "rpc_refused_summary") ExpectRefusalSummarySchema(e);
  }
}

// Calls from a certificate that names no usable principal (two URI SANs) are
// refused before the rate limit, which has no principal to count them by: a
// flood of them is aggregated too, under "anonymous".
TEST(AuditIntegrationTest, AFloodOfUnauthenticatedCallsIsAggregatedToo) {
  absl::StatusOr<std::unique_ptr<testing::TestPki>> pki = testing::TestPki::Create();
  ASSERT_TRUE(pki.ok()) << pki.status();
  TempDir dir;
  IdentitydProcess::Options options = StandardServerOptions();
  options.tls = testing::TestTls{
      (*pki)->Cert("server"), (*pki)->Key("server"), (*pki)->Cert("ca"),
      R"({"rules": [{"principals": ["*"], "rpcs": ["*"], "app_ids": ["*"]}]})"};
  options.extra_flags = {"--audit_sink=file:" + dir.File("audit.log")};
  std::unique_ptr<IdentitydProcess> server = StartServer(std::move(options));
  ASSERT_NE(server, nullptr);
  constexpr int kRefused = 1000;
  ASSERT_EQ(CallFromThreads(
                [&] { return RawCaller(server->target(), (*pki)->Credentials("two-uris")); },
                kRefused, grpc::StatusCode::UNAUTHENTICATED),
            kRefused);
  StopCleanly(*server);
  const std::vector<json> all = Parse(Lines(ReadFileOrEmpty(dir.File("audit.log"))));
  EXPECT_EQ(CountCalls(all).calls_by_outcome.at("UNAUTHENTICATED"), kRefused);
  ASSERT_EQ(all.size(), 3u);  // the first refusal, the summary, the drop report
  EXPECT_EQ(all[0].at("outcome"), "UNAUTHENTICATED");
  EXPECT_THAT(all[0].at("reason").get<std::string>(), HasSubstr("2 URI SANs"));
  ExpectRefusalSummarySchema(all[1]);
  EXPECT_EQ(all[1].at("principal"), "anonymous");
}

TEST(AuditIntegrationTest, BadAuditFlagsStopTheStartNamingTheFlag) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"--audit_sink=stdout,stdout", "--audit_sink"},
      {"--audit_sink=file:/nonexistent-dir/audit.log", "--audit_sink"},
      {"--audit_sink=syslog+tcp://127.0.0.1", "--audit_sink"},
      {"--audit_email=hashed", "--audit_email"},
      {"--audit_key_file=/nonexistent-dir/audit.key", "--audit_key_file"},
      {"--audit_key_env=IDENTITYD_TEST_UNSET_AUDIT_KEY", "--audit_key_env"},
      {"--audit_queue_size=0", "--audit_queue_size"},
      {"--audit_refusal_summary_interval=-1s", "--audit_refusal_summary_interval"},
  };
  for (const auto& [flag, named] : cases) {
    SCOPED_TRACE(flag);
    IdentitydProcess::Options options = StandardServerOptions();
    options.extra_flags = {flag};
    absl::StatusOr<testing::RunResult> run = IdentitydProcess::StartExpectingFailure(options);
    ASSERT_TRUE(run.ok()) << run.status();
    EXPECT_TRUE(run->exit.exited && run->exit.exit_code != 0);
    EXPECT_THAT(run->stderr_text, HasSubstr(named));
  }
}

TEST(AuditIntegrationTest, UnderMutualTlsThePrincipalIsTheCertificatesIdentity) {
  absl::StatusOr<std::unique_ptr<testing::TestPki>> pki = testing::TestPki::Create();
  ASSERT_TRUE(pki.ok()) << pki.status();
  TempDir dir;
  IdentitydProcess::Options options = StandardServerOptions();
  options.tls = testing::TestTls{
      (*pki)->Cert("server"), (*pki)->Key("server"), (*pki)->Cert("ca"),
      R"({"rules": [{"name": "billing", "principals": ["spiffe://identityd.test/ns/billing/sa/api"],
                     "rpcs": ["IssueEmailHash"], "app_ids": ["widget-*"]}]})"};
  options.extra_flags = {"--audit_sink=file:" + dir.File("audit.log")};
  std::unique_ptr<IdentitydProcess> server = StartServer(std::move(options));
  ASSERT_NE(server, nullptr);
  RawCaller service(server->target(), (*pki)->Credentials("service"));
  service.request_id = "tls-ok";
  EXPECT_TRUE(service.Hash(std::string(kBothApp), kEmail).status.ok());
  service.request_id = "tls-denied";
  EXPECT_EQ(service.Rotate(std::string(kBothApp), SECRET_KIND_JWT).status.error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  service = RawCaller(server->target(), (*pki)->Credentials("service"));  // closes the old channel
  StopCleanly(*server);
  const std::vector<json> calls = CallEvents(Parse(Lines(ReadFileOrEmpty(dir.File("audit.log")))));
  ASSERT_EQ(calls.size(), 2u);
  for (const json& e : calls) {
    ExpectCallSchema(e);
    EXPECT_EQ(e.at("principal"), testing::TestPki::kServicePrincipal);
    EXPECT_EQ(e.at("principal_source"), "uri_san");
  }
  const json* denied = FindByRequestId(calls, "tls-denied");
  ASSERT_NE(denied, nullptr);
  EXPECT_EQ(denied->at("rpc"), "RotateSecret");
  EXPECT_EQ(denied->at("outcome"), "PERMISSION_DENIED");
  EXPECT_FALSE(denied->contains("rotation"));
}

}  // namespace
}  // namespace identity::integration_testing
