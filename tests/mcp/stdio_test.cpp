// `devkit mcp --stdio` as a client starts it: newline-delimited JSON-RPC on stdin/stdout, logs on
// stderr only, the configured tool providers, the dev user as the caller.
#include <gtest/gtest.h>

#include <filesystem>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <Poco/Pipe.h>
#include <Poco/PipeStream.h>
#include <Poco/Process.h>
#include <nlohmann/json.hpp>

#include "../integration/test_support.hpp"

namespace devkit::testing {
namespace {

using nlohmann::json;

struct StdioRun {
  int exitCode = -1;
  std::vector<std::string> lines;  // stdout
  std::string errors;              // stderr
};

StdioRun runStdio(const std::vector<std::string>& args, const std::string& input) {
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
  for (std::string line; std::getline(in, line);) run.lines.push_back(line);
  errReader.join();
  run.exitCode = handle.wait();
  return run;
}

class McpStdio : public ::testing::Test {
 protected:
  std::string config(const std::string& extra) {
    const std::string pluginDir = copyBuiltPlugins(dir_);
    for (const char* fixture : {"fixture-tools.so", "fixture-tools-clash.so"}) {
      std::filesystem::copy_file(std::filesystem::path(DEVKIT_TEST_PLUGIN_DIR) / fixture,
                                 std::filesystem::path(pluginDir) / fixture,
                                 std::filesystem::copy_options::skip_existing);
    }
    return dir_.write("devkit.ini",
                      hostIni(dir_,
                              "[logging]\nlevel = info\n[auth]\ndev_user_email = dana@example.com\n"
                              "[plugin.fixture-tools]\nenabled = yes\n[plugin.hello-tools]\n"
                              "enabled = yes\n" +
                                  extra,
                              pluginDir));
  }
  TempDir dir_;
};

std::string line(const json& message) { return message.dump() + "\n"; }

TEST_F(McpStdio, ServesTheToolsOnStdoutAndLogsOnStderr) {
  const std::string file = config("");
  std::string input;
  input +=
      line({{"jsonrpc", "2.0"},
            {"id", 1},
            {"method", "initialize"},
            {"params", {{"protocolVersion", "2025-06-18"}, {"capabilities", json::object()}}}});
  input += line({{"jsonrpc", "2.0"}, {"method", "notifications/initialized"}});
  input += line({{"jsonrpc", "2.0"}, {"id", 2}, {"method", "tools/list"}});
  input += line({{"jsonrpc", "2.0"},
                 {"id", 3},
                 {"method", "tools/call"},
                 {"params", {{"name", "echo"}, {"arguments", {{"text", "a\nb"}}}}}});
  input += line({{"jsonrpc", "2.0"},
                 {"id", 4},
                 {"method", "tools/call"},
                 {"params", {{"name", "hello"}, {"arguments", {{"name", "Ada"}}}}}});
  input += "not json\n";
  const StdioRun run = runStdio({"mcp", "--stdio", "--config", file}, input);
  EXPECT_EQ(run.exitCode, 0) << run.errors;
  std::map<int, json> byId;
  for (const std::string& text : run.lines) {
    const json message = json::parse(text, nullptr, false);
    ASSERT_FALSE(message.is_discarded()) << "stdout carries only MCP messages: " << text;
    byId[message["id"].is_null() ? -1 : message["id"].get<int>()] = message;
  }
  EXPECT_EQ(byId[1]["result"]["protocolVersion"], "2025-06-18");
  EXPECT_EQ(byId[2]["result"]["tools"].size(), 10u);
  EXPECT_EQ(byId[3]["result"]["content"][0]["text"], "a\nb");
  EXPECT_EQ(byId[3]["result"]["structuredContent"]["user"]["email"], "dana@example.com");
  EXPECT_EQ(byId[4]["result"]["content"][0]["text"], "Hello, Ada!");
  EXPECT_EQ(byId[-1]["error"]["code"], -32700);
  EXPECT_NE(run.errors.find("serving 10 tools"), std::string::npos) << run.errors;
}

TEST_F(McpStdio, ACancelledCallStopsAndGetsNoResponse) {
  const std::string file = config("");
  std::string input;
  input += line(
      {{"jsonrpc", "2.0"}, {"id", 1}, {"method", "tools/call"}, {"params", {{"name", "slow"}}}});
  input += line({{"jsonrpc", "2.0"},
                 {"method", "notifications/cancelled"},
                 {"params", {{"requestId", 1}, {"reason", "test"}}}});
  input += line({{"jsonrpc", "2.0"}, {"id", 2}, {"method", "ping"}});
  const auto started = std::chrono::steady_clock::now();
  const StdioRun run = runStdio({"mcp", "--stdio", "--config", file}, input);
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(15));
  EXPECT_EQ(run.exitCode, 0) << run.errors;
  ASSERT_EQ(run.lines.size(), 1u) << run.errors;
  EXPECT_EQ(json::parse(run.lines[0])["id"], 2);
  EXPECT_NE(run.errors.find("cancelled"), std::string::npos) << run.errors;
}

TEST_F(McpStdio, ANameClashExits78NamingBothPlugins) {
  const std::string file = config("[plugin.fixture-tools-clash]\nenabled = yes\n");
  const StdioRun run = runStdio({"mcp", "--stdio", "--config", file}, "");
  EXPECT_EQ(run.exitCode, 78);
  EXPECT_TRUE(run.lines.empty());
  EXPECT_NE(run.errors.find("fixture-tools and fixture-tools-clash"), std::string::npos)
      << run.errors;
}

TEST_F(McpStdio, StdioWithoutTheMcpCommandIsAUsageError) {
  const std::string file = config("");
  EXPECT_EQ(runStdio({"--stdio", "--config", file}, "").exitCode, 64);
  EXPECT_EQ(runStdio({"mcp", "--config", file}, "").exitCode, 64);
}

}  // namespace
}  // namespace devkit::testing
