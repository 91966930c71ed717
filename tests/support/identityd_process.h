#ifndef IDENTITY_TESTS_SUPPORT_IDENTITYD_PROCESS_H_
#define IDENTITY_TESTS_SUPPORT_IDENTITYD_PROCESS_H_

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "tests/support/subprocess.h"
#include "tests/support/temp_dir.h"

namespace identity::testing {

// The paths of the binaries under test, compiled in by CMake.
std::string IdentitydPath();
std::string IdentityctlPath();

// A widget the test server starts with. Secrets are written to files
// (mode 0600) in the server's directory and named in its config.
struct TestWidget {
  std::string app_id;
  std::optional<std::string> email_hash_secret;  // as displayed (hex)
  std::optional<std::string> jwt_secret;         // as displayed
};

// The mutual-TLS set-up of a test server (see TestPki for test certificates).
struct TestTls {
  std::string cert_file;       // --tls_cert_file
  std::string key_file;        // --tls_key_file
  std::string client_ca_file;  // --tls_client_ca_file
  // The authorization policy (JSON text), written to policy_file() and passed
  // as --authz_policy_file.
  std::string policy_json;
};

// IdentitydProcess is the real identityd binary serving on a free loopback
// port (plain text, --insecure_loopback, unless Options::tls is set), with its
// own temporary directory holding the config, the secrets and its logs. Stopped with SIGTERM by Stop()
// or, failing that, killed when destroyed.
class IdentitydProcess {
 public:
  struct Options {
    std::vector<TestWidget> widgets;
    // The host part of --listen (the port is always 0, a free one): an IPv4
    // address, a bracketed IPv6 address such as "[::1]", or "localhost".
    // target() is this host with the bound port.
    std::string listen_host = "127.0.0.1";
    // Serve mutual TLS with this set-up instead of --insecure_loopback.
    std::optional<TestTls> tls;
    // Flags added after the defaults (--listen, --port_file, --config,
    // --insecure_loopback or the TLS flags); a later flag overrides an
    // earlier one.
    std::vector<std::string> extra_flags;
    std::map<std::string, std::string> env;
    // Without a config file when false (widgets are then ignored).
    bool write_config = true;
    // The state directory (--state_dir); empty for memory-only state (with
    // TLS: a private one, initialised for a fresh master key). Give a
    // directory the test owns (e.g. in a TempDir) to keep it across
    // restarts; initialise it first (InitStateDir).
    std::string state_dir;
    // The master key as displayed (64 hex characters), written to a file
    // (mode 0600) in the server's directory and named by --master_key_file.
    // Empty: no --master_key_file (identityd then reads IDENTITYD_MASTER_KEY,
    // which `env` may set).
    std::string master_key_hex;
    // --previous_versions, if set.
    std::optional<int> previous_versions;
  };

  // A fresh random master key as 64 lowercase hex characters.
  static std::string NewMasterKeyHex();

  // Runs `identityd --init_state_dir --state_dir=STATE_DIR` with
  // `master_key_hex` in a key file (mode 0600), or, if that is empty, with
  // whatever `env` gives it (IDENTITYD_MASTER_KEY), and returns how it ended.
  static absl::StatusOr<RunResult> InitStateDir(const std::string& state_dir,
                                                const std::string& master_key_hex,
                                                const std::map<std::string, std::string>& env = {});

  // Runs identityd with `options` expecting it to refuse to start: waits
  // (bounded) for it to exit and returns how it ended with its logs.
  // kFailedPrecondition (with the logs) if it started serving instead.
  static absl::StatusOr<RunResult> StartExpectingFailure(Options options);

  // Starts identityd and waits (bounded) until it is serving. On failure the
  // status message carries the server's log.
  static absl::StatusOr<std::unique_ptr<IdentitydProcess>> Start(Options options);

  // "LISTEN_HOST:PORT", e.g. "127.0.0.1:PORT".
  const std::string& target() const { return target_; }
  int port() const { return port_; }
  // The server's private directory (config, secrets, logs).
  const std::string& dir() const { return dir_.path(); }
  TempDir& temp_dir() { return dir_; }

  // Sends SIGTERM and waits up to `timeout` for the process to end.
  absl::StatusOr<ExitInfo> Stop(absl::Duration timeout = absl::Seconds(20));

  // Kills the process with SIGKILL (no clean-up of any kind, as in a crash)
  // and reaps it.
  absl::Status Kill();

  // The authorization policy file (with Options::tls): rewrite it to test
  // reloads.
  std::string policy_file() const { return dir_.File("policy.json"); }

  // Everything the server wrote to stdout and stderr so far.
  std::string Logs() const;

  Subprocess& process() { return *process_; }

  // Runs identityctl against this server (--target, --insecure added first)
  // with `args` and `stdin_text`.
  absl::StatusOr<RunResult> Identityctl(const std::vector<std::string>& args,
                                        const std::string& stdin_text = "") const;

  // The same with `connection_flags` (e.g. TestPki::IdentityctlFlags("ops"))
  // instead of --insecure.
  absl::StatusOr<RunResult> IdentityctlWith(const std::vector<std::string>& connection_flags,
                                            const std::vector<std::string>& args,
                                            const std::string& stdin_text = "") const;

 private:
  IdentitydProcess() = default;

  // Writes the config and key files (and initialises the private state
  // directory of a TLS server) and builds the command line.
  absl::StatusOr<std::vector<std::string>> PrepareArgv(Options& options);

  TempDir dir_;
  std::unique_ptr<Subprocess> process_;
  std::string target_;
  int port_ = 0;
};

}  // namespace identity::testing

#endif  // IDENTITY_TESTS_SUPPORT_IDENTITYD_PROCESS_H_
