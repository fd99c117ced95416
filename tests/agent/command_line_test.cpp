// The CLI's argv and environment: the flags the issue names, the "=" form for request values, no
// secret in argv, and an environment built from scratch.
#include "command_line.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <nlohmann/json.hpp>

namespace devkit::agent_claude {
namespace {

using nlohmann::json;

bool has(const std::vector<std::string>& v, const std::string& item) {
  return std::find(v.begin(), v.end(), item) != v.end();
}
// The value of "--flag=value", or of "--flag value".
std::string flagValue(const std::vector<std::string>& argv, const std::string& flag) {
  for (size_t i = 0; i < argv.size(); ++i) {
    if (argv[i].starts_with(flag + "=")) return argv[i].substr(flag.size() + 1);
    if (argv[i] == flag && i + 1 < argv.size()) return argv[i + 1];
  }
  return "<absent>";
}
std::string envValue(const std::vector<std::string>& env, const std::string& name) {
  for (const auto& e : env) {
    if (e.starts_with(name + "=")) return e.substr(name.size() + 1);
  }
  return "<absent>";
}

class CommandLineTest : public ::testing::Test {
 protected:
  CommandLineTest() {
    hostEnv_.values = {{"PATH", "/usr/bin:/bin"},
                       {"DATABRICKS_HOST", "https://adb-1.azuredatabricks.net"},
                       {"DATABRICKS_TOKEN", "dapi-host-secret"},
                       {"ANTHROPIC_API_KEY", "sk-host-key"}};
    request_.runId = "run-1";
    request_.conversationId = "conv-1";
    request_.projectDir = "/data/projects/p1";
    request_.stateDir = "/data/state/p1";
    request_.message = "hi";
    request_.systemPrompt = "-You are the Databricks agent.";
    request_.allowedTools = {"mcp__databricks"};
    request_.mcp = McpEndpoint{"databricks", "http://127.0.0.1:8000/mcp", "mcp-run-token-123"};
    request_.databricksToken = "dapi-user-secret";
    request_.workspaceUrl = "adb-2.azuredatabricks.net";
  }
  LaunchSpec build(const std::string& resume = "") {
    route_ = resolveLlmRoute(config_, hostEnv_, request_.workspaceUrl, request_.databricksToken);
    return buildLaunchSpec(config_, hostEnv_, request_, route_, "/opt/claude/bin/claude", resume);
  }

  Config config_;
  HostEnvironment hostEnv_;
  TurnRequest request_;
  LlmRoute route_;
};

TEST_F(CommandLineTest, SpeaksStreamJsonBothWays) {
  const LaunchSpec spec = build();
  ASSERT_GE(spec.argv.size(), 7u);
  EXPECT_EQ(spec.argv[0], "/opt/claude/bin/claude");
  EXPECT_EQ(spec.executable, "/opt/claude/bin/claude");
  EXPECT_EQ(flagValue(spec.argv, "--output-format"), "stream-json");
  EXPECT_EQ(flagValue(spec.argv, "--input-format"), "stream-json");
  EXPECT_TRUE(has(spec.argv, "--verbose"));
  EXPECT_TRUE(has(spec.argv, "--include-partial-messages"));
  EXPECT_TRUE(has(spec.argv, "--strict-mcp-config"));
  EXPECT_TRUE(has(spec.argv, "--setting-sources=project"));
  EXPECT_EQ(spec.cwd, "/data/projects/p1");
}

TEST_F(CommandLineTest, RequestValuesUseTheEqualsForm) {
  const LaunchSpec spec = build("0b8f8a52-1f5c-4f43-9d0e-6a2f4bfb5d10");
  EXPECT_TRUE(has(spec.argv, "--resume=0b8f8a52-1f5c-4f43-9d0e-6a2f4bfb5d10"));
  EXPECT_FALSE(has(spec.argv, "--resume"));
  // A prompt starting with '-' must stay the prompt.
  EXPECT_TRUE(has(spec.argv, "--system-prompt=-You are the Databricks agent."));
  EXPECT_TRUE(has(spec.argv, "--model=databricks-claude-sonnet-4-5"));
  EXPECT_EQ(flagValue(build().argv, "--resume"), "<absent>");
}

TEST_F(CommandLineTest, ToolsAreTheBuiltinsAndBashOnlyWhenAllowed) {
  EXPECT_EQ(flagValue(build().argv, "--tools"), "Read,Write,Edit,Glob,Grep,TodoWrite,Skill");
  config_.allowBash = true;
  EXPECT_EQ(flagValue(build().argv, "--tools"), "Read,Write,Edit,Glob,Grep,TodoWrite,Skill,Bash");
}

TEST_F(CommandLineTest, McpConfigNamesTheHostEndpointButNotTheToken) {
  const LaunchSpec spec = build();
  const json mcp = json::parse(flagValue(spec.argv, "--mcp-config"));
  const json& server = mcp["mcpServers"]["databricks"];
  EXPECT_EQ(server["type"], "http");
  EXPECT_EQ(server["url"], "http://127.0.0.1:8000/mcp");
  EXPECT_EQ(server["headers"]["Authorization"], "Bearer ${DEVKIT_MCP_TOKEN}");
  EXPECT_EQ(envValue(spec.env, "DEVKIT_MCP_TOKEN"), "mcp-run-token-123");

  const json helper = json::parse(mcpConfigJson(*request_.mcp, McpTokenMode::kHeadersHelper));
  EXPECT_FALSE(helper["mcpServers"]["databricks"].contains("headers"));
  EXPECT_NE(helper["mcpServers"]["databricks"]["headersHelper"].get<std::string>().find(
                "$DEVKIT_MCP_TOKEN"),
            std::string::npos);
}

TEST_F(CommandLineTest, NoSecretEverReachesArgv) {
  config_.anthropicApiKey = "sk-config-key";
  for (const char* llm : {"auto", "databricks", "anthropic", "https://gw.example.com"}) {
    config_.llm = llm;
    const LaunchSpec spec = build("sid");
    for (const auto& arg : spec.argv) {
      for (const char* secret : {"mcp-run-token-123", "dapi-user-secret", "dapi-host-secret",
                                 "sk-config-key", "sk-host-key"}) {
        EXPECT_EQ(arg.find(secret), std::string::npos) << llm << ": " << arg;
      }
    }
  }
}

TEST_F(CommandLineTest, TheEnvironmentIsBuiltFromScratch) {
  const LaunchSpec spec = build();
  EXPECT_EQ(envValue(spec.env, "PATH"), "/usr/bin:/bin");
  EXPECT_EQ(envValue(spec.env, "HOME"), "/data/state/p1");
  EXPECT_EQ(envValue(spec.env, "CLAUDE_CONFIG_DIR"), "/data/state/p1/claude");
  EXPECT_EQ(envValue(spec.env, "LANG"), "C.UTF-8");
  EXPECT_EQ(envValue(spec.env, "TMPDIR"), "/tmp");
  EXPECT_EQ(envValue(spec.env, "CLAUDE_CODE_ENTRYPOINT"), "sdk-devkit");
  EXPECT_EQ(envValue(spec.env, "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC"), "1");
  EXPECT_EQ(envValue(spec.env, "DISABLE_AUTOUPDATER"), "1");
  EXPECT_EQ(envValue(spec.env, "CLAUDE_CODE_MAX_RETRIES"), "3");
  EXPECT_EQ(envValue(spec.env, "CLAUDE_CODE_ENABLE_TASKS"), "0");
  for (const char* absent : {"DATABRICKS_TOKEN", "DATABRICKS_HOST", "NODE_OPTIONS",
                             "DATABRICKS_CLIENT_SECRET", "IS_SANDBOX", "ANTHROPIC_API_KEY"}) {
    EXPECT_EQ(envValue(spec.env, absent), "<absent>") << absent;
  }
  for (const auto& e : spec.env) {
    EXPECT_EQ(e.find("dapi-host-secret"), std::string::npos) << "the host's own token leaked";
  }
  config_.apiMaxRetries = 0;
  config_.isSandbox = true;
  const LaunchSpec sandboxed = build();
  EXPECT_EQ(envValue(sandboxed.env, "CLAUDE_CODE_MAX_RETRIES"), "0");
  EXPECT_EQ(envValue(sandboxed.env, "IS_SANDBOX"), "1");
}

TEST_F(CommandLineTest, DatabricksRoutingSetsTheServingEndpoint) {
  const LaunchSpec spec = build();
  EXPECT_EQ(envValue(spec.env, "ANTHROPIC_BASE_URL"),
            "https://adb-2.azuredatabricks.net/serving-endpoints/anthropic");
  EXPECT_EQ(envValue(spec.env, "ANTHROPIC_AUTH_TOKEN"), "dapi-user-secret");
  EXPECT_EQ(envValue(spec.env, "ANTHROPIC_CUSTOM_HEADERS"),
            "x-databricks-use-coding-agent-mode: true");
  EXPECT_EQ(envValue(spec.env, "CLAUDE_CODE_DISABLE_EXPERIMENTAL_BETAS"), "1");
  EXPECT_EQ(envValue(spec.env, "ANTHROPIC_MODEL"), "databricks-claude-sonnet-4-5");
}

TEST_F(CommandLineTest, PermissionModes) {
  LaunchSpec spec = build();
  EXPECT_EQ(flagValue(spec.argv, "--permission-mode"), "acceptEdits");
  EXPECT_EQ(flagValue(spec.argv, "--permission-prompt-tool"), "<absent>");
  EXPECT_EQ(flagValue(spec.argv, "--allowedTools"), "mcp__databricks");

  config_.permissionMode = "ask";
  spec = build();
  EXPECT_EQ(flagValue(spec.argv, "--permission-mode"), "default");
  EXPECT_EQ(flagValue(spec.argv, "--permission-prompt-tool"), "stdio");
  EXPECT_EQ(flagValue(spec.argv, "--allowedTools"), "<absent>") << "ask mode asks for everything";

  // Without the host's rule, the MCP server's tools are still pre-approved in non-ask modes.
  config_.permissionMode = "plan";
  request_.allowedTools = {"Read"};
  spec = build();
  EXPECT_EQ(flagValue(spec.argv, "--permission-mode"), "plan");
  EXPECT_EQ(flagValue(spec.argv, "--allowedTools"), "Read,mcp__databricks");
}

TEST_F(CommandLineTest, NoMcpMeansNoMcpConfigButStillStrict) {
  request_.mcp.reset();
  request_.allowedTools.clear();
  const LaunchSpec spec = build();
  EXPECT_EQ(flagValue(spec.argv, "--mcp-config"), "<absent>");
  EXPECT_EQ(flagValue(spec.argv, "--allowedTools"), "<absent>");
  EXPECT_TRUE(has(spec.argv, "--strict-mcp-config"));
  EXPECT_EQ(envValue(spec.env, "DEVKIT_MCP_TOKEN"), "<absent>");
}

TEST_F(CommandLineTest, TheFingerprintTracksWhatStartsTheProcess) {
  const std::string base = sessionFingerprint(build());
  EXPECT_EQ(base, sessionFingerprint(build()));
  request_.message = "another message";  // the message is not part of the process
  EXPECT_EQ(base, sessionFingerprint(build()));
  request_.systemPrompt = "changed";
  EXPECT_NE(base, sessionFingerprint(build()));
  request_.systemPrompt = "-You are the Databricks agent.";
  request_.mcp->token = "rotated";
  EXPECT_NE(base, sessionFingerprint(build()));
  request_.mcp->token = "mcp-run-token-123";
  request_.model = "databricks-claude-opus-4-6";
  EXPECT_NE(base, sessionFingerprint(build()));
  request_.model.clear();
  request_.databricksToken = "another-user-token";
  EXPECT_NE(base, sessionFingerprint(build()));
}

TEST(UserMessageLine, IsOneStreamJsonUserLine) {
  const std::string line = userMessageLine("line one\nline two \"quoted\"");
  EXPECT_EQ(line.find('\n'), std::string::npos);
  const json j = json::parse(line);
  EXPECT_EQ(j["type"], "user");
  EXPECT_EQ(j["message"]["role"], "user");
  EXPECT_EQ(j["message"]["content"], "line one\nline two \"quoted\"");
  EXPECT_TRUE(j["parent_tool_use_id"].is_null());
}

}  // namespace
}  // namespace devkit::agent_claude
