// The devkit executable as an operator runs it: exit 78 with one line for bad configuration and
// broken plugins, serving /healthz, loading hello-tools from the INI, and SIGTERM.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <regex>
#include <thread>

#include <Poco/Pipe.h>
#include <Poco/PipeStream.h>
#include <Poco/Process.h>

#include "test_support.hpp"

namespace devkit::testing {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

/// The real devkit binary as a child process, its stderr collected line by line.
class DevkitProcess {
 public:
  DevkitProcess(const std::vector<std::string>& args, const std::string& cwd,
                const Poco::Process::Env& env = {}) {
    Poco::Pipe outPipe;
    Poco::Pipe errPipe;
    Poco::ProcessHandle handle =
        Poco::Process::launch(DEVKIT_BINARY, args, cwd, nullptr, &outPipe, &errPipe, env);
    pid_ = handle.id();
    reader_ = std::thread([this, errPipe]() mutable {
      Poco::PipeInputStream in(errPipe);
      std::string line;
      while (std::getline(in, line)) {
        std::lock_guard lock(mutex_);
        lines_.push_back(line);
        cv_.notify_all();
      }
    });
    outReader_ = std::thread([this, outPipe]() mutable {
      Poco::PipeInputStream in(outPipe);
      std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      std::lock_guard lock(mutex_);
      stdout_ = all;
    });
  }
  ~DevkitProcess() {
    if (!exited_) {
      ::kill(pid_, SIGKILL);
      waitExit(10s);
    }
    if (reader_.joinable()) reader_.join();
    if (outReader_.joinable()) outReader_.join();
  }

  /// Waits for the process to end; returns its exit code (or -1 on timeout / signal).
  int waitExit(std::chrono::milliseconds timeout) {
    const auto until = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < until) {
      int status = 0;
      const pid_t r = ::waitpid(pid_, &status, WNOHANG);
      if (r == pid_) {
        exited_ = true;
        if (reader_.joinable()) reader_.join();
        if (outReader_.joinable()) outReader_.join();
        return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
      }
      std::this_thread::sleep_for(20ms);
    }
    return -1;
  }

  /// Waits for a stderr line matching `pattern`; returns the first capture group ("" on timeout).
  std::string waitForLine(const std::regex& pattern, std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    std::string captured;
    cv_.wait_for(lock, timeout, [&] {
      for (const auto& l : lines_) {
        std::smatch m;
        if (std::regex_search(l, m, pattern)) {
          captured = m.size() > 1 ? m[1].str() : m[0].str();
          return true;
        }
      }
      return false;
    });
    return captured;
  }

  std::vector<std::string> lines() {
    std::lock_guard lock(mutex_);
    return lines_;
  }
  std::string out() {
    std::lock_guard lock(mutex_);
    return stdout_;
  }
  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = 0;
  bool exited_ = false;
  std::thread reader_;
  std::thread outReader_;
  std::mutex mutex_;
  std::condition_variable cv_;
  std::vector<std::string> lines_;
  std::string stdout_;
};

class ProcessTest : public ::testing::Test {
 protected:
  std::string writeIni(const std::string& extra,
                       const std::string& pluginDir = DEVKIT_PLUGIN_OUTPUT_DIR) {
    // The operator's default log level: "one line" failures are judged at info.
    std::string ini = hostIni(dir_, extra, pluginDir);
    ini.replace(ini.find("level = warn"), 12, "level = info");
    return dir_.write("devkit.ini", ini);
  }
  // Runs devkit expecting a startup failure; returns its stderr lines after checking exit 78.
  std::vector<std::string> expectConfigFailure(const std::string& ini,
                                               const Poco::Process::Env& env = {}) {
    DevkitProcess p({"--config", ini}, dir_.path().string(), env);
    EXPECT_EQ(p.waitExit(20s), 78);
    return p.lines();
  }
  std::string copyPlugins() { return copyBuiltPlugins(dir_); }

  TempDir dir_;
};

TEST_F(ProcessTest, BadConfigExits78WithOneLineNamingFileAndKey) {
  const std::string ini = writeIni("[server]\nport = eighty\n");
  const auto lines = expectConfigFailure(ini);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_NE(lines[0].find(ini + ": [server] port: expected an integer, got 'eighty'"),
            std::string::npos)
      << lines[0];
}

TEST_F(ProcessTest, EnvironmentOverrideErrorsNameTheVariable) {
  const std::string ini = writeIni(kFivePlugins);
  const auto lines = expectConfigFailure(ini, {{"DEVKIT__SERVER__MAX_THREADS", "many"}});
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_NE(lines[0].find("environment variable DEVKIT__SERVER__MAX_THREADS: [server] max_threads"),
            std::string::npos)
      << lines[0];
}

TEST_F(ProcessTest, BrokenPluginAbiExits78WithOneLine) {
  const std::string ini =
      writeIni("[plugin.bad-abi-major]\nenabled = yes\n", DEVKIT_TEST_PLUGIN_DIR);
  const auto lines = expectConfigFailure(ini);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_NE(lines[0].find("plugin 'bad-abi-major'"), std::string::npos) << lines[0];
  EXPECT_NE(lines[0].find("built for plugin ABI 2.1, this host speaks ABI 1.1"), std::string::npos)
      << lines[0];
}

TEST_F(ProcessTest, DeletedPluginFileExits78WithOneLine) {
  const std::string plugins = copyPlugins();
  fs::remove(fs::path(plugins) / "storage-local.so");
  const auto lines = expectConfigFailure(writeIni(kFivePlugins, plugins));
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_NE(lines[0].find("plugin 'storage-local'"), std::string::npos) << lines[0];
  EXPECT_NE(lines[0].find("no such file"), std::string::npos) << lines[0];
}

TEST_F(ProcessTest, ServesHealthzLoadsHelloToolsAndStopsOnSigterm) {
  const std::string ini =
      writeIni(std::string(kFivePlugins) + "[plugin.hello-tools]\nenabled = yes\n");
  DevkitProcess p({"--config", ini}, dir_.path().string());
  const std::string port =
      p.waitForLine(std::regex("listening on http://127\\.0\\.0\\.1:(\\d+)"), 20s);
  ASSERT_FALSE(port.empty()) << "devkit did not start";
  const HttpResult r = fetch(std::stoi(port), "GET", "/healthz");
  ASSERT_EQ(r.status, 200);
  std::map<std::string, std::string> states;
  const nlohmann::json health = r.json();
  for (const auto& plugin : health["plugins"]) states[plugin["id"]] = plugin["state"];
  for (const char* id :
       {"storage-local", "skills", "agent-claude", "mcp-databricks", "hello-tools"}) {
    EXPECT_EQ(states[id], "loaded") << id;
  }
  ASSERT_EQ(::kill(p.pid(), SIGTERM), 0);
  EXPECT_EQ(p.waitExit(15s), 0);
  EXPECT_FALSE(p.waitForLine(std::regex("shutting down"), 1s).empty());
}

TEST_F(ProcessTest, OptionalBrokenPluginIsSkippedAndShownOnHealthz) {
  const std::string ini = writeIni(std::string(kFivePlugins) +
                                   "[plugin.missing-tools]\nenabled = yes\nrequired = no\n");
  DevkitProcess p({"--config", ini}, dir_.path().string());
  const std::string port =
      p.waitForLine(std::regex("listening on http://127\\.0\\.0\\.1:(\\d+)"), 20s);
  ASSERT_FALSE(port.empty());
  const nlohmann::json h = fetch(std::stoi(port), "GET", "/healthz").json();
  bool found = false;
  for (const auto& plugin : h["plugins"]) {
    if (plugin["id"] == "missing-tools") {
      found = true;
      EXPECT_EQ(plugin["state"], "failed");
      EXPECT_NE(plugin["error"].get<std::string>().find("no such file"), std::string::npos);
    }
  }
  EXPECT_TRUE(found);
  EXPECT_EQ(h["status"], "degraded");
  ::kill(p.pid(), SIGINT);
  EXPECT_EQ(p.waitExit(15s), 0);
}

TEST_F(ProcessTest, PortInUseIsAClearError) {
  const std::string ini = writeIni(kFivePlugins);
  DevkitProcess first({"--config", ini}, dir_.path().string());
  const std::string port =
      first.waitForLine(std::regex("listening on http://127\\.0\\.0\\.1:(\\d+)"), 20s);
  ASSERT_FALSE(port.empty());
  DevkitProcess second({"--config", ini}, dir_.path().string(), {{"DEVKIT__SERVER__PORT", port}});
  EXPECT_EQ(second.waitExit(20s), 69);  // EX_UNAVAILABLE
  EXPECT_FALSE(
      second.waitForLine(std::regex("cannot listen on 127\\.0\\.0\\.1:" + port), 1s).empty());
  ::kill(first.pid(), SIGTERM);
  EXPECT_EQ(first.waitExit(15s), 0);
}

TEST_F(ProcessTest, VersionAndCheckConfig) {
  {
    DevkitProcess p({"--version"}, dir_.path().string());
    EXPECT_EQ(p.waitExit(10s), 0);
    EXPECT_NE(p.out().find("devkit 0.1.0 (plugin ABI 1.1)"), std::string::npos) << p.out();
  }
  {
    DevkitProcess p({"--config", writeIni(kFivePlugins), "--check-config"}, dir_.path().string());
    EXPECT_EQ(p.waitExit(20s), 0);
    EXPECT_FALSE(p.waitForLine(std::regex("configuration and plugins OK"), 1s).empty());
  }
}

TEST_F(ProcessTest, ShippedIniIsValid) {
  // etc/devkit.ini as committed, with this build's plugins: what the README's run command uses.
  DevkitProcess p(
      {"--config", std::string(DEVKIT_SOURCE_DIR) + "/etc/devkit.ini", "--check-config"},
      dir_.path().string(), {{"DEVKIT__PLUGINS__DIR", DEVKIT_PLUGIN_OUTPUT_DIR}});
  EXPECT_EQ(p.waitExit(20s), 0);
  for (const auto& line : p.lines()) {
    EXPECT_EQ(line.find("error"), std::string::npos) << line;
  }
}

}  // namespace
}  // namespace devkit::testing
