#include "tests/support/identityd_process.h"

#include <signal.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "nlohmann/json.hpp"

namespace identity::testing {

std::string IdentitydPath() { return IDENTITYD_PATH; }
std::string IdentityctlPath() { return IDENTITYCTL_PATH; }

std::string IdentitydProcess::NewMasterKeyHex() {
  std::ifstream urandom("/dev/urandom", std::ios::binary);
  std::string bytes(32, '\0');
  if (!urandom.read(bytes.data(), static_cast<std::streamsize>(bytes.size()))) {
    std::fprintf(stderr, "cannot read /dev/urandom\n");
    std::abort();
  }
  return absl::BytesToHexString(bytes);
}

absl::StatusOr<RunResult> IdentitydProcess::InitStateDir(
    const std::string& state_dir, const std::string& master_key_hex,
    const std::map<std::string, std::string>& env) {
  TempDir scratch;
  std::vector<std::string> argv = {IdentitydPath(), "--init_state_dir",
                                   absl::StrCat("--state_dir=", state_dir)};
  if (!master_key_hex.empty()) {
    const std::string key_file = scratch.File("master.key");
    WriteFileOrDie(key_file, master_key_hex + "\n");
    argv.push_back(absl::StrCat("--master_key_file=", key_file));
  }
  return RunProgram(argv, scratch.path(), "", absl::Seconds(20), env);
}

absl::StatusOr<std::vector<std::string>> IdentitydProcess::PrepareArgv(Options& options) {
  const std::string port_file = dir_.File("port");
  std::vector<std::string> argv = {IdentitydPath(),
                                   absl::StrCat("--listen=", options.listen_host, ":0"),
                                   absl::StrCat("--port_file=", port_file)};
  if (options.tls.has_value()) {
    WriteFileOrDie(policy_file(), options.tls->policy_json);
    argv.push_back(absl::StrCat("--tls_cert_file=", options.tls->cert_file));
    argv.push_back(absl::StrCat("--tls_key_file=", options.tls->key_file));
    argv.push_back(absl::StrCat("--tls_client_ca_file=", options.tls->client_ca_file));
    argv.push_back(absl::StrCat("--authz_policy_file=", policy_file()));
    // identityd keeps state in memory only in the plain-text development
    // mode: over TLS it needs a state directory, so give it a private one.
    if (options.state_dir.empty()) {
      options.state_dir = dir_.File("state");
      if (options.master_key_hex.empty()) options.master_key_hex = NewMasterKeyHex();
      absl::StatusOr<RunResult> init = InitStateDir(options.state_dir, options.master_key_hex);
      if (!init.ok()) return init.status();
      if (!init->exit.exited || init->exit.exit_code != 0) {
        return absl::InternalError(absl::StrCat("identityd --init_state_dir failed:\n",
                                                init->stdout_text, init->stderr_text));
      }
    }
  } else {
    argv.push_back("--insecure_loopback");
  }
  if (options.write_config) {
    nlohmann::json widgets = nlohmann::json::array();
    for (const TestWidget& w : options.widgets) {
      nlohmann::json entry = {{"app_id", w.app_id}};
      if (w.email_hash_secret.has_value()) {
        const std::string file = absl::StrCat(w.app_id, ".email_hash.secret");
        WriteFileOrDie(dir_.File(file), *w.email_hash_secret + "\n");
        entry["email_hash_secret"] = {{"file", file}};
      }
      if (w.jwt_secret.has_value()) {
        const std::string file = absl::StrCat(w.app_id, ".jwt.secret");
        WriteFileOrDie(dir_.File(file), *w.jwt_secret + "\n");
        entry["jwt_secret"] = {{"file", file}};
      }
      widgets.push_back(entry);
    }
    const std::string config = dir_.File("identityd.json");
    WriteFileOrDie(config, nlohmann::json{{"widgets", widgets}}.dump(2));
    argv.push_back(absl::StrCat("--config=", config));
  }
  if (!options.state_dir.empty()) {
    argv.push_back(absl::StrCat("--state_dir=", options.state_dir));
  }
  if (!options.master_key_hex.empty()) {
    const std::string key_file = dir_.File("master.key");
    WriteFileOrDie(key_file, options.master_key_hex + "\n");
    argv.push_back(absl::StrCat("--master_key_file=", key_file));
  }
  if (options.previous_versions.has_value()) {
    argv.push_back(absl::StrCat("--previous_versions=", *options.previous_versions));
  }
  for (std::string& flag : options.extra_flags) argv.push_back(std::move(flag));
  return argv;
}

absl::StatusOr<RunResult> IdentitydProcess::StartExpectingFailure(Options options) {
  IdentitydProcess attempt;
  absl::StatusOr<std::vector<std::string>> argv = attempt.PrepareArgv(options);
  if (!argv.ok()) return argv.status();
  absl::StatusOr<RunResult> result =
      RunProgram(*argv, attempt.dir_.path(), "", absl::Seconds(20), options.env);
  if (!result.ok()) return result.status();
  if (!ReadFileOrEmpty(attempt.dir_.File("port")).empty() || !result->exit.exited) {
    return absl::FailedPreconditionError(absl::StrCat(
        "identityd started (or was killed) instead of refusing to start; its log:\n",
        result->stdout_text, result->stderr_text));
  }
  return result;
}

absl::StatusOr<std::unique_ptr<IdentitydProcess>> IdentitydProcess::Start(Options options) {
  std::unique_ptr<IdentitydProcess> server(new IdentitydProcess());
  const std::string port_file = server->dir_.File("port");
  absl::StatusOr<std::vector<std::string>> argv = server->PrepareArgv(options);
  if (!argv.ok()) return argv.status();

  Subprocess::Options spawn;
  spawn.argv = *std::move(argv);
  spawn.env = std::move(options.env);
  spawn.stdout_path = server->dir_.File("identityd.stdout");
  spawn.stderr_path = server->dir_.File("identityd.stderr");
  absl::StatusOr<std::unique_ptr<Subprocess>> process = Subprocess::Start(std::move(spawn));
  if (!process.ok()) return process.status();
  server->process_ = *std::move(process);

  // identityd writes the port file only once it is serving.
  const absl::Time deadline = absl::Now() + absl::Seconds(20);
  while (true) {
    const std::string text = ReadFileOrEmpty(port_file);
    int port = 0;
    if (absl::SimpleAtoi(absl::StripAsciiWhitespace(text), &port) && port > 0) {
      server->port_ = port;
      break;
    }
    if (!server->process_->Running()) {
      return absl::FailedPreconditionError(
          absl::StrCat("identityd exited during start-up; its log:\n", server->Logs()));
    }
    if (absl::Now() > deadline) {
      return absl::DeadlineExceededError(
          absl::StrCat("identityd did not start within 20 s; its log:\n", server->Logs()));
    }
    absl::SleepFor(absl::Milliseconds(10));
  }
  server->target_ = absl::StrCat(options.listen_host, ":", server->port_);
  return server;
}

absl::StatusOr<ExitInfo> IdentitydProcess::Stop(absl::Duration timeout) {
  process_->Signal(SIGTERM);
  return process_->Wait(timeout);
}

absl::Status IdentitydProcess::Kill() {
  process_->Signal(SIGKILL);
  absl::StatusOr<ExitInfo> exit = process_->Wait(absl::Seconds(20));
  return exit.status();
}

std::string IdentitydProcess::Logs() const {
  return absl::StrCat(process_->Stdout(), process_->Stderr());
}

absl::StatusOr<RunResult> IdentitydProcess::Identityctl(const std::vector<std::string>& args,
                                                        const std::string& stdin_text) const {
  return IdentityctlWith({"--insecure"}, args, stdin_text);
}

absl::StatusOr<RunResult> IdentitydProcess::IdentityctlWith(
    const std::vector<std::string>& connection_flags, const std::vector<std::string>& args,
    const std::string& stdin_text) const {
  std::vector<std::string> argv = {IdentityctlPath(), absl::StrCat("--target=", target_)};
  argv.insert(argv.end(), connection_flags.begin(), connection_flags.end());
  argv.insert(argv.end(), args.begin(), args.end());
  return RunProgram(argv, dir_.path(), stdin_text);
}

}  // namespace identity::testing
