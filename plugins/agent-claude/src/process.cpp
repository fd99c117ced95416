#include "process.hpp"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <vector>

namespace devkit::agent_claude {
namespace {

void closeFd(int& fd) {
  if (fd >= 0) {
    ::close(fd);
    fd = -1;
  }
}

void setNonBlocking(int fd) {
  const int flags = ::fcntl(fd, F_GETFL);
  ::fcntl(fd, F_SETFL, flags | O_NONBLOCK);
}

bool isExecutableFile(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(path.c_str(), X_OK) == 0;
}

// Blocks SIGPIPE in the calling thread for a write to a pipe whose reader may be gone, and
// swallows the signal that write raised, so the host process never dies of it (the caller may be
// any host thread, whose mask we do not know).
class SigpipeGuard {
 public:
  SigpipeGuard() {
    sigemptyset(&set_);
    sigaddset(&set_, SIGPIPE);
    sigset_t pending;
    sigpending(&pending);
    wasPending_ = sigismember(&pending, SIGPIPE) == 1;
    pthread_sigmask(SIG_BLOCK, &set_, &old_);
  }
  ~SigpipeGuard() {
    if (raised_ && !wasPending_) {
      const timespec zero{0, 0};
      while (sigtimedwait(&set_, nullptr, &zero) == -1 && errno == EINTR) {
      }
    }
    pthread_sigmask(SIG_SETMASK, &old_, nullptr);
  }
  void raised() { raised_ = true; }

 private:
  sigset_t set_{};
  sigset_t old_{};
  bool wasPending_ = false;
  bool raised_ = false;
};

}  // namespace

std::unique_ptr<ChildProcess> ChildProcess::spawn(const LaunchSpec& spec, std::string& error) {
  int in[2] = {-1, -1};
  int out[2] = {-1, -1};
  int err[2] = {-1, -1};
  auto closeAll = [&] {
    for (int* p : {in, out, err}) {
      closeFd(p[0]);
      closeFd(p[1]);
    }
  };
  if (::pipe2(in, O_CLOEXEC) != 0 || ::pipe2(out, O_CLOEXEC) != 0 || ::pipe2(err, O_CLOEXEC) != 0) {
    error = std::string("pipe: ") + ::strerror(errno);
    closeAll();
    return nullptr;
  }

  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attr;
  posix_spawn_file_actions_init(&actions);
  posix_spawnattr_init(&attr);
  posix_spawn_file_actions_adddup2(&actions, in[0], 0);
  posix_spawn_file_actions_adddup2(&actions, out[1], 1);
  posix_spawn_file_actions_adddup2(&actions, err[1], 2);
  posix_spawn_file_actions_addchdir_np(&actions, spec.cwd.c_str());
  posix_spawn_file_actions_addclosefrom_np(&actions, 3);

  sigset_t none;
  sigset_t all;
  sigemptyset(&none);
  sigfillset(&all);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &all);
  posix_spawnattr_setpgroup(&attr, 0);  // its own group, so the CLI's children die with it
  posix_spawnattr_setflags(&attr,
                           POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);

  std::vector<char*> argv;
  for (const auto& a : spec.argv) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  std::vector<char*> envp;
  for (const auto& e : spec.env) envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);

  pid_t pid = -1;
  const int rc =
      ::posix_spawn(&pid, spec.executable.c_str(), &actions, &attr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) {
    error = ::strerror(rc);
    closeAll();
    return nullptr;
  }

  std::unique_ptr<ChildProcess> child(new ChildProcess());
  child->pid_ = pid;
  child->stdin_ = in[1];
  child->stdout_ = out[0];
  child->stderr_ = err[0];
  in[1] = out[0] = err[0] = -1;
  closeAll();  // the child's ends
  setNonBlocking(child->stdin_);
  setNonBlocking(child->stdout_);
  setNonBlocking(child->stderr_);
  return child;
}

ChildProcess::~ChildProcess() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    closeFd(stdin_);
  }
  if (!exited()) {
    signalGroup(SIGKILL);
    while (!pollExit()) {
      ::poll(nullptr, 0, 10);
    }
  }
  closeFd(stdout_);
  closeFd(stderr_);
}

bool ChildProcess::writeLine(std::string_view line, int timeoutMs) {
  std::string data(line);
  data += '\n';
  std::lock_guard<std::mutex> lock(mutex_);
  if (stdin_ < 0) return false;
  SigpipeGuard guard;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeoutMs);
  size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::write(stdin_, data.data() + done, data.size() - done);
    if (n > 0) {
      done += static_cast<size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                            deadline - std::chrono::steady_clock::now())
                            .count();
      if (left <= 0) return false;
      pollfd p{stdin_, POLLOUT, 0};
      ::poll(&p, 1, static_cast<int>(left));
      continue;
    }
    if (n < 0 && errno == EPIPE) guard.raised();
    return false;
  }
  return true;
}

void ChildProcess::closeStdin() {
  std::lock_guard<std::mutex> lock(mutex_);
  closeFd(stdin_);
}

void ChildProcess::signalGroup(int signal) {
  std::lock_guard<std::mutex> lock(mutex_);
  // Until it is reaped, the child's pid (its group id) cannot be reused by anyone else.
  if (!reaped_ && pid_ > 0) ::kill(-pid_, signal);
}

bool ChildProcess::pollExit() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (reaped_) return true;
  siginfo_t info{};
  if (::waitid(P_PID, static_cast<id_t>(pid_), &info, WEXITED | WNOHANG | WNOWAIT) != 0 ||
      info.si_pid == 0) {
    return false;
  }
  // The zombie still holds the group id: kill what the CLI left behind, then reap.
  ::kill(-pid_, SIGKILL);
  int status = 0;
  while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  status_ = status;
  reaped_ = true;
  return true;
}

bool ChildProcess::exited() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return reaped_;
}

std::string ChildProcess::exitDescription() const {
  std::lock_guard<std::mutex> lock(mutex_);
  if (!reaped_) return "";
  if (WIFEXITED(status_)) return "exited with status " + std::to_string(WEXITSTATUS(status_));
  if (WIFSIGNALED(status_)) {
    const int sig = WTERMSIG(status_);
    return "was killed by signal " + std::to_string(sig) + " (" + ::strsignal(sig) + ")";
  }
  return "ended";
}

int ChildProcess::exitCode() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return reaped_ && WIFEXITED(status_) ? WEXITSTATUS(status_) : -1;
}

std::string resolveExecutable(const std::string& configured, const std::string& pathVariable,
                              std::string& problem) {
  if (configured.find('/') != std::string::npos) {
    std::error_code ec;
    const std::string path = std::filesystem::absolute(configured, ec).string();
    if (isExecutableFile(path)) return path;
    problem = "Claude Code CLI not found: " + path + " is missing or not executable";
    return "";
  }
  size_t start = 0;
  while (start <= pathVariable.size()) {
    size_t end = pathVariable.find(':', start);
    if (end == std::string::npos) end = pathVariable.size();
    const std::string dir = pathVariable.substr(start, end - start);
    if (!dir.empty()) {
      const std::string candidate = dir + "/" + configured;
      if (isExecutableFile(candidate)) {
        std::error_code ec;
        return std::filesystem::absolute(candidate, ec).string();
      }
    }
    start = end + 1;
  }
  problem = "Claude Code CLI not found: no executable '" + configured + "' on PATH";
  return "";
}

}  // namespace devkit::agent_claude
