// Agent turn benchmark (issue 5):
//   1. the Claude Code CLI alone: spawn -> its first request to the (mock) Messages API, cold;
//   2. through the host: POST /api/agent/invoke -> the mock's first request, for a cold turn (a new
//      conversation: the CLI is spawned) and a warm turn (the conversation's CLI is running);
//   3. SSE relay throughput: events/s one reader receives from a scripted agent backend that
//      writes 100,000 events as fast as it can (no CLI, so the host's own relay is measured).
// The mock is the tests' scripted Anthropic API (tests/support); nothing leaves 127.0.0.1.
//
//   build/bin/agent_bench [rounds]
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "../tests/api/sse_client.hpp"
#include "../tests/integration/test_support.hpp"
#include "logging/logging.hpp"
#include "mock_anthropic.hpp"

extern char** environ;

namespace {

using devkit::testing::MockAnthropic;
using devkit::testing::SseStream;
using devkit::testing::TempDir;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

double ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

/// The CLI alone, spawned the way agent-claude spawns it: time to its first API request.
double cliColdStart(MockAnthropic& mock, const TempDir& dir, int round) {
  const std::string home = (dir.path() / ("cli-home-" + std::to_string(round))).string();
  std::filesystem::create_directories(home);
  const std::vector<std::string> args = {DEVKIT_CLAUDE_CLI,
                                         "--output-format",
                                         "stream-json",
                                         "--verbose",
                                         "--input-format",
                                         "stream-json",
                                         "--include-partial-messages",
                                         "--strict-mcp-config",
                                         "--setting-sources=project",
                                         "--permission-mode",
                                         "acceptEdits"};
  const std::vector<std::string> env = {
      "PATH=/usr/local/bin:/usr/bin:/bin", "HOME=" + home,
      "CLAUDE_CONFIG_DIR=" + home,         "ANTHROPIC_BASE_URL=" + mock.baseUrl(),
      "ANTHROPIC_API_KEY=bench",           "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1",
      "CLAUDE_CODE_ENTRYPOINT=sdk-devkit", "CLAUDE_CODE_MAX_RETRIES=0"};
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  std::vector<char*> envp;
  for (const auto& e : env) envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);
  int in[2];
  int out[2];
  if (pipe2(in, O_CLOEXEC) != 0 || pipe2(out, O_CLOEXEC) != 0) return -1;
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, in[0], 0);
  posix_spawn_file_actions_adddup2(&actions, out[1], 1);
  posix_spawn_file_actions_addchdir_np(&actions, home.c_str());
  const size_t before = mock.mainRequests().size();
  const auto started = Clock::now();
  pid_t pid = 0;
  if (posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), envp.data()) != 0) return -1;
  posix_spawn_file_actions_destroy(&actions);
  close(in[0]);
  close(out[1]);
  const std::string line =
      R"({"type":"user","session_id":"","message":{"role":"user","content":"hi"},)"
      R"("parent_tool_use_id":null})"
      "\n";
  if (write(in[1], line.data(), line.size()) < 0) return -1;
  mock.waitForRequests(before + 1, std::chrono::seconds(60));
  const auto requests = mock.mainRequests();
  const double took = requests.size() > before ? ms(requests.back().time - started) : -1;
  close(in[1]);  // EOF: the CLI finishes the turn and exits
  char buffer[4096];
  while (read(out[0], buffer, sizeof buffer) > 0) {
  }
  close(out[0]);
  waitpid(pid, nullptr, 0);
  return took;
}

}  // namespace

int main(int argc, char** argv) {
  const int rounds = argc > 1 ? std::max(1, std::atoi(argv[1])) : 5;
  devkit::logging::setup("warn", devkit::logging::Format::kText);
  MockAnthropic mock(json{{"responses", json::array()}, {"default_text", "ok"}});
  TempDir dir;

  std::vector<double> cli;
  for (int i = 0; i < rounds; ++i) cli.push_back(cliColdStart(mock, dir, i));

  const std::string pluginDir = devkit::testing::copyBuiltPlugins(dir);
  std::filesystem::copy_file(std::filesystem::path(DEVKIT_TEST_PLUGIN_DIR) / "fixture-agent.so",
                             std::filesystem::path(pluginDir) / "fixture-agent.so");
  const std::string ini = devkit::testing::hostIni(
      dir,
      "[plugin.storage-local]\nenabled = yes\n[plugin.agent-claude]\nenabled = yes\n"
      "claude_path = " DEVKIT_CLAUDE_CLI "\nllm = " +
          mock.baseUrl() + "\napi_max_retries = 0\n[auth]\nmode = dev\n",
      pluginDir);
  std::vector<double> cold;
  std::vector<double> warm;
  {
    devkit::app::Host host(devkit::testing::loadIni(
        dir, ini, {"DEVKIT__PLUGIN__AGENT_CLAUDE__ANTHROPIC_API_KEY=bench"}));
    host.start();
    const int port = host.port();
    const json project = devkit::testing::fetch(port, "POST", "/api/projects",
                                                json{{"name", "bench"}}.dump(), "application/json")
                             .json();
    auto timed = [&](const json& body) {
      const size_t before = mock.mainRequests().size();
      const auto started = Clock::now();
      SseStream stream(port, "POST", "/api/agent/invoke", body, {});
      stream.drain();
      const auto requests = mock.mainRequests();
      return std::make_pair(requests.size() > before ? ms(requests[before].time - started) : -1.0,
                            stream.header("X-Conversation-Id"));
    };
    for (int i = 0; i < rounds; ++i) {
      const auto [coldMs, conversation] =
          timed({{"project_id", project["id"]}, {"message", "hello"}});
      cold.push_back(coldMs);
      warm.push_back(timed({{"project_id", project["id"]},
                            {"conversation_id", conversation},
                            {"message", "again"}})
                         .first);
    }
    host.stop();
  }

  double eventsPerSecond = 0;
  const long burst = 100000;
  {
    TempDir relayDir;
    const std::string relayPlugins = devkit::testing::copyBuiltPlugins(relayDir);
    std::filesystem::copy_file(std::filesystem::path(DEVKIT_TEST_PLUGIN_DIR) / "fixture-agent.so",
                               std::filesystem::path(relayPlugins) / "fixture-agent.so");
    devkit::app::Host host(devkit::testing::loadIni(
        relayDir,
        devkit::testing::hostIni(relayDir,
                                 "[plugin.storage-local]\nenabled = yes\n"
                                 "[plugin.fixture-agent]\nenabled = yes\n[auth]\nmode = dev\n",
                                 relayPlugins)));
    host.start();
    const json project = devkit::testing::fetch(host.port(), "POST", "/api/projects",
                                                json{{"name", "relay"}}.dump(), "application/json")
                             .json();
    SseStream stream(host.port(), "POST", "/api/agent/invoke",
                     {{"project_id", project["id"]}, {"message", "burst " + std::to_string(burst)}},
                     {});
    const auto first = stream.next();
    const auto started = Clock::now();
    stream.drain();
    const double seconds = std::chrono::duration<double>(Clock::now() - started).count();
    eventsPerSecond = static_cast<double>(stream.events().size() - 1) / seconds;
    host.stop();
  }

  std::printf("rounds: %d\n", rounds);
  std::printf("CLI alone, spawn -> first API request (cold):   median %.0f ms (", median(cli));
  for (double v : cli) std::printf(" %.0f", v);
  std::printf(" )\n");
  std::printf("host, invoke -> first API request, cold turn:    median %.0f ms (", median(cold));
  for (double v : cold) std::printf(" %.0f", v);
  std::printf(" )\n");
  std::printf("host, invoke -> first API request, warm turn:    median %.0f ms (", median(warm));
  for (double v : warm) std::printf(" %.0f", v);
  std::printf(" )\n");
  std::printf("host-added on a cold turn (cold - CLI alone):    %.0f ms\n",
              median(cold) - median(cli));
  std::printf("SSE relay, one reader, %ld events:             %.0f events/s\n", burst,
              eventsPerSecond);
  return 0;
}
