// The real Claude Code CLI calling the host's /mcp: a scripted model answer asks for
// mcp__databricks__echo, the CLI calls /mcp with the run's token, fixture-tools answers, and the
// tool's text comes back to the model in the next request. Label "agent" (it runs the real CLI).
#include <filesystem>

#include "../api/api_support.hpp"
#include "../api/sse_client.hpp"
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

}  // namespace
}  // namespace devkit::testing
