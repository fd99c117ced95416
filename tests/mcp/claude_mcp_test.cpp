// The real Claude Code CLI calling the host's /mcp: a scripted model answer asks for an
// mcp__databricks__ tool, the CLI calls /mcp with the run's token, the tool provider
// (fixture-tools, the example hello-tools, mcp-databricks) answers, and the tool's result comes
// back to the model in the next request. Label "agent" (it runs the real CLI).
#include <filesystem>

#include "../api/api_support.hpp"
#include "../api/sse_client.hpp"
#include "../databricks/fake_databricks.hpp"
#include "mock_anthropic.hpp"

namespace devkit::testing {
namespace {

using nlohmann::json;

class ClaudeMcp : public ApiTest {
 protected:
  /// Starts the host with agent-claude on the mock and `tools` (the tool providers' INI sections).
  void startWith(const std::string& tools, const std::string& authIni = "",
                 std::vector<std::string> env = {}) {
    env.push_back("DEVKIT__PLUGIN__AGENT_CLAUDE__ANTHROPIC_API_KEY=test-key-not-secret");
    startHost("[plugin.agent-claude]\nenabled = yes\nclaude_path = " DEVKIT_CLAUDE_CLI "\nllm = " +
                  mock_.baseUrl() + "\napi_max_retries = 0\n" + tools,
              authIni, std::move(env));
  }

  /// The model asks for `tool` with `input`, then ends the turn once it has the result.
  void scriptToolUse(const std::string& tool, json input) {
    mock_.push({{"content", json::array({{{"type", "tool_use"},
                                          {"name", "mcp__databricks__" + tool},
                                          {"input", std::move(input)}}})},
                {"stop_reason", "tool_use"}});
    mock_.push({{"when", {{"last_is_tool_result", true}}},
                {"content", json::array({{{"type", "text"}, {"text", "Done."}}})},
                {"stop_reason", "end_turn"}});
  }

  /// Runs one agent turn to its end and returns its tool_result event (null when there was none);
  /// `runId_` is the run's id.
  json runTurn(const std::string& message, std::map<std::string, std::string> headers = {}) {
    if (!headers.count("X-Forwarded-Email")) headers["X-Forwarded-Email"] = kAlice;
    const json project = createProject("Orders");
    SseStream stream(port_, "POST", "/api/agent/invoke",
                     {{"project_id", project["id"]}, {"message", message}}, headers);
    EXPECT_EQ(stream.status(), 200);
    stream.drain();
    runId_ = stream.header("X-Run-Id");
    const auto& events = stream.events();
    if (events.empty()) return nullptr;
    EXPECT_EQ(events.back().data["status"], "completed") << events.back().data.dump();
    json result;
    for (const auto& e : events) {
      if (e.type == "tool_result") result = e.data;
    }
    EXPECT_FALSE(result.is_object() && result.value("is_error", true)) << result.dump();
    return result;
  }

  /// Whether a model request carried a tool_result holding `text`.
  bool modelSawToolResult(const std::string& text) const {
    for (const auto& request : mock_.mainRequests()) {
      for (const json& block : request.lastToolResults()) {
        if (block.dump().find(text) != std::string::npos) return true;
      }
    }
    return false;
  }

  MockAnthropic mock_;  // outlives the host (TearDown), whose warm CLI still points at it
  std::string runId_;
};

TEST_F(ClaudeMcp, TheAgentCallsAFixtureToolThroughMcp) {
  startWith("[plugin.fixture-tools]\nenabled = yes\n");
  scriptToolUse("echo", {{"text", "ping from the model"}});
  const json result = runTurn("Echo something");
  ASSERT_TRUE(result.is_object()) << "no tool_result event";
  // The CLI hands the model structuredContent when there is one: fixture-tools' echo puts the
  // call's context there, so this shows the call acted for this run and user.
  ASSERT_FALSE(runId_.empty());
  EXPECT_NE(result.dump().find(runId_), std::string::npos) << result.dump();
  EXPECT_NE(result.dump().find(kAlice), std::string::npos) << result.dump();
  EXPECT_TRUE(modelSawToolResult(runId_)) << "the mock never saw the tool's result";
}

// A third-party plugin built with the SDK alone (sdk/examples/hello-tools) serves the agent like
// the bundled ones: its own INI section configures it, and its answer reaches the model.
TEST_F(ClaudeMcp, TheAgentCallsTheHelloToolsExampleThroughMcp) {
  startWith("[plugin.hello-tools]\nenabled = yes\ngreeting = Bonjour\n");
  scriptToolUse("hello", {{"name", "Ada"}});
  const json result = runTurn("Greet Ada");
  ASSERT_TRUE(result.is_object()) << "no tool_result event";
  // Only hello-tools, configured as above, answers this.
  EXPECT_NE(result.dump().find("Bonjour, Ada!"), std::string::npos) << result.dump();
  EXPECT_TRUE(modelSawToolResult("Bonjour, Ada!")) << "the mock never saw the tool's result";
}

// The whole path of a Databricks tool: the model (mock) asks for execute_sql, the real CLI calls
// /mcp, mcp-databricks runs the statement on the fake workspace (a real one is out of reach) with
// the signed-in user's own token (X-Forwarded-Access-Token), not the app's service principal, and
// the rows come back to the model.
TEST_F(ClaudeMcp, TheAgentRunsSqlOnTheWorkspaceAsTheSignedInUser) {
  auto& fake = devkit::databricks::testing::FakeDatabricks::shared();
  fake.reset();
  fake.scriptSql(
      {{"match", "FROM main\\.sales\\.region_totals"},
       {"columns", json::array({{{"name", "region"}, {"type_name", "STRING"}},
                                {{"name", "total"}, {"type_name", "BIGINT"}}})},
       {"rows", json::array({json::array({"EMEA", "42"}), json::array({"AMER", "17"})})}});
  scriptToolUse("execute_sql", {{"query", "SELECT region, total FROM main.sales.region_totals"}});
  startWith("[plugin.mcp-databricks]\nenabled = yes\nwarehouse_id = wh-shared\n",
            "[auth]\nmode = databricks-apps\nworkspace_url = " + fake.url() + "\n",
            {"DEVKIT__PLUGIN__MCP_DATABRICKS__HOST=" + fake.url(),
             "DEVKIT__PLUGIN__MCP_DATABRICKS__CLIENT_ID=sp-client",
             "DEVKIT__PLUGIN__MCP_DATABRICKS__CLIENT_SECRET=sp-secret"});
  const json result =
      runTurn("Which region sells most?", {{"X-Forwarded-Access-Token", "dapi-alice"}});
  ASSERT_TRUE(result.is_object()) << "no tool_result event";
  EXPECT_NE(result.dump().find("EMEA"), std::string::npos) << result.dump();

  // The statement ran on the configured warehouse with the user's token, not the app's.
  json statement;
  for (const auto& c : fake.calls()) {
    if (c["method"] == "POST" && c["path"] == "/api/2.0/sql/statements") statement = c;
  }
  ASSERT_TRUE(statement.is_object()) << fake.calls().dump();
  EXPECT_EQ(statement["token"], "dapi-alice");
  EXPECT_EQ(statement["body"]["warehouse_id"], "wh-shared");
  EXPECT_TRUE(modelSawToolResult("EMEA")) << "the model never saw the rows";
}

}  // namespace
}  // namespace devkit::testing
