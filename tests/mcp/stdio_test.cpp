// `devkit mcp --stdio` as a client starts it: newline-delimited JSON-RPC on stdin/stdout, logs on
// stderr only, the configured tool providers, the dev user as the caller.
#include <gtest/gtest.h>

#include <string>

#include <nlohmann/json.hpp>

#include "mcp_test_support.hpp"

namespace devkit::testing {
namespace {

using nlohmann::json;

class McpStdio : public ::testing::Test {
 protected:
  std::string config(const std::string& extra) { return stdioConfig(dir_, extra); }
  TempDir dir_;
};

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
  // fixture-tools (9), hello-tools (2) and the host's check_operation_status.
  EXPECT_EQ(byId[2]["result"]["tools"].size(), 12u);
  EXPECT_EQ(byId[3]["result"]["content"][0]["text"], "a\nb");
  EXPECT_EQ(byId[3]["result"]["structuredContent"]["user"]["email"], "dana@example.com");
  EXPECT_EQ(byId[4]["result"]["content"][0]["text"], "Hello, Ada!");
  EXPECT_EQ(byId[-1]["error"]["code"], -32700);
  EXPECT_NE(run.errors.find("serving 12 tools"), std::string::npos) << run.errors;
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
