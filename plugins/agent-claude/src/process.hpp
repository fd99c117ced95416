// One child process with piped stdin/stdout/stderr, in its own process group, started with
// posix_spawn so that nothing of the host thread's state leaks into it: the signal mask is
// emptied, signal dispositions are reset (Poco threads block SIGPIPE/SIGTERM), no descriptor but
// 0/1/2 survives, and the whole group can be signalled (the CLI's own children included).
#pragma once

#include <sys/types.h>

#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "command_line.hpp"

namespace devkit::agent_claude {

class ChildProcess {
 public:
  /// Starts spec.executable in spec.cwd with exactly spec.env. Returns null and sets `error`
  /// (e.g. "No such file or directory") when the process could not be started.
  static std::unique_ptr<ChildProcess> spawn(const LaunchSpec& spec, std::string& error);

  /// Kills the group and reaps the child if that has not happened yet.
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return pid_; }
  int stdoutFd() const { return stdout_; }  // non-blocking
  int stderrFd() const { return stderr_; }  // non-blocking

  /// Writes `line` plus '\n' to stdin, waiting at most `timeoutMs` for pipe space. Thread-safe.
  /// False when stdin is closed, the child is gone, or it stopped reading.
  bool writeLine(std::string_view line, int timeoutMs = 5000);
  /// Closes stdin: the CLI finishes its current turn and exits. Thread-safe, idempotent.
  void closeStdin();
  /// Sends `signal` to the child's whole process group (unless it was reaped already).
  void signalGroup(int signal);

  /// Non-blocking: true once the child has exited. The first time it sees the exit, it kills
  /// what is left of the group (while the group id cannot have been reused) and reaps the child.
  bool pollExit();
  bool exited() const;
  /// "exited with status 1" or "was killed by signal 9 (Killed)"; "" while running.
  std::string exitDescription() const;
  /// Exit status when the child exited normally, -1 otherwise.
  int exitCode() const;

 private:
  ChildProcess() = default;

  pid_t pid_ = -1;
  int stdin_ = -1;
  int stdout_ = -1;
  int stderr_ = -1;
  mutable std::mutex mutex_;  // guards stdin_, reaped_ and status_
  bool reaped_ = false;
  int status_ = 0;
};

/// Resolves claude_path: a name without '/' is searched on `pathVariable`; a relative path is
/// made absolute. Returns "" and sets `problem` when it is missing or not executable.
std::string resolveExecutable(const std::string& configured, const std::string& pathVariable,
                              std::string& problem);

}  // namespace devkit::agent_claude
