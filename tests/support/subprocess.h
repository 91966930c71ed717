#ifndef IDENTITY_TESTS_SUPPORT_SUBPROCESS_H_
#define IDENTITY_TESTS_SUPPORT_SUBPROCESS_H_

#include <sys/types.h>

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace identity::testing {

// How a finished process ended.
struct ExitInfo {
  bool exited = false;   // true: exit_code is valid; false: killed by signal
  int exit_code = -1;
  int signal = 0;
};

// Subprocess runs a program (no shell) with its stdout and stderr captured to
// files, so a chatty child can never block on a full pipe. The destructor
// kills a child still running (SIGKILL) and reaps it: a failing test never
// leaves processes behind.
class Subprocess {
 public:
  struct Options {
    std::vector<std::string> argv;             // argv[0] is the program path
    std::map<std::string, std::string> env;    // added to (or overriding) the parent's
    std::string stdin_text;                    // written to the child's stdin, then EOF
    std::string stdout_path;                   // where stdout goes (required)
    std::string stderr_path;                   // where stderr goes (required)
  };

  // Starts the program. kInternal if it cannot be started.
  static absl::StatusOr<std::unique_ptr<Subprocess>> Start(Options options);
  ~Subprocess();

  pid_t pid() const { return pid_; }

  // Sends `signal` to the child.
  void Signal(int signal);

  // Waits up to `timeout` for the child to end. kDeadlineExceeded if it is
  // still running (it is left running).
  absl::StatusOr<ExitInfo> Wait(absl::Duration timeout);

  // Whether the child is still running (non-blocking).
  bool Running();

  // The captured output so far.
  std::string Stdout() const;
  std::string Stderr() const;

 private:
  explicit Subprocess(Options options) : options_(std::move(options)) {}

  Options options_;
  pid_t pid_ = -1;
  std::optional<ExitInfo> exit_;
};

// Runs a program to completion with `stdin_text`, up to `timeout` (then kills
// it). Output is captured under `work_dir`.
struct RunResult {
  ExitInfo exit;
  std::string stdout_text;
  std::string stderr_text;
};
absl::StatusOr<RunResult> RunProgram(const std::vector<std::string>& argv,
                                     const std::string& work_dir,
                                     const std::string& stdin_text = "",
                                     absl::Duration timeout = absl::Seconds(30),
                                     const std::map<std::string, std::string>& env = {});

// Reads a whole file; "" if it cannot be read.
std::string ReadFileOrEmpty(const std::string& path);

// Writes `content` to `path` with `mode` permissions; fails the process on error.
void WriteFileOrDie(const std::string& path, const std::string& content, int mode = 0600);

}  // namespace identity::testing

#endif  // IDENTITY_TESTS_SUPPORT_SUBPROCESS_H_
