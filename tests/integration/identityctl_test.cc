// identityctl against the real identityd: every command in text and JSON,
// exit codes, secret input from stdin and --secret_file, and that a secret
// never shows up in identityctl's output.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "tests/integration/integration_fixture.h"
#include "tests/support/subprocess.h"

namespace identity::integration_testing {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::MatchesRegex;
using ::testing::Not;
using ::testing::StartsWith;
using nlohmann::json;

constexpr int kExitOk = 0;
constexpr int kExitRpcError = 1;
constexpr int kExitUsage = 2;

// "key: value" lines of identityctl's text output.
std::map<std::string, std::string> TextFields(const std::string& text) {
  std::map<std::string, std::string> fields;
  for (absl::string_view line : absl::StrSplit(text, '\n', absl::SkipEmpty())) {
    const std::size_t colon = line.find(": ");
    if (colon == absl::string_view::npos) {
      fields["<unparsed>"] = std::string(line);
      continue;
    }
    fields[std::string(line.substr(0, colon))] = std::string(line.substr(colon + 2));
  }
  return fields;
}

class IdentityctlTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = StartServer();
    ASSERT_NE(server_, nullptr);
  }

  // Runs identityctl --target=... --insecure ARGS; fails the test if it cannot
  // run or is killed.
  testing::RunResult Run(const std::vector<std::string>& args, const std::string& stdin_text = "") {
    absl::StatusOr<testing::RunResult> r = server_->Identityctl(args, stdin_text);
    EXPECT_TRUE(r.ok()) << r.status();
    if (!r.ok()) return testing::RunResult{};
    EXPECT_TRUE(r->exit.exited) << "identityctl killed by signal " << r->exit.signal;
    return *std::move(r);
  }

  // Runs identityctl with exactly `args` (no --target or --insecure added).
  testing::RunResult RunBare(const std::vector<std::string>& args) {
    std::vector<std::string> argv = {testing::IdentityctlPath()};
    argv.insert(argv.end(), args.begin(), args.end());
    absl::StatusOr<testing::RunResult> r = testing::RunProgram(argv, server_->dir());
    EXPECT_TRUE(r.ok()) << r.status();
    if (!r.ok()) return testing::RunResult{};
    return *std::move(r);
  }

  static json ParseJson(const std::string& text) {
    json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
    EXPECT_TRUE(j.is_object()) << "not a JSON object: " << text;
    return j;
  }

  std::unique_ptr<testing::IdentitydProcess> server_;
};

TEST_F(IdentityctlTest, HashText) {
  testing::RunResult r = Run({"hash", std::string(kBothApp), "Jane@Example.com"});
  EXPECT_EQ(r.exit.exit_code, kExitOk) << r.stderr_text;
  EXPECT_EQ(r.stdout_text, "email_hash: " + ExpectedEmailHash(kBothHashSecret, "Jane@Example.com") +
                               "\nsecret_version: 1\n");
  EXPECT_EQ(r.stderr_text, "");
}

TEST_F(IdentityctlTest, HashJson) {
  testing::RunResult r =
      Run({"--output=json", "hash", std::string(kHashOnlyApp), "jane@example.com"});
  EXPECT_EQ(r.exit.exit_code, kExitOk) << r.stderr_text;
  // Proto JSON: field names as in the proto, uint64 as a string.
  EXPECT_EQ(ParseJson(r.stdout_text),
            json({{"email_hash", ExpectedEmailHash(kHashOnlySecret, "jane@example.com")},
                  {"secret_version", "1"}}));
}

TEST_F(IdentityctlTest, HashesTextOneLinePerEmailInOrder) {
  testing::RunResult r = Run({"hashes", std::string(kBothApp)},
                             "Jane@Example.com\nbob@example.com\n");
  EXPECT_EQ(r.exit.exit_code, kExitOk) << r.stderr_text;
  EXPECT_EQ(r.stdout_text, ExpectedEmailHash(kBothHashSecret, "Jane@Example.com") + "\n" +
                               ExpectedEmailHash(kBothHashSecret, "bob@example.com") + "\n");
  EXPECT_EQ(r.stderr_text, "identityctl: secret_version 1\n");
}

TEST_F(IdentityctlTest, HashesWithABadEmailPrintsEveryResultAndExitsOne) {
  testing::RunResult r =
      Run({"hashes", std::string(kBothApp)}, "jane@example.com\nnot-an-email\nbob@example.com");
  EXPECT_EQ(r.exit.exit_code, kExitRpcError);
  EXPECT_EQ(r.stdout_text, ExpectedEmailHash(kBothHashSecret, "jane@example.com") +
                               "\nerror: emails[1]: must contain exactly one '@'\n" +
                               ExpectedEmailHash(kBothHashSecret, "bob@example.com") + "\n");
  EXPECT_THAT(r.stderr_text, HasSubstr("identityctl: 1 of 3 emails were not hashed"));
}

TEST_F(IdentityctlTest, HashesJsonAndWholeCallErrors) {
  testing::RunResult r =
      Run({"--output=json", "hashes", std::string(kHashOnlyApp)}, "jane@example.com\na@\n");
  EXPECT_EQ(r.exit.exit_code, kExitRpcError);
  EXPECT_EQ(ParseJson(r.stdout_text),
            json({{"results",
                   {{{"email_hash", ExpectedEmailHash(kHashOnlySecret, "jane@example.com")}},
                    {{"error",
                      {{"code", 3}, {"message", "emails[1]: must be 3..254 bytes; got 2"}}}}}},
                  {"secret_version", "1"}}));
  testing::RunResult unknown = Run({"hashes", std::string(kUnknownApp)}, "jane@example.com\n");
  EXPECT_EQ(unknown.exit.exit_code, kExitRpcError);
  EXPECT_EQ(unknown.stderr_text,
            "identityctl: NOT_FOUND: app_id: no widget is registered with this app_id\n");
  std::string many;
  for (int i = 0; i < 1001; ++i) many += absl::StrCat("u", i, "@example.com\n");
  testing::RunResult over = Run({"hashes", std::string(kBothApp)}, many);
  EXPECT_EQ(over.exit.exit_code, kExitRpcError);
  EXPECT_EQ(over.stderr_text,
            "identityctl: INVALID_ARGUMENT: emails: at most 1000 per call; got 1001\n");
}

TEST_F(IdentityctlTest, TokenTextWithDefaults) {
  const std::int64_t before = absl::ToUnixSeconds(absl::Now());
  testing::RunResult r = Run({"token", std::string(kBothApp), "jane@example.com"});
  const std::int64_t after = absl::ToUnixSeconds(absl::Now());
  ASSERT_EQ(r.exit.exit_code, kExitOk) << r.stderr_text;
  std::map<std::string, std::string> fields = TextFields(r.stdout_text);
  EXPECT_EQ(fields.size(), 3u) << r.stdout_text;
  EXPECT_EQ(fields["secret_version"], "1");
  absl::StatusOr<DecodedJwt> jwt = DecodeJwt(fields["jwt"]);
  ASSERT_TRUE(jwt.ok()) << jwt.status();
  EXPECT_TRUE(SignatureMatches(*jwt, kBothJwtSecret));
  const std::int64_t iat = jwt->claims.value("iat", std::int64_t{0});
  const std::int64_t exp = jwt->claims.value("exp", std::int64_t{0});
  EXPECT_GE(iat, before);
  EXPECT_LE(iat, after);
  EXPECT_EQ(exp, iat + 600);
  // expires_at in RFC 3339, UTC, whole seconds: the exp claim.
  EXPECT_EQ(fields["expires_at"],
            absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", absl::FromUnixSeconds(exp), absl::UTCTimeZone()));
  EXPECT_EQ(jwt->claims.size(), 4u) << jwt->claims.dump();
}

TEST_F(IdentityctlTest, TokenJsonWithTtlAndAllFiveClaims) {
  testing::RunResult r = Run({"--output=json", "token", std::string(kJwtOnlyApp),
                              "jane@example.com", "--ttl=1", "--name=Jan\xc3\xa9 \"JD\" Doe",
                              "--account_id=acct-1", "--account_external_id=ext/acct 2",
                              "--contact_id=c-3", "--contact_external_id=ext-c-4"});
  ASSERT_EQ(r.exit.exit_code, kExitOk) << r.stderr_text;
  json reply = ParseJson(r.stdout_text);
  EXPECT_EQ(reply.size(), 3u) << reply.dump();
  EXPECT_EQ(reply.value("secret_version", ""), "1");
  absl::StatusOr<DecodedJwt> jwt = DecodeJwt(reply.value("jwt", ""));
  ASSERT_TRUE(jwt.ok()) << jwt.status();
  EXPECT_TRUE(SignatureMatches(*jwt, kJwtOnlySecret));
  const json& c = jwt->claims;
  EXPECT_EQ(c.value("exp", 0) - c.value("iat", 0), 1);
  EXPECT_EQ(c.value("aud", ""), std::string(kJwtOnlyApp));
  EXPECT_EQ(c.value("email", ""), "jane@example.com");
  EXPECT_EQ(c.value("name", ""), "Jan\xc3\xa9 \"JD\" Doe");
  EXPECT_EQ(c.value("account_id", ""), "acct-1");
  EXPECT_EQ(c.value("account_external_id", ""), "ext/acct 2");
  EXPECT_EQ(c.value("contact_id", ""), "c-3");
  EXPECT_EQ(c.value("contact_external_id", ""), "ext-c-4");
  EXPECT_EQ(c.size(), 9u) << c.dump();
  // Proto JSON renders a Timestamp as RFC 3339 UTC.
  EXPECT_EQ(reply.value("expires_at", ""),
            absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", absl::FromUnixSeconds(c.value("exp", 0)),
                             absl::UTCTimeZone()));
}

TEST_F(IdentityctlTest, TokenTtlFifteenMinutes) {
  testing::RunResult r =
      Run({"--output=json", "token", std::string(kBothApp), "jane@example.com", "--ttl=900"});
  ASSERT_EQ(r.exit.exit_code, kExitOk) << r.stderr_text;
  absl::StatusOr<DecodedJwt> jwt = DecodeJwt(ParseJson(r.stdout_text).value("jwt", ""));
  ASSERT_TRUE(jwt.ok()) << jwt.status();
  EXPECT_EQ(jwt->claims.value("exp", 0) - jwt->claims.value("iat", 0), 900);
}

TEST_F(IdentityctlTest, RotateFromStdinText) {
  const std::string secret = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
  testing::RunResult r =
      Run({"rotate", std::string(kBothApp), "--kind=email_hash"}, secret + "\n");
  ASSERT_EQ(r.exit.exit_code, kExitOk) << r.stderr_text;
  EXPECT_EQ(r.stdout_text,
            "version: 2\nfingerprint: " + ExpectedFingerprint(HexDecode(secret)) + "\n");
  EXPECT_EQ(r.stderr_text, "");
  testing::RunResult hash = Run({"hash", std::string(kBothApp), "jane@example.com"});
  EXPECT_EQ(TextFields(hash.stdout_text)["email_hash"], ExpectedEmailHash(secret, "jane@example.com"));
  EXPECT_EQ(TextFields(hash.stdout_text)["secret_version"], "2");
}

TEST_F(IdentityctlTest, RotateFromSecretFileWithTrailingNewlineJson) {
  const std::string secret = "a new JWT secret, read from a file";
  const std::string file = server_->temp_dir().File("new.jwt.secret");
  testing::WriteFileOrDie(file, secret + "\n");
  testing::RunResult r = Run({"--output=json", "rotate", std::string(kBothApp), "--kind=jwt",
                              "--secret_file=" + file});
  ASSERT_EQ(r.exit.exit_code, kExitOk) << r.stderr_text;
  EXPECT_EQ(ParseJson(r.stdout_text),
            json({{"version", "2"}, {"fingerprint", ExpectedFingerprint(secret)}}));
  // The newline was removed: tokens verify with the secret without it.
  testing::RunResult token = Run({"token", std::string(kBothApp), "jane@example.com"});
  absl::StatusOr<DecodedJwt> jwt = DecodeJwt(TextFields(token.stdout_text)["jwt"]);
  ASSERT_TRUE(jwt.ok()) << jwt.status();
  EXPECT_TRUE(SignatureMatches(*jwt, secret));
}

TEST_F(IdentityctlTest, RotateGenerateTextPrintsTheSecretOnceWithAWarning) {
  testing::RunResult r = Run({"rotate", std::string(kBothApp), "--kind=jwt", "--generate"});
  ASSERT_EQ(r.exit.exit_code, kExitOk) << r.stderr_text;
  std::map<std::string, std::string> fields = TextFields(r.stdout_text);
  EXPECT_EQ(fields.size(), 3u) << r.stdout_text;
  EXPECT_EQ(fields["version"], "2");
  const std::string secret = fields["generated_secret"];
  EXPECT_THAT(secret, MatchesRegex("[A-Za-z0-9_-]{43}"));
  EXPECT_EQ(fields["fingerprint"], ExpectedFingerprint(secret));
  // Printed once: one occurrence on stdout, none on stderr.
  EXPECT_EQ(r.stdout_text.find(secret), r.stdout_text.rfind(secret));
  EXPECT_EQ(r.stderr_text,
            "identityctl: the generated secret is shown only this once: enter it in the "
            "widget's settings now.\n");
  testing::RunResult token = Run({"token", std::string(kBothApp), "jane@example.com"});
  absl::StatusOr<DecodedJwt> jwt = DecodeJwt(TextFields(token.stdout_text)["jwt"]);
  ASSERT_TRUE(jwt.ok()) << jwt.status();
  EXPECT_TRUE(SignatureMatches(*jwt, secret));
}

TEST_F(IdentityctlTest, RotateGenerateJsonRegistersANewWidget) {
  testing::RunResult r = Run({"--output=json", "rotate", "new-widget", "--kind=email_hash",
                              "--generate", "--expected_version=0"});
  ASSERT_EQ(r.exit.exit_code, kExitOk) << r.stderr_text;
  json reply = ParseJson(r.stdout_text);
  EXPECT_EQ(reply.size(), 3u) << reply.dump();
  EXPECT_EQ(reply.value("version", ""), "1");
  const std::string secret = reply.value("generated_secret", "");
  EXPECT_THAT(secret, MatchesRegex("[0-9a-f]{64}"));
  EXPECT_EQ(reply.value("fingerprint", ""), ExpectedFingerprint(HexDecode(secret)));
  EXPECT_THAT(r.stderr_text, HasSubstr("shown only this once"));
  testing::RunResult hash = Run({"--output=json", "hash", "new-widget", "jane@example.com"});
  EXPECT_EQ(ParseJson(hash.stdout_text).value("email_hash", ""),
            ExpectedEmailHash(secret, "jane@example.com"));
}

TEST_F(IdentityctlTest, RotateExpectedVersionMatchAndMismatch) {
  const std::string secret = "jwt-secret-for-the-cas-test";
  testing::RunResult ok =
      Run({"rotate", std::string(kBothApp), "--kind=jwt", "--expected_version=1"}, secret);
  EXPECT_EQ(ok.exit.exit_code, kExitOk) << ok.stderr_text;
  EXPECT_THAT(ok.stdout_text, StartsWith("version: 2\n"));
  testing::RunResult stale =
      Run({"rotate", std::string(kBothApp), "--kind=jwt", "--expected_version=1"},
          "another-jwt-secret-for-cas");
  EXPECT_EQ(stale.exit.exit_code, kExitRpcError);
  EXPECT_EQ(stale.stdout_text, "");
  EXPECT_EQ(stale.stderr_text,
            "identityctl: ABORTED: expected_version: the current jwt secret is version 2, not "
            "1\n");
}

TEST_F(IdentityctlTest, SecretFromStdinNeverAppearsInOutput) {
  // Accepted and refused secrets alike.
  const std::string accepted = "c0ffee00c0ffee00c0ffee00c0ffee00";
  const std::string refused = "this-is-not-hex-at-all-but-a-secret";
  for (const auto& [secret, kind] : {std::pair<std::string, std::string>{accepted, "email_hash"},
                                     {refused, "email_hash"},
                                     {accepted + "-as-jwt", "jwt"},
                                     {"\x01" + refused, "jwt"}}) {
    for (const std::string output : {"text", "json"}) {
      SCOPED_TRACE(secret + " " + output);
      testing::RunResult r =
          Run({"--output=" + output, "rotate", std::string(kBothApp), "--kind=" + kind},
              secret + "\n");
      EXPECT_THAT(r.stdout_text, Not(HasSubstr(secret)));
      EXPECT_THAT(r.stderr_text, Not(HasSubstr(secret)));
      // Nor any 8-character piece of it.
      for (std::size_t i = 0; i + 8 <= secret.size(); i += 4) {
        EXPECT_THAT(r.stdout_text + r.stderr_text, Not(HasSubstr(secret.substr(i, 8))));
      }
    }
  }
}

TEST_F(IdentityctlTest, RefusedSecretIsAnRpcErrorNamingTheField) {
  testing::RunResult r =
      Run({"rotate", std::string(kBothApp), "--kind=jwt"}, "too-short\n");
  EXPECT_EQ(r.exit.exit_code, kExitRpcError);
  EXPECT_EQ(r.stdout_text, "");
  EXPECT_EQ(r.stderr_text,
            "identityctl: INVALID_ARGUMENT: secret: JWT secret must be 16..256 characters; got "
            "9\n");
}

TEST_F(IdentityctlTest, RpcErrorsPrintCodeNameAndMessageAndExitOne) {
  struct Case {
    std::vector<std::string> args;
    std::string stderr_text;
  };
  const Case cases[] = {
      {{"hash", std::string(kUnknownApp), "jane@example.com"},
       "identityctl: NOT_FOUND: app_id: no widget is registered with this app_id\n"},
      {{"--output=json", "hash", std::string(kUnknownApp), "jane@example.com"},
       "identityctl: NOT_FOUND: app_id: no widget is registered with this app_id\n"},
      {{"token", std::string(kHashOnlyApp), "jane@example.com"},
       "identityctl: FAILED_PRECONDITION: app_id: the widget has no jwt secret; register one "
       "with RotateSecret\n"},
      {{"hash", std::string(kBothApp), "not-an-email"},
       "identityctl: INVALID_ARGUMENT: email: must contain exactly one '@'\n"},
      {{"token", std::string(kBothApp), "jane@example.com", "--ttl=901"},
       "identityctl: INVALID_ARGUMENT: ttl: must be 1..900 seconds; got 901\n"},
      {{"token", std::string(kBothApp), "jane@example.com", "--ttl=0"},
       "identityctl: INVALID_ARGUMENT: ttl: must be 1..900 seconds; got 0\n"},
      {{"token", std::string(kBothApp), "jane@example.com", "--name=a\tb"},
       "identityctl: INVALID_ARGUMENT: name: must not contain control characters\n"},
      {{"hash", "bad/app", "jane@example.com"},
       "identityctl: INVALID_ARGUMENT: app_id: must contain only the characters "
       "[A-Za-z0-9._-]\n"},
      {{"rotate", std::string(kUnknownApp), "--kind=jwt", "--generate", "--expected_version=1"},
       "identityctl: ABORTED: expected_version: the current jwt secret is version 0, not 1\n"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(absl::StrJoin(c.args, " "));
    testing::RunResult r = Run(c.args);
    EXPECT_EQ(r.exit.exit_code, kExitRpcError);
    EXPECT_EQ(r.stdout_text, "");
    EXPECT_EQ(r.stderr_text, c.stderr_text);
  }
}

TEST_F(IdentityctlTest, UnreachableServerIsUnavailable) {
  const std::string target = server_->target();
  ASSERT_TRUE(server_->Stop().ok());
  testing::RunResult r =
      RunBare({"--target=" + target, "--insecure", "--timeout=5s", "hash", "a", "b@c"});
  EXPECT_EQ(r.exit.exit_code, kExitRpcError);
  EXPECT_THAT(r.stderr_text, StartsWith("identityctl: UNAVAILABLE: "));
}

TEST_F(IdentityctlTest, UsageErrorsExitTwo) {
  const std::string target = "--target=" + server_->target();
  const std::string stdin_secret = std::string(kBothJwtSecret);
  struct Case {
    std::string name;
    std::vector<std::string> args;
    std::string message;  // the first line of stderr after "identityctl: "
  };
  const Case cases[] = {
      {"missing command", {target, "--insecure"},
       "missing COMMAND (hash, hashes, token, rotate, widget, widgets, verify-hash, verify-token "
       "or audit-hash)"},
      {"unknown command", {target, "--insecure", "delete", "x"},
       "unknown command \"delete\" (hash, hashes, token, rotate, widget, widgets, verify-hash, "
       "verify-token or audit-hash)"},
      {"missing --target", {"--insecure", "hash", "a", "b@c"}, "--target=HOST:PORT is required"},
      {"bad --output", {target, "--insecure", "--output=yaml", "hash", "a", "b@c"},
       "--output must be text or json"},
      {"missing --insecure", {target, "hash", "a", "b@c"},
       "pass --ca, --cert and --key (mutual TLS), or --insecure for a development server "
       "started with --insecure_loopback"},
      {"hash with one arg", {target, "--insecure", "hash", "a"}, "hash takes APP_ID EMAIL"},
      {"hash with three args", {target, "--insecure", "hash", "a", "b@c", "d"},
       "hash takes APP_ID EMAIL"},
      {"token with one arg", {target, "--insecure", "token", "a"}, "token takes APP_ID EMAIL"},
      {"token with three args", {target, "--insecure", "token", "a", "b@c", "x"},
       "token takes APP_ID EMAIL"},
      {"rotate without app", {target, "--insecure", "rotate", "--kind=jwt", "--generate"},
       "rotate takes APP_ID (and --kind, and a secret source)"},
      {"rotate with a secret in argv",
       {target, "--insecure", "rotate", "a", "--kind=jwt", "secret-in-argv"},
       "rotate takes APP_ID (and --kind, and a secret source)"},
      {"rotate without --kind", {target, "--insecure", "rotate", "a", "--generate"},
       "rotate needs --kind=email_hash or --kind=jwt"},
      {"rotate bad --kind", {target, "--insecure", "rotate", "a", "--kind=hmac", "--generate"},
       "rotate needs --kind=email_hash or --kind=jwt"},
      {"rotate --generate and --secret_file",
       {target, "--insecure", "rotate", "a", "--kind=jwt", "--generate", "--secret_file=x"},
       "use either --generate or --secret_file"},
      {"rotate missing secret file",
       {target, "--insecure", "rotate", "a", "--kind=jwt", "--secret_file=/nonexistent/s"},
       "--secret_file: cannot open /nonexistent/s: No such file or directory"},
      {"rotate empty stdin", {target, "--insecure", "rotate", "a", "--kind=jwt"},
       "stdin is empty"},
      // Flag errors are reported by absl's parser in its own words.
      {"unknown flag", {target, "--insecure", "--colour=red", "hash", "a", "b@c"}, ""},
      {"bad --ttl", {target, "--insecure", "token", "a", "b@c", "--ttl=ten"}, ""},
      // There is no flag that takes a secret: argv is visible to ps and shell
      // history. The value is not echoed (checked below for every case).
      {"secret as a flag",
       {target, "--insecure", "rotate", "a", "--kind=jwt", "--secret=argv-secret-value-123"}, ""},
      {"bad --expected_version",
       {target, "--insecure", "rotate", "a", "--kind=jwt", "--generate", "--expected_version=-1"},
       ""},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    testing::RunResult r = RunBare(c.args);
    EXPECT_TRUE(r.exit.exited);
    EXPECT_EQ(r.exit.exit_code, kExitUsage) << r.stderr_text;
    EXPECT_THAT(r.stderr_text, Not(HasSubstr("argv-secret")));
    EXPECT_EQ(r.stdout_text, "");
    if (!c.message.empty()) {
      EXPECT_EQ(r.stderr_text,
                "identityctl: " + c.message + "\nRun identityctl --help for usage.\n");
    } else {
      EXPECT_THAT(r.stderr_text, HasSubstr("ERROR"));
    }
  }
}

TEST_F(IdentityctlTest, HelpListsCommandsAndFlagsAndExitsZero) {
  testing::RunResult r = RunBare({"--help"});
  EXPECT_TRUE(r.exit.exited);
  EXPECT_EQ(r.exit.exit_code, kExitOk);
  const std::string help = r.stdout_text + r.stderr_text;
  for (const char* word : {"hash APP_ID EMAIL", "token APP_ID EMAIL", "rotate APP_ID", "--target",
                           "--insecure", "--output", "--timeout", "--ttl", "--name",
                           "--account_id", "--account_external_id", "--contact_id",
                           "--contact_external_id", "--kind", "--generate", "--secret_file",
                           "--expected_version"}) {
    EXPECT_THAT(help, HasSubstr(word));
  }
}

}  // namespace
}  // namespace identity::integration_testing
