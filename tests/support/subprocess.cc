#include "tests/support/subprocess.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

extern char** environ;

namespace identity::testing {
namespace {

ExitInfo Decode(int wstatus) {
  ExitInfo info;
  if (WIFEXITED(wstatus)) {
    info.exited = true;
    info.exit_code = WEXITSTATUS(wstatus);
  } else if (WIFSIGNALED(wstatus)) {
    info.signal = WTERMSIG(wstatus);
  }
  return info;
}

std::atomic<int> stdin_counter{0};

}  // namespace

std::string ReadFileOrEmpty(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

void WriteFileOrDie(const std::string& path, const std::string& content, int mode) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) {
    std::fprintf(stderr, "cannot write %s: %s\n", path.c_str(), std::strerror(errno));
    std::abort();
  }
  std::size_t off = 0;
  while (off < content.size()) {
    const ssize_t n = ::write(fd, content.data() + off, content.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) std::abort();
    off += static_cast<std::size_t>(n);
  }
  ::fchmod(fd, mode);
  ::close(fd);
}

absl::StatusOr<std::unique_ptr<Subprocess>> Subprocess::Start(Options options) {
  if (options.argv.empty()) return absl::InvalidArgumentError("argv is empty");
  std::unique_ptr<Subprocess> process(new Subprocess(std::move(options)));
  const Options& o = process->options_;

  // stdin comes from a file written beforehand: no pipe to keep fed.
  const std::string stdin_path =
      absl::StrCat(o.stdout_path, ".stdin.", stdin_counter.fetch_add(1));
  WriteFileOrDie(stdin_path, o.stdin_text);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, stdin_path.c_str(), O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, o.stdout_path.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_addopen(&actions, 2, o.stderr_path.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0600);

  // The child gets an empty signal mask and default dispositions, whatever
  // the test process has blocked.
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t empty, all;
  sigemptyset(&empty);
  sigfillset(&all);
  posix_spawnattr_setsigmask(&attr, &empty);
  posix_spawnattr_setsigdefault(&attr, &all);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);

  std::map<std::string, std::string> env_map;
  for (char** e = environ; *e != nullptr; ++e) {
    const std::string entry(*e);
    const std::size_t eq = entry.find('=');
    if (eq != std::string::npos) env_map[entry.substr(0, eq)] = entry.substr(eq + 1);
  }
  for (const auto& [k, v] : o.env) env_map[k] = v;
  std::vector<std::string> env_strings;
  for (const auto& [k, v] : env_map) env_strings.push_back(absl::StrCat(k, "=", v));
  std::vector<char*> envp;
  for (std::string& s : env_strings) envp.push_back(s.data());
  envp.push_back(nullptr);

  std::vector<std::string> argv_copy = o.argv;
  std::vector<char*> argv;
  for (std::string& a : argv_copy) argv.push_back(a.data());
  argv.push_back(nullptr);

  const int rc =
      posix_spawn(&process->pid_, argv[0], &actions, &attr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  ::unlink(stdin_path.c_str());
  if (rc != 0) {
    return absl::InternalError(absl::StrCat("cannot start ", o.argv[0], ": ", std::strerror(rc)));
  }
  return process;
}

Subprocess::~Subprocess() {
  if (pid_ > 0 && !exit_.has_value()) {
    ::kill(pid_, SIGKILL);
    int wstatus = 0;
    ::waitpid(pid_, &wstatus, 0);
  }
}

void Subprocess::Signal(int signal) {
  if (pid_ > 0 && !exit_.has_value()) ::kill(pid_, signal);
}

bool Subprocess::Running() {
  if (exit_.has_value()) return false;
  int wstatus = 0;
  const pid_t r = ::waitpid(pid_, &wstatus, WNOHANG);
  if (r == pid_) {
    exit_ = Decode(wstatus);
    return false;
  }
  return true;
}

absl::StatusOr<ExitInfo> Subprocess::Wait(absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  // Bounded polling: waitpid has no timeout, and a SIGCHLD handler would be
  // process-global state for a test library.
  while (Running()) {
    if (absl::Now() >= deadline) {
      return absl::DeadlineExceededError(
          absl::StrCat(options_.argv[0], " still running after ", absl::FormatDuration(timeout)));
    }
    absl::SleepFor(absl::Milliseconds(5));
  }
  return *exit_;
}

std::string Subprocess::Stdout() const { return ReadFileOrEmpty(options_.stdout_path); }
std::string Subprocess::Stderr() const { return ReadFileOrEmpty(options_.stderr_path); }

absl::StatusOr<RunResult> RunProgram(const std::vector<std::string>& argv,
                                     const std::string& work_dir, const std::string& stdin_text,
                                     absl::Duration timeout,
                                     const std::map<std::string, std::string>& env) {
  static std::atomic<int> counter{0};
  const int n = counter.fetch_add(1);
  Subprocess::Options options;
  options.argv = argv;
  options.env = env;
  options.stdin_text = stdin_text;
  options.stdout_path = absl::StrCat(work_dir, "/run-", ::getpid(), "-", n, ".stdout");
  options.stderr_path = absl::StrCat(work_dir, "/run-", ::getpid(), "-", n, ".stderr");
  absl::StatusOr<std::unique_ptr<Subprocess>> process = Subprocess::Start(options);
  if (!process.ok()) return process.status();
  absl::StatusOr<ExitInfo> exit = (*process)->Wait(timeout);
  if (!exit.ok()) return exit.status();  // the destructor kills it
  RunResult result{*exit, (*process)->Stdout(), (*process)->Stderr()};
  ::unlink(options.stdout_path.c_str());
  ::unlink(options.stderr_path.c_str());
  return result;
}

}  // namespace identity::testing
