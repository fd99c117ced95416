// The real Claude Code CLI calling the host's /mcp: a scripted model answer asks for
// mcp__databricks__echo, the CLI calls /mcp with the run's token, fixture-tools answers, and the
// tool's text comes back to the model in the next request. Label "agent" (it runs the real CLI).
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
  void SetUp() override {
    startHost("[plugin.agent-claude]\nenabled = yes\nclaude_path = " DEVKIT_CLAUDE_CLI "\nllm = " +
                  mock_.baseUrl() +
                  "\napi_max_retries = 0\n[plugin.fixture-tools]\nenabled = yes\n",
              "", {"DEVKIT__PLUGIN__AGENT_CLAUDE__ANTHROPIC_API_KEY=test-key-not-secret"});
    project_ = createProject("Orders");
  }

  MockAnthropic mock_;
  json project_;
};

TEST_F(ClaudeMcp, TheAgentCallsAFixtureToolThroughMcp) {
  mock_.push({{"content", json::array({{{"type", "tool_use"},
                                        {"name", "mcp__databricks__echo"},
                                        {"input", {{"text", "ping from the model"}}}}})},
              {"stop_reason", "tool_use"}});
  mock_.push({{"when", {{"last_is_tool_result", true}}},
              {"content", json::array({{{"type", "text"}, {"text", "Echoed."}}})},
              {"stop_reason", "end_turn"}});
  SseStream stream(port_, "POST", "/api/agent/invoke",
                   {{"project_id", project_["id"]}, {"message", "Echo something"}},
                   {{"X-Forwarded-Email", kAlice}});
  ASSERT_EQ(stream.status(), 200);
  stream.drain();
  const auto& events = stream.events();
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(events.back().data["status"], "completed") << events.back().data.dump();
  json result;
  for (const auto& e : events) {
    if (e.type == "tool_result") result = e.data;
  }
  ASSERT_TRUE(result.is_object()) << "no tool_result event";
  EXPECT_FALSE(result.value("is_error", true)) << result.dump();
  // The CLI hands the model structuredContent when there is one: fixture-tools' echo puts the
  // call's context there, so this shows the call acted for this run and user.
  const std::string runId = stream.header("X-Run-Id");
  ASSERT_FALSE(runId.empty());
  EXPECT_NE(result.dump().find(runId), std::string::npos) << result.dump();
  EXPECT_NE(result.dump().find(kAlice), std::string::npos) << result.dump();

  // The model's next request carries the tool's text as the tool_result.
  const auto requests = mock_.mainRequests();
  bool seen = false;
  for (const auto& r : requests) {
    if (r.rawBody.find("tool_result") != std::string::npos &&
        r.rawBody.find(runId) != std::string::npos) {
      seen = true;
    }
  }
  EXPECT_TRUE(seen) << "the mock never saw the tool's result";
}

// The whole path of a Databricks tool: the model (mock) asks for execute_sql, the real CLI calls
// /mcp, mcp-databricks runs the statement on the fake workspace (a real one is out of reach) with
// the signed-in user's own token (X-Forwarded-Access-Token), not the app's service principal, and
// the rows come back to the model.
class ClaudeMcpDatabricks : public ApiTest {
 protected:
  MockAnthropic mock;  // outlives the host (TearDown), whose warm CLI still points at it
};

TEST_F(ClaudeMcpDatabricks, TheAgentRunsSqlOnTheWorkspaceAsTheSignedInUser) {
  auto& fake = devkit::databricks::testing::FakeDatabricks::shared();
  fake.reset();
  fake.scriptSql(
      {{"match", "FROM main\\.sales\\.region_totals"},
       {"columns", json::array({{{"name", "region"}, {"type_name", "STRING"}},
                                {{"name", "total"}, {"type_name", "BIGINT"}}})},
       {"rows", json::array({json::array({"EMEA", "42"}), json::array({"AMER", "17"})})}});
  mock.push({{"content", json::array({{{"type", "tool_use"},
                                       {"name", "mcp__databricks__execute_sql"},
                                       {"input",
                                        {{"query",
                                          "SELECT region, total FROM "
                                          "main.sales.region_totals"}}}}})},
             {"stop_reason", "tool_use"}});
  mock.push({{"when", {{"last_is_tool_result", true}}},
             {"content", json::array({{{"type", "text"}, {"text", "EMEA leads."}}})},
             {"stop_reason", "end_turn"}});

  startHost("[plugin.agent-claude]\nenabled = yes\nclaude_path = " DEVKIT_CLAUDE_CLI "\nllm = " +
                mock.baseUrl() +
                "\napi_max_retries = 0\n[plugin.mcp-databricks]\nenabled = yes\n"
                "warehouse_id = wh-shared\n",
            "[auth]\nmode = databricks-apps\nworkspace_url = " + fake.url() + "\n",
            {"DEVKIT__PLUGIN__AGENT_CLAUDE__ANTHROPIC_API_KEY=test-key-not-secret",
             "DEVKIT__PLUGIN__MCP_DATABRICKS__HOST=" + fake.url(),
             "DEVKIT__PLUGIN__MCP_DATABRICKS__CLIENT_ID=sp-client",
             "DEVKIT__PLUGIN__MCP_DATABRICKS__CLIENT_SECRET=sp-secret"});
  const json project = createProject("Sales");
  SseStream stream(port_, "POST", "/api/agent/invoke",
                   {{"project_id", project["id"]}, {"message", "Which region sells most?"}},
                   {{"X-Forwarded-Email", kAlice}, {"X-Forwarded-Access-Token", "dapi-alice"}});
  ASSERT_EQ(stream.status(), 200);
  stream.drain();
  const auto& events = stream.events();
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(events.back().data["status"], "completed") << events.back().data.dump();
  json result;
  for (const auto& e : events) {
    if (e.type == "tool_result") result = e.data;
  }
  ASSERT_TRUE(result.is_object()) << "no tool_result event";
  EXPECT_FALSE(result.value("is_error", true)) << result.dump();
  EXPECT_NE(result.dump().find("EMEA"), std::string::npos) << result.dump();

  // The statement ran on the configured warehouse with the user's token, not the app's.
  json statement;
  for (const auto& c : fake.calls()) {
    if (c["method"] == "POST" && c["path"] == "/api/2.0/sql/statements") statement = c;
  }
  ASSERT_TRUE(statement.is_object()) << fake.calls().dump();
  EXPECT_EQ(statement["token"], "dapi-alice");
  EXPECT_EQ(statement["body"]["warehouse_id"], "wh-shared");
  // The rows reached the model in its next request.
  bool seen = false;
  for (const auto& r : mock.mainRequests()) {
    if (r.rawBody.find("tool_result") != std::string::npos &&
        r.rawBody.find("EMEA") != std::string::npos) {
      seen = true;
    }
  }
  EXPECT_TRUE(seen) << "the model never saw the rows";
}

}  // namespace
}  // namespace devkit::testing
