#pragma once

// Shared by the MCP suites: the /mcp fixture (an in-process host with fixture-agent, fixture-tools
// and hello-tools, a live run and its token) and two ways of driving `devkit mcp --stdio` as a
// child process: all input at once (runStdio) or line by line (StdioServer).

#include <signal.h>
#include <sys/wait.h>

#include <chrono>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <Poco/Pipe.h>
#include <Poco/PipeStream.h>
#include <Poco/Process.h>
#include <nlohmann/json.hpp>

#include "../api/api_support.hpp"
#include "identity/user.hpp"

namespace devkit::testing {

/// One message as a line of the stdio transport.
inline std::string line(const nlohmann::json& message) { return message.dump() + "\n"; }

/// /mcp against an in-process host. A live run of fixture-agent ("hang") gives the bearer token.
class McpHttp : public ApiTest {
 protected:
  void SetUp() override {
    startHost("[plugin.fixture-agent]\nenabled = yes\n[plugin.fixture-tools]\nenabled = yes\n" +
              extraIni());
    const nlohmann::json project = createProject("Orders");
    projectId_ = project["id"];
    run_ = startRun();
    token_ = host_->mcpTokens().tokenFor(run_->info().conversationId);
  }

  void TearDown() override {
    if (run_ && !run_->finished()) {
      try {
        host_->agentRuns().stop(kAlice, run_->info().id);
      } catch (...) {
      }
    }
    ApiTest::TearDown();
  }

  /// More INI sections for a derived fixture.
  virtual std::string extraIni() const { return ""; }

  /// A run that stays live until stopped (alice's, in the fixture's project).
  std::shared_ptr<runs::Run> startRun() {
    identity::User alice;
    alice.email = kAlice;
    return host_->agentRuns().invoke(alice, {{"project_id", projectId_}, {"message", "hang"}});
  }

  /// POSTs `body` as is, with the run's token and the session unless `headers` say otherwise.
  HttpResult postRaw(const std::string& body, std::map<std::string, std::string> headers = {},
                     bool withSession = true) {
    if (!headers.count("Authorization")) headers["Authorization"] = "Bearer " + token_;
    if (withSession && !session_.empty() && !headers.count("Mcp-Session-Id")) {
      headers["Mcp-Session-Id"] = session_;
    }
    return fetch(port_, "POST", "/mcp", body, "application/json", headers);
  }

  HttpResult post(const nlohmann::json& body, std::map<std::string, std::string> headers = {},
                  bool withSession = true) {
    return postRaw(body.dump(), std::move(headers), withSession);
  }

  void initialize() {
    const HttpResult r = post({{"jsonrpc", "2.0"},
                               {"id", 0},
                               {"method", "initialize"},
                               {"params",
                                {{"protocolVersion", "2025-11-25"},
                                 {"capabilities", nlohmann::json::object()},
                                 {"clientInfo", {{"name", "test"}, {"version", "1"}}}}}},
                              {}, false);
    ASSERT_EQ(r.status, 200) << r.body;
    session_ = r.response.get("Mcp-Session-Id", "");
    ASSERT_FALSE(session_.empty());
    EXPECT_EQ(post({{"jsonrpc", "2.0"}, {"method", "notifications/initialized"}}).status, 202);
  }

  nlohmann::json call(const std::string& tool, nlohmann::json arguments = nlohmann::json::object(),
                      int id = 1) {
    const HttpResult r = post({{"jsonrpc", "2.0"},
                               {"id", id},
                               {"method", "tools/call"},
                               {"params", {{"name", tool}, {"arguments", std::move(arguments)}}}});
    EXPECT_EQ(r.status, 200) << r.body;
    return nlohmann::json::parse(r.body, nullptr, false);
  }

  void endRun(const std::shared_ptr<runs::Run>& run) {
    host_->agentRuns().stop(kAlice, run->info().id);
    for (int i = 0; i < 500 && !run->finished(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ASSERT_TRUE(run->finished());
  }
  void endRun() { endRun(run_); }

  std::string projectId_;
  std::shared_ptr<runs::Run> run_;
  std::string token_;
  std::string session_;
};

/// An INI for `devkit mcp --stdio` in `dir`: fixture-tools and hello-tools, the dev user
/// dana@example.com, logs at info (so a test can wait for a call's log line). Returns its path.
inline std::string stdioConfig(const TempDir& dir, const std::string& extra = "") {
  const std::string pluginDir = copyBuiltPlugins(dir);
  for (const char* fixture : {"fixture-tools.so", "fixture-tools-clash.so"}) {
    std::filesystem::copy_file(std::filesystem::path(DEVKIT_TEST_PLUGIN_DIR) / fixture,
                               std::filesystem::path(pluginDir) / fixture,
                               std::filesystem::copy_options::skip_existing);
  }
  return dir.write("devkit.ini",
                   hostIni(dir,
                           "[logging]\nlevel = info\n[auth]\ndev_user_email = dana@example.com\n"
                           "[plugin.fixture-tools]\nenabled = yes\n[plugin.hello-tools]\n"
                           "enabled = yes\n" +
                               extra,
                           pluginDir));
}

struct StdioRun {
  int exitCode = -1;
  std::vector<std::string> lines;  // stdout
  std::string errors;              // stderr
};

/// Runs devkit with `args`, writes all of `input` and closes stdin, then reads until it exits.
inline StdioRun runStdio(const std::vector<std::string>& args, const std::string& input) {
  Poco::Pipe inPipe;
  Poco::Pipe outPipe;
  Poco::Pipe errPipe;
  Poco::ProcessHandle handle =
      Poco::Process::launch(DEVKIT_BINARY, args, &inPipe, &outPipe, &errPipe);
  StdioRun run;
  std::thread errReader([&run, errPipe]() mutable {
    Poco::PipeInputStream in(errPipe);
    std::stringstream all;
    all << in.rdbuf();
    run.errors = all.str();
  });
  {
    Poco::PipeOutputStream out(inPipe);
    out << input;
    out.close();
  }
  Poco::PipeInputStream in(outPipe);
  for (std::string text; std::getline(in, text);) run.lines.push_back(text);
  errReader.join();
  run.exitCode = handle.wait();
  return run;
}

/// `devkit mcp --stdio` driven line by line: send a line, read the next line it writes.
class StdioServer {
 public:
  explicit StdioServer(const std::string& configFile)
      : handle_(Poco::Process::launch(DEVKIT_BINARY, {"mcp", "--stdio", "--config", configFile},
                                      &in_, &outPipe_, &errPipe_)) {
    ::signal(SIGPIPE, SIG_IGN);  // a write to a server that died must fail the test, not kill it
    outReader_ = std::thread([this] {
      Poco::PipeInputStream out(outPipe_);
      for (std::string text; std::getline(out, text);) {
        std::lock_guard lock(mutex_);
        lines_.push_back(std::move(text));
        changed_.notify_all();
      }
      std::lock_guard lock(mutex_);
      outClosed_ = true;
      changed_.notify_all();
    });
    errReader_ = std::thread([this] {
      Poco::PipeInputStream err(errPipe_);
      for (std::string text; std::getline(err, text);) {
        std::lock_guard lock(mutex_);
        errors_ += text + "\n";
        changed_.notify_all();
      }
    });
  }

  ~StdioServer() {
    closeInput();
    // A test that failed half-way may leave calls running; do not wait for them for long.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (running() && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    if (running()) ::kill(handle_.id(), SIGKILL);
    finish();
    outReader_.join();
    errReader_.join();
  }

  /// Writes `text` and a newline. False when the server no longer reads.
  bool send(const std::string& text) {
    const std::string framed = text + "\n";
    try {
      size_t done = 0;
      while (done < framed.size()) {
        const int n = in_.writeBytes(framed.data() + done, static_cast<int>(framed.size() - done));
        if (n <= 0) return false;
        done += static_cast<size_t>(n);
      }
      return true;
    } catch (const Poco::Exception&) {
      return false;
    }
  }

  /// The next line the server wrote; nullopt when it closed stdout or wrote nothing in `timeout`.
  std::optional<std::string> next(std::chrono::seconds timeout = std::chrono::seconds(30)) {
    std::unique_lock lock(mutex_);
    changed_.wait_for(lock, timeout, [this] { return !lines_.empty() || outClosed_; });
    if (lines_.empty()) return std::nullopt;
    std::string text = std::move(lines_.front());
    lines_.pop_front();
    return text;
  }

  /// Waits until stderr contains `text` (logs), at most `timeout`.
  bool waitForLog(const std::string& text,
                  std::chrono::seconds timeout = std::chrono::seconds(30)) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, timeout,
                             [&] { return errors_.find(text) != std::string::npos; });
  }

  std::string errors() const {
    std::lock_guard lock(mutex_);
    return errors_;
  }
  /// Whether the process is alive (not exited, not a zombie).
  bool running() {
    if (exitCode_) return false;
    int status = 0;
    if (::waitpid(handle_.id(), &status, WNOHANG) != handle_.id()) return true;
    exitCode_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return false;
  }

  void closeInput() {
    if (!inClosed_) in_.close(Poco::Pipe::CLOSE_WRITE);
    inClosed_ = true;
  }
  /// Closes stdin, waits for the exit and returns its code (128 + signal when killed).
  int finish() {
    closeInput();
    if (!exitCode_) {
      int status = 0;
      ::waitpid(handle_.id(), &status, 0);
      exitCode_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }
    return *exitCode_;
  }

 private:
  Poco::Pipe in_;
  Poco::Pipe outPipe_;
  Poco::Pipe errPipe_;
  Poco::ProcessHandle handle_;
  bool inClosed_ = false;
  std::optional<int> exitCode_;
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<std::string> lines_;
  bool outClosed_ = false;
  std::string errors_;
  std::thread outReader_;
  std::thread errReader_;
};

}  // namespace devkit::testing
