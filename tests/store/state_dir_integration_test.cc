// The real identityd with a state directory: it is made only by an explicit
// `identityd --init_state_dir` (a start never makes or re-makes one), a
// directory others could change or that was emptied stops the start, as does
// a weak master key; rotations survive a restart and kill -9, the config
// seeds only widgets the store does not know, a wrong key or a damaged file
// stops the start (naming the file, changing nothing), and neither the state
// directory nor the ops views ever hold a secret. Run as root (as the suite
// is): a foreign owner is made with chown to uid 65534.

#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <map>
#include <optional>
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

// A state directory (initialised in SetUp) and master key that outlive each
// identityd the test starts.
class StateDirTest : public ::testing::Test {
 protected:
  StateDirTest()
      : state_dir_(state_.File("state")),
        master_key_(IdentitydProcess::NewMasterKeyHex()),
        initial_{"w", NewEmailHashSecret(), "initial-jwt-secret-of-w-0123456789"} {}

  void SetUp() override {
    const RunResult init = Init();
    ASSERT_EQ(init.exit.exit_code, 0) << init.stderr_text;
  }

  // Runs `identityd --init_state_dir` on state_dir_ with master_key_ (or,
  // if `key_hex` is given, that key).
  RunResult Init(std::optional<std::string> key_hex = std::nullopt,
                 const std::map<std::string, std::string>& env = {}) const {
    absl::StatusOr<RunResult> run =
        IdentitydProcess::InitStateDir(state_dir_, key_hex.value_or(master_key_), env);
    EXPECT_TRUE(run.ok()) << run.status();
    if (!run.ok()) return RunResult{};
    EXPECT_TRUE(run->exit.exited);
    if (const std::string key = key_hex.value_or(master_key_); !key.empty()) {
      EXPECT_THAT(run->stderr_text, Not(HasSubstr(key)));
    }
    return *std::move(run);
  }

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

  // Every file of the state directory with its bytes (none if it does not
  // exist).
  std::map<std::string, std::string> Snapshot() const {
    std::map<std::string, std::string> out;
    if (!std::filesystem::exists(state_dir_)) return out;
    for (const std::string& path : FilesUnder(state_dir_)) out[path] = ReadWholeFile(path);
    return out;
  }

  // Starts identityd with `options` expecting it to refuse, with a log naming
  // `path` (and holding `why`), and checks that the state directory did not
  // change. A config error names the config file and JSON path instead,
  // without "refusing to start" (`state_error` false).
  void ExpectRefusedNaming(IdentitydProcess::Options options, const std::string& path,
                           bool state_error = true, const std::string& why = "") {
    const std::map<std::string, std::string> before = Snapshot();
    absl::StatusOr<RunResult> run = IdentitydProcess::StartExpectingFailure(std::move(options));
    ASSERT_TRUE(run.ok()) << run.status();
    EXPECT_NE(run->exit.exit_code, 0);
    if (state_error) {
      EXPECT_THAT(run->stderr_text, HasSubstr("refusing to start: "));
    }
    EXPECT_THAT(run->stderr_text, HasSubstr(path));
    EXPECT_THAT(run->stderr_text, HasSubstr(why));
    EXPECT_THAT(run->stderr_text, Not(HasSubstr(master_key_)));
    EXPECT_THAT(run->stderr_text, Not(HasSubstr("initialised a new state directory")));
    EXPECT_EQ(Snapshot(), before) << "a refused start changed the state directory";
  }

  // Starts identityd once (seeding w from the config), rotates w's JWT
  // secret, and stops it: a directory with widgets in it.
  void UseOnce() {
    std::unique_ptr<IdentitydProcess> server = StartOrDie();
    ASSERT_NE(server, nullptr);
    v1::RotateSecretRequest generate;
    generate.set_app_id("w");
    generate.set_kind(v1::SECRET_KIND_JWT);
    generate.set_generate(true);
    ASSERT_TRUE(ClientFor(*server)->RotateSecret(generate).ok());
    ASSERT_TRUE(server->Stop().ok());
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
  ExpectRefusedNaming(options, "--master_key_file or IDENTITYD_MASTER_KEY");

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

// ---------------------------------------------------------------------------
// Issue 11: initialising is an explicit act, and a state directory that
// others could change, or that was emptied, stops the start.

// The directory is not made in SetUp: these tests are about making it.
class NewStateDirTest : public StateDirTest {
 protected:
  void SetUp() override {}
};

TEST_F(NewStateDirTest, AStartWithoutInitialisingIsRefusedWithTheHint) {
  const std::string hint = absl::StrCat("identityd --init_state_dir --state_dir=", state_dir_);
  ExpectRefusedNaming(Options(), absl::StrCat(state_dir_, ": does not exist"), true, hint);
  EXPECT_FALSE(std::filesystem::exists(state_dir_)) << "a refused start made the directory";
  // An empty folder (a `mkdir`, a mount point) is not a state directory either.
  ASSERT_TRUE(std::filesystem::create_directory(state_dir_));
  ASSERT_EQ(::chmod(state_dir_.c_str(), 0700), 0);
  ExpectRefusedNaming(Options(), absl::StrCat(state_dir_, ": not an initialised state directory"),
                      true, hint);
  EXPECT_TRUE(std::filesystem::is_empty(state_dir_));
}

TEST_F(NewStateDirTest, InitMakesTheDirectoryOnceThenChangesNothing) {
  RunResult init = Init();
  EXPECT_EQ(init.exit.exit_code, 0) << init.stderr_text;
  EXPECT_THAT(init.stderr_text, HasSubstr(absl::StrCat("initialised a new state directory at ",
                                                        state_dir_)));
  UseOnce();
  const std::map<std::string, std::string> used = Snapshot();
  // Again with the same key (as a script that always runs it would): a no-op.
  init = Init();
  EXPECT_EQ(init.exit.exit_code, 0) << init.stderr_text;
  EXPECT_THAT(init.stderr_text, HasSubstr("is already a state directory for this master key (1 "
                                          "widget(s)); nothing changed"));
  EXPECT_EQ(Snapshot(), used);
  // With another key: refused, naming the key check.
  init = Init(IdentitydProcess::NewMasterKeyHex());
  EXPECT_EQ(init.exit.exit_code, 1);
  EXPECT_THAT(init.stderr_text, HasSubstr(absl::StrCat(state_dir_, "/KEYCHECK")));
  EXPECT_EQ(Snapshot(), used);
  std::unique_ptr<IdentitydProcess> server = StartOrDie();
  ASSERT_NE(server, nullptr);
  EXPECT_EQ(ClientFor(*server)->GetWidget("w")->widget().secrets(1).current().version(), 2u);
}

TEST_F(NewStateDirTest, InitNeverAdoptsAnExistingFolderNorServes) {
  ASSERT_TRUE(std::filesystem::create_directory(state_dir_));
  RunResult init = Init();
  EXPECT_EQ(init.exit.exit_code, 1);
  EXPECT_THAT(init.stderr_text,
              HasSubstr(absl::StrCat(state_dir_, ": exists but is not a state directory")));
  EXPECT_TRUE(std::filesystem::is_empty(state_dir_));
  std::filesystem::remove(state_dir_);

  absl::StatusOr<RunResult> serving = identity::testing::RunProgram(
      {identity::testing::IdentitydPath(), "--init_state_dir", "--listen=127.0.0.1:0",
       absl::StrCat("--state_dir=", state_dir_)},
      state_.path());
  ASSERT_TRUE(serving.ok());
  EXPECT_EQ(serving->exit.exit_code, 1);
  EXPECT_THAT(serving->stderr_text, HasSubstr("it does not serve: drop --listen"));
  EXPECT_FALSE(std::filesystem::exists(state_dir_));
}

// Issue 11: an all-zero master key was accepted.
TEST_F(NewStateDirTest, AnAllZeroMasterKeyIsRefusedNamingWhereItCameFrom) {
  const std::string zero(64, '0');
  RunResult init = Init(zero);
  EXPECT_EQ(init.exit.exit_code, 1);
  EXPECT_THAT(init.stderr_text, HasSubstr("(--master_key_file): trivially weak"));
  EXPECT_FALSE(std::filesystem::exists(state_dir_));
  init = Init("", {{"IDENTITYD_MASTER_KEY", zero}});
  EXPECT_EQ(init.exit.exit_code, 1);
  EXPECT_THAT(init.stderr_text, HasSubstr("IDENTITYD_MASTER_KEY: trivially weak"));
  EXPECT_THAT(init.stderr_text, Not(HasSubstr(zero)));
  EXPECT_FALSE(std::filesystem::exists(state_dir_));

  // And at start, on a directory of a good key, whatever the directory holds.
  ASSERT_EQ(Init().exit.exit_code, 0);
  master_key_ = zero;
  ExpectRefusedNaming(Options(), "master.key (--master_key_file): trivially weak");
}

TEST_F(StateDirTest, WorldWritableStateDirectoryIsRefused) {
  UseOnce();
  ASSERT_EQ(::chmod(state_dir_.c_str(), 0777), 0);
  ExpectRefusedNaming(Options(), absl::StrCat(state_dir_, ": writable by group or others"), true,
                      absl::StrCat("chmod 700 ", state_dir_));
}

TEST_F(StateDirTest, GroupWritableWidgetsFolderIsRefused) {
  UseOnce();
  const std::string widgets = absl::StrCat(state_dir_, "/widgets");
  ASSERT_EQ(::chmod(widgets.c_str(), 0770), 0);
  ExpectRefusedNaming(Options(), absl::StrCat(widgets, ": writable by group or others"));
}

TEST_F(StateDirTest, ForeignOwnedWidgetFileIsRefused) {
  UseOnce();
  ASSERT_EQ(::chown(WidgetPath("w").c_str(), 65534, 65534), 0);
  ExpectRefusedNaming(Options(), absl::StrCat(WidgetPath("w"), ": owned by uid 65534"));
}

TEST_F(StateDirTest, WidgetFileOthersCanReadIsRefused) {
  UseOnce();
  ASSERT_EQ(::chmod(WidgetPath("w").c_str(), 0644), 0);
  ExpectRefusedNaming(Options(), absl::StrCat(WidgetPath("w"), ": accessible to group or others"));
}

// The attack of issue 11: widgets/ and KEYCHECK removed, and identityd
// started with "initialised a new state directory ... loaded 0 widget(s)".
TEST_F(StateDirTest, RemovedWidgetsAndKeyCheckAreRefusedNeverReinitialised) {
  UseOnce();
  std::filesystem::remove_all(absl::StrCat(state_dir_, "/widgets"));
  std::filesystem::remove(absl::StrCat(state_dir_, "/KEYCHECK"));
  ExpectRefusedNaming(Options(), absl::StrCat(state_dir_, "/KEYCHECK and ", state_dir_,
                                              "/widgets: missing"),
                      true, "Restore it from a backup");
  // Nor does an explicit init make it afresh over what is left.
  const RunResult init = Init();
  EXPECT_EQ(init.exit.exit_code, 1);
  EXPECT_THAT(init.stderr_text, HasSubstr("Restore it from a backup"));
  EXPECT_FALSE(std::filesystem::exists(absl::StrCat(state_dir_, "/KEYCHECK")));
}

TEST_F(StateDirTest, KeyCheckWithoutTheWidgetsFolderIsRefused) {
  UseOnce();
  std::filesystem::remove_all(absl::StrCat(state_dir_, "/widgets"));
  ExpectRefusedNaming(Options(), absl::StrCat(state_dir_, "/widgets: missing"));
}

TEST_F(StateDirTest, StateDirectoryThroughASymbolicLinkIsRefused) {
  UseOnce();
  const std::string link = state_.File("link");
  std::filesystem::create_directory_symlink(state_dir_, link);
  IdentitydProcess::Options options = Options();
  options.state_dir = link;
  ExpectRefusedNaming(options, absl::StrCat(link, ": a symbolic link"));
}

TEST_F(StateDirTest, MasterKeyFileOthersCanReadIsRefused) {
  const std::string key_file = state_.File("shared.key");
  identity::testing::WriteFileOrDie(key_file, master_key_ + "\n", 0644);
  IdentitydProcess::Options options = Options();
  options.extra_flags = {absl::StrCat("--master_key_file=", key_file)};
  ExpectRefusedNaming(options, absl::StrCat(key_file, ": accessible to group or others"), true,
                      absl::StrCat("chmod 600 ", key_file));
}

}  // namespace
}  // namespace identity
