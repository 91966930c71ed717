// The real identityd with a state directory: rotations survive a restart and
// kill -9, the config seeds only widgets the store does not know, a wrong key
// or a damaged file stops the start (naming the file, changing nothing), and
// neither the state directory nor the ops views ever hold a secret.

#include <atomic>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "client/identity_client.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/crypto/fingerprint.h"
#include "server/crypto/hex.h"
#include "server/crypto/random.h"
#include "tests/store/store_test_util.h"
#include "tests/support/identityd_process.h"
#include "tests/support/temp_dir.h"

namespace identity {
namespace {

using ::identity::store::testing::FilesUnder;
using ::identity::store::testing::FindLeak;
using ::identity::store::testing::LeakForms;
using ::identity::store::testing::OverwriteFile;
using ::identity::store::testing::ReadWholeFile;
using ::identity::testing::IdentitydProcess;
using ::identity::testing::RunResult;
using ::identity::testing::TempDir;
using ::identity::testing::TestWidget;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kEmail[] = "jane@example.com";

// A random email-hash secret as displayed (64 lowercase hex characters).
std::string NewEmailHashSecret() {
  absl::StatusOr<crypto::SecretBytes> bytes = crypto::RandomSecretBytes(32);
  EXPECT_TRUE(bytes.ok());
  return absl::BytesToHexString(bytes->view());
}

// The fingerprint identityd reports for an email-hash secret as displayed.
std::string EmailHashFingerprint(const std::string& displayed) {
  absl::StatusOr<crypto::SecretBytes> key = crypto::StrictHexDecode(displayed);
  EXPECT_TRUE(key.ok());
  return crypto::Fingerprint(key->span());
}

std::string JwtFingerprint(const std::string& displayed) {
  return crypto::Fingerprint(crypto::SecretBytes::Copy(displayed).span());
}

std::unique_ptr<client::IdentityClient> ClientFor(const IdentitydProcess& server) {
  client::ClientOptions options = client::ClientOptions::Insecure(server.target());
  options.timeout = absl::Seconds(10);
  absl::StatusOr<std::unique_ptr<client::IdentityClient>> c =
      client::IdentityClient::Create(std::move(options));
  EXPECT_TRUE(c.ok()) << c.status();
  return *std::move(c);
}

v1::RotateSecretRequest Import(absl::string_view app_id, v1::SecretKind kind,
                               const std::string& secret) {
  v1::RotateSecretRequest r;
  r.set_app_id(std::string(app_id));
  r.set_kind(kind);
  r.set_secret(secret);
  return r;
}

// A state directory and master key that outlive each identityd the test starts.
class StateDirTest : public ::testing::Test {
 protected:
  StateDirTest()
      : state_dir_(state_.File("state")),
        master_key_(IdentitydProcess::NewMasterKeyHex()),
        initial_{"w", NewEmailHashSecret(), "initial-jwt-secret-of-w-0123456789"} {}

  IdentitydProcess::Options Options() const {
    IdentitydProcess::Options options;
    options.widgets = {initial_};
    options.state_dir = state_dir_;
    options.master_key_hex = master_key_;
    return options;
  }

  std::unique_ptr<IdentitydProcess> StartOrDie(IdentitydProcess::Options options) {
    absl::StatusOr<std::unique_ptr<IdentitydProcess>> server =
        IdentitydProcess::Start(std::move(options));
    EXPECT_TRUE(server.ok()) << server.status();
    return server.ok() ? *std::move(server) : nullptr;
  }
  std::unique_ptr<IdentitydProcess> StartOrDie() { return StartOrDie(Options()); }

  std::string WidgetPath(absl::string_view app_id) const {
    return absl::StrCat(state_dir_, "/widgets/", app_id, ".widget");
  }

  std::map<std::string, std::string> Snapshot() const {
    std::map<std::string, std::string> out;
    for (const std::string& path : FilesUnder(state_dir_)) out[path] = ReadWholeFile(path);
    return out;
  }

  // Starts identityd with `options` expecting it to refuse, with a log naming
  // `path`, and checks that the state directory did not change.
  // A config error names the config file and JSON path instead, without
  // "refusing to start" (`state_error` false).
  void ExpectRefusedNaming(IdentitydProcess::Options options, const std::string& path,
                           bool state_error = true) {
    const std::map<std::string, std::string> before = Snapshot();
    absl::StatusOr<RunResult> run = IdentitydProcess::StartExpectingFailure(std::move(options));
    ASSERT_TRUE(run.ok()) << run.status();
    EXPECT_NE(run->exit.exit_code, 0);
    if (state_error) {
      EXPECT_THAT(run->stderr_text, HasSubstr("refusing to start: "));
    }
    EXPECT_THAT(run->stderr_text, HasSubstr(path));
    EXPECT_THAT(run->stderr_text, Not(HasSubstr(master_key_)));
    EXPECT_EQ(Snapshot(), before) << "a refused start changed the state directory";
  }

  TempDir state_;
  const std::string state_dir_;
  std::string master_key_;
  TestWidget initial_;
};

TEST_F(StateDirTest, RestartKeepsEveryRotation) {
  v1::GetWidgetResponse w_before;
  v1::ListWidgetsResponse all_before;
  std::string hash_before;
  {
    std::unique_ptr<IdentitydProcess> server = StartOrDie();
    ASSERT_NE(server, nullptr);
    std::unique_ptr<client::IdentityClient> c = ClientFor(*server);
    for (int i = 0; i < 3; ++i) {
      ASSERT_TRUE(
          c->RotateSecret(Import("w", v1::SECRET_KIND_EMAIL_HASH, NewEmailHashSecret())).ok());
    }
    v1::RotateSecretRequest generate;
    generate.set_app_id("w");
    generate.set_kind(v1::SECRET_KIND_JWT);
    generate.set_generate(true);
    ASSERT_TRUE(c->RotateSecret(generate).ok());
    // A widget added through the API, not in the config.
    ASSERT_TRUE(
        c->RotateSecret(Import("api-added", v1::SECRET_KIND_JWT, "api-added-jwt-secret-0123"))
            .ok());
    absl::StatusOr<v1::IssueEmailHashResponse> hash = c->IssueEmailHash("w", kEmail);
    ASSERT_TRUE(hash.ok());
    EXPECT_EQ(hash->secret_version(), 4u);
    hash_before = hash->email_hash();
    w_before = *c->GetWidget("w");
    all_before = *c->ListWidgetsAll();
    c.reset();  // an open connection delays a graceful stop by seconds
    ASSERT_TRUE(server->Stop().ok());
  }
  std::unique_ptr<IdentitydProcess> server = StartOrDie();
  ASSERT_NE(server, nullptr);
  std::unique_ptr<client::IdentityClient> c = ClientFor(*server);
  absl::StatusOr<v1::IssueEmailHashResponse> hash = c->IssueEmailHash("w", kEmail);
  ASSERT_TRUE(hash.ok()) << hash.status();
  EXPECT_EQ(hash->secret_version(), 4u);
  EXPECT_EQ(hash->email_hash(), hash_before);
  EXPECT_EQ(c->GetWidget("w")->DebugString(), w_before.DebugString());
  EXPECT_EQ(c->ListWidgetsAll()->DebugString(), all_before.DebugString());
  ASSERT_EQ(all_before.widgets_size(), 2);
  v1::IssueWidgetTokenRequest token;
  token.set_app_id("api-added");
  token.set_email(kEmail);
  EXPECT_TRUE(c->IssueWidgetToken(token).ok());
}

TEST_F(StateDirTest, ConfigSeedsOnlyWidgetsTheStoreDoesNotKnow) {
  {
    std::unique_ptr<IdentitydProcess> server = StartOrDie();
    ASSERT_NE(server, nullptr);
    absl::StatusOr<v1::GetWidgetResponse> w = ClientFor(*server)->GetWidget("w");
    ASSERT_TRUE(w.ok());
    ASSERT_EQ(w->widget().secrets_size(), 2);
    EXPECT_EQ(w->widget().secrets(0).current().version(), 1u);
    EXPECT_EQ(w->widget().secrets(0).current().fingerprint(),
              EmailHashFingerprint(*initial_.email_hash_secret));
    EXPECT_EQ(w->widget().secrets(1).current().fingerprint(), JwtFingerprint(*initial_.jwt_secret));
    ASSERT_TRUE(server->Stop().ok());
  }
  // The config now names other secrets for w, and a new widget x.
  IdentitydProcess::Options options = Options();
  const std::string x_secret = NewEmailHashSecret();
  options.widgets = {TestWidget{"w", NewEmailHashSecret(), "changed-jwt-secret-0123456789"},
                     TestWidget{"x", x_secret, std::nullopt}};
  std::unique_ptr<IdentitydProcess> server = StartOrDie(options);
  ASSERT_NE(server, nullptr);
  std::unique_ptr<client::IdentityClient> c = ClientFor(*server);
  absl::StatusOr<v1::GetWidgetResponse> w = c->GetWidget("w");
  ASSERT_TRUE(w.ok());
  // The store wins for w...
  EXPECT_EQ(w->widget().secrets(0).current().version(), 1u);
  EXPECT_EQ(w->widget().secrets(0).current().fingerprint(),
            EmailHashFingerprint(*initial_.email_hash_secret));
  EXPECT_EQ(w->widget().secrets(1).current().fingerprint(), JwtFingerprint(*initial_.jwt_secret));
  EXPECT_THAT(server->Logs(), HasSubstr("already in the store"));
  // ... and x is seeded from the config.
  absl::StatusOr<v1::GetWidgetResponse> x = c->GetWidget("x");
  ASSERT_TRUE(x.ok()) << x.status();
  ASSERT_EQ(x->widget().secrets_size(), 1);
  EXPECT_EQ(x->widget().secrets(0).current().fingerprint(), EmailHashFingerprint(x_secret));
  // A widget dropped from the config stays in the store: removal is not
  // something a config edit should do silently.
  options.widgets = {};
  c.reset();
  ASSERT_TRUE(server->Stop().ok());
  server = StartOrDie(options);
  ASSERT_NE(server, nullptr);
  EXPECT_EQ(ClientFor(*server)->ListWidgetsAll()->widgets_size(), 2);
}

TEST_F(StateDirTest, BadSeedSecretRefusesTheStartAndWritesNothing) {
  std::unique_ptr<IdentitydProcess> server = StartOrDie();
  ASSERT_NE(server, nullptr);
  ASSERT_TRUE(server->Stop().ok());
  IdentitydProcess::Options options = Options();
  options.widgets.push_back(TestWidget{"y", NewEmailHashSecret(), std::nullopt});
  options.widgets.push_back(TestWidget{"z", std::nullopt, "too-short"});
  // Every seed is read and checked before the first is written: y is not
  // stored either.
  ExpectRefusedNaming(options, "identityd.json: widgets[2].jwt_secret.file", false);
  EXPECT_FALSE(std::filesystem::exists(WidgetPath("y")));
}

TEST_F(StateDirTest, HistoryKeepsTwoPreviousVersionsByDefault) {
  std::unique_ptr<IdentitydProcess> server = StartOrDie();
  ASSERT_NE(server, nullptr);
  std::unique_ptr<client::IdentityClient> c = ClientFor(*server);
  std::vector<std::string> fingerprints = {EmailHashFingerprint(*initial_.email_hash_secret)};
  for (int i = 0; i < 4; ++i) {
    const std::string secret = NewEmailHashSecret();
    fingerprints.push_back(EmailHashFingerprint(secret));
    ASSERT_TRUE(c->RotateSecret(Import("w", v1::SECRET_KIND_EMAIL_HASH, secret)).ok());
  }
  c.reset();
  ASSERT_TRUE(server->Stop().ok());
  server = StartOrDie();
  ASSERT_NE(server, nullptr);
  absl::StatusOr<v1::GetWidgetResponse> w = ClientFor(*server)->GetWidget("w");
  ASSERT_TRUE(w.ok());
  const v1::WidgetSecret& email_hash = w->widget().secrets(0);
  EXPECT_EQ(email_hash.current().version(), 5u);
  EXPECT_EQ(email_hash.current().fingerprint(), fingerprints[4]);
  ASSERT_EQ(email_hash.previous_size(), 2);
  EXPECT_EQ(email_hash.previous(0).version(), 4u);
  EXPECT_EQ(email_hash.previous(0).fingerprint(), fingerprints[3]);
  EXPECT_EQ(email_hash.previous(1).version(), 3u);
  EXPECT_EQ(email_hash.previous(1).fingerprint(), fingerprints[2]);
}

TEST_F(StateDirTest, WrongMasterKeyIsRefusedAtStart) {
  std::unique_ptr<IdentitydProcess> server = StartOrDie();
  ASSERT_NE(server, nullptr);
  ASSERT_TRUE(server->Stop().ok());
  master_key_ = IdentitydProcess::NewMasterKeyHex();
  ExpectRefusedNaming(Options(), absl::StrCat(state_dir_, "/KEYCHECK"));
}

TEST_F(StateDirTest, FlippedByteIsRefusedAtStart) {
  std::unique_ptr<IdentitydProcess> server = StartOrDie();
  ASSERT_NE(server, nullptr);
  ASSERT_TRUE(server->Stop().ok());
  std::string bytes = ReadWholeFile(WidgetPath("w"));
  bytes[bytes.size() / 2] ^= 0x01;
  OverwriteFile(WidgetPath("w"), bytes);
  ExpectRefusedNaming(Options(), WidgetPath("w"));
}

TEST_F(StateDirTest, TruncatedFileIsRefusedAtStart) {
  std::unique_ptr<IdentitydProcess> server = StartOrDie();
  ASSERT_NE(server, nullptr);
  ASSERT_TRUE(server->Stop().ok());
  const std::string bytes = ReadWholeFile(WidgetPath("w"));
  OverwriteFile(WidgetPath("w"), bytes.substr(0, bytes.size() - 7));
  ExpectRefusedNaming(Options(), WidgetPath("w"));
}

TEST_F(StateDirTest, MissingMasterKeyIsRefusedAndKeyFromEnvironmentWorks) {
  IdentitydProcess::Options options = Options();
  options.master_key_hex.clear();
  absl::StatusOr<RunResult> run = IdentitydProcess::StartExpectingFailure(options);
  ASSERT_TRUE(run.ok()) << run.status();
  EXPECT_THAT(run->stderr_text, HasSubstr("IDENTITYD_MASTER_KEY"));
  EXPECT_FALSE(std::filesystem::exists(state_dir_)) << "created before the key was read";

  options.env["IDENTITYD_MASTER_KEY"] = master_key_;
  std::unique_ptr<IdentitydProcess> server = StartOrDie(options);
  ASSERT_NE(server, nullptr);
  ASSERT_TRUE(server->Stop().ok());
  // The same directory opens with the same key given as a file.
  server = StartOrDie();
  ASSERT_NE(server, nullptr);
}

TEST_F(StateDirTest, NoSecretInTheStateDirectoryTheLogsOrTheWidgetViews) {
  std::vector<std::string> forms;
  auto add = [&forms](absl::string_view key, absl::string_view displayed) {
    for (std::string& f : LeakForms(key, displayed)) forms.push_back(std::move(f));
  };
  add(crypto::StrictHexDecode(*initial_.email_hash_secret)->view(), *initial_.email_hash_secret);
  add(*initial_.jwt_secret, *initial_.jwt_secret);
  add(absl::HexStringToBytes(master_key_), master_key_);

  std::unique_ptr<IdentitydProcess> server = StartOrDie();
  ASSERT_NE(server, nullptr);
  std::unique_ptr<client::IdentityClient> c = ClientFor(*server);
  for (int i = 0; i < 3; ++i) {
    const std::string imported = NewEmailHashSecret();
    add(crypto::StrictHexDecode(imported)->view(), imported);
    ASSERT_TRUE(c->RotateSecret(Import("w", v1::SECRET_KIND_EMAIL_HASH, imported)).ok());
    v1::RotateSecretRequest generate;
    generate.set_app_id(i == 0 ? "w" : "other");
    generate.set_kind(v1::SECRET_KIND_JWT);
    generate.set_generate(true);
    absl::StatusOr<v1::RotateSecretResponse> r = c->RotateSecret(generate);
    ASSERT_TRUE(r.ok());
    add(r->generated_secret(), r->generated_secret());
  }

  const std::string views = absl::StrCat(c->GetWidget("w")->SerializeAsString(),
                                         c->ListWidgetsAll()->SerializeAsString());
  absl::StatusOr<RunResult> widgets = server->Identityctl({"widgets"});
  absl::StatusOr<RunResult> widget = server->Identityctl({"widget", "w"});
  ASSERT_TRUE(widgets.ok() && widget.ok());
  EXPECT_EQ(widgets->exit.exit_code, 0) << widgets->stderr_text;
  EXPECT_EQ(widget->exit.exit_code, 0) << widget->stderr_text;
  EXPECT_THAT(widget->stdout_text,
              HasSubstr(c->GetWidget("w")->widget().secrets(0).current().fingerprint()));
  c.reset();
  ASSERT_TRUE(server->Stop().ok());

  const std::string logs = server->Logs();
  const std::string ctl = absl::StrCat(widgets->stdout_text, widgets->stderr_text,
                                       widget->stdout_text, widget->stderr_text);
  ASSERT_GE(FilesUnder(state_dir_).size(), 3u);
  EXPECT_EQ(FindLeak(state_dir_, forms), "");
  for (std::size_t i = 0; i < forms.size(); ++i) {
    EXPECT_THAT(views, Not(HasSubstr(forms[i]))) << "GetWidget/ListWidgets, form " << i;
    EXPECT_THAT(ctl, Not(HasSubstr(forms[i]))) << "identityctl widget(s), form " << i;
    EXPECT_THAT(logs, Not(HasSubstr(forms[i]))) << "identityd log, form " << i;
  }
}

// kill -9 at random moments while rotations stream in: every acknowledged
// rotation is there after the restart, and the store always loads. Two
// threads rotate (one per kind, imported secrets, so that the test knows each
// acknowledged version's fingerprint), the main thread kills the server after
// a random delay, then restarts it and checks.
TEST_F(StateDirTest, KillNineDuringRotationsNeverLosesAnAcknowledgedRotation) {
  constexpr int kCycles = 200;
  // Long enough for a few rotations (each waits for two disk syncs), short
  // enough that many kills land mid-write.
  constexpr int kMaxKillDelayMs = 40;
  std::mt19937 random(std::random_device{}());
  std::uniform_int_distribution<int> kill_delay_ms(0, kMaxKillDelayMs);

  struct Acked {
    std::uint64_t version = 1;  // the config's seed
    std::string fingerprint;
  };
  const v1::SecretKind kinds[2] = {v1::SECRET_KIND_EMAIL_HASH, v1::SECRET_KIND_JWT};
  Acked acked[2] = {{1, EmailHashFingerprint(*initial_.email_hash_secret)},
                    {1, JwtFingerprint(*initial_.jwt_secret)}};
  int acknowledged_total = 0;
  int unacknowledged_durable = 0;
  absl::Duration rotation_time;  // summed over acknowledged rotations
  // The fingerprint of the last rotation each thread sent (acknowledged or not).
  std::string in_flight[2];
  const absl::Time started = absl::Now();

  for (int cycle = 0; cycle < kCycles; ++cycle) {
    SCOPED_TRACE(absl::StrCat("cycle ", cycle));
    // The start itself is the first check: the store must load.
    std::unique_ptr<IdentitydProcess> server = StartOrDie();
    ASSERT_NE(server, nullptr);
    std::unique_ptr<client::IdentityClient> c = ClientFor(*server);
    absl::StatusOr<v1::GetWidgetResponse> w = c->GetWidget("w");
    ASSERT_TRUE(w.ok()) << w.status();
    ASSERT_EQ(w->widget().secrets_size(), 2);
    std::uint64_t current[2];
    for (int k = 0; k < 2; ++k) {
      const v1::WidgetSecret& s = w->widget().secrets(k);
      current[k] = s.current().version();
      // At most one rotation per kind was in flight when the server died: it
      // may have become durable without being acknowledged.
      ASSERT_TRUE(current[k] == acked[k].version || current[k] == acked[k].version + 1)
          << "kind " << k << ": store has version " << current[k] << ", acknowledged "
          << acked[k].version;
      const v1::SecretVersionInfo& at_acked =
          current[k] == acked[k].version ? s.current() : s.previous(0);
      ASSERT_EQ(at_acked.version(), acked[k].version);
      ASSERT_EQ(at_acked.fingerprint(), acked[k].fingerprint) << "kind " << k;
      if (current[k] != acked[k].version) {
        // Then it is the one in flight, and the baseline from now on.
        ++unacknowledged_durable;
        ASSERT_EQ(s.current().fingerprint(), in_flight[k]) << "kind " << k;
        acked[k] = {current[k], in_flight[k]};
      }
    }
    absl::StatusOr<v1::IssueEmailHashResponse> hash = c->IssueEmailHash("w", kEmail);
    ASSERT_TRUE(hash.ok()) << hash.status();
    ASSERT_EQ(hash->secret_version(), current[0]);

    std::atomic<bool> stop{false};
    std::mutex mu;  // guards acked, acknowledged_total
    std::vector<std::thread> rotators;
    for (int k = 0; k < 2; ++k) {
      rotators.emplace_back([&, k, expected = current[k]]() mutable {
        // Bounded: the server dies within kMaxKillDelayMs; a call then fails.
        for (int n = 0; n < 1000 && !stop.load(); ++n) {
          const std::string secret = k == 0 ? NewEmailHashSecret()
                                            : absl::StrCat("jwt-", NewEmailHashSecret());
          const std::string fingerprint =
              k == 0 ? EmailHashFingerprint(secret) : JwtFingerprint(secret);
          v1::RotateSecretRequest request = Import("w", kinds[k], secret);
          request.set_expected_version(expected);
          in_flight[k] = fingerprint;
          const absl::Time sent = absl::Now();
          absl::StatusOr<v1::RotateSecretResponse> r = c->RotateSecret(request);
          if (!r.ok()) return;  // the server is gone
          std::lock_guard<std::mutex> lock(mu);
          rotation_time += absl::Now() - sent;
          EXPECT_EQ(r->version(), expected + 1);
          EXPECT_EQ(r->fingerprint(), fingerprint);
          expected = r->version();
          acked[k] = {r->version(), fingerprint};
          ++acknowledged_total;
        }
      });
    }
    absl::SleepFor(absl::Milliseconds(kill_delay_ms(random)));
    ASSERT_TRUE(server->Kill().ok());
    stop = true;
    for (std::thread& t : rotators) t.join();
  }
  const absl::Duration elapsed = absl::Now() - started;
  std::printf("%d kill -9 cycles in %s: %d rotations acknowledged (mean %s each, two disk "
              "syncs included), %d durable but never acknowledged (allowed)\n",
              kCycles, absl::FormatDuration(elapsed).c_str(), acknowledged_total,
              absl::FormatDuration(acknowledged_total > 0 ? rotation_time / acknowledged_total
                                                          : absl::ZeroDuration())
                  .c_str(),
              unacknowledged_durable);
  // Otherwise the test would prove nothing.
  EXPECT_GT(acknowledged_total, kCycles / 4);
}

}  // namespace
}  // namespace identity
