// The start_turn request of abi.h: what is required, and what can never reach argv.
#include "turn_request.hpp"

#include <devkit/sdk.hpp>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace devkit::agent_claude {
namespace {

using nlohmann::json;

json valid() {
  return {{"run_id", "r1"},
          {"conversation_id", "c1"},
          {"project_id", "p1"},
          {"project_dir", "/data/projects/p1"},
          {"state_dir", "/data/state/p1"},
          {"message", "hello\nworld"},
          {"claude_session_id", nullptr},
          {"system_prompt", "You help."},
          {"allowed_tools", {"mcp__databricks"}},
          {"mcp", {{"server", "databricks"}, {"url", "http://127.0.0.1:8000/mcp"}, {"token", "t"}}},
          {"model", ""},
          {"llm", {{"workspace_url", ""}, {"databricks_token", ""}}},
          {"unknown_member", 1}};
}

void expectInvalid(const json& request, const std::string& needle) {
  try {
    TurnRequest::parse(request.dump());
    FAIL() << "accepted " << request.dump();
  } catch (const sdk::Error& e) {
    EXPECT_EQ(e.status(), DK_ERR_INVALID_ARGUMENT);
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
  }
}

TEST(TurnRequest, ParsesTheAbiShape) {
  const TurnRequest r = TurnRequest::parse(valid().dump());
  EXPECT_EQ(r.runId, "r1");
  EXPECT_EQ(r.message, "hello\nworld");
  EXPECT_EQ(r.claudeSessionId, "");
  ASSERT_TRUE(r.mcp);
  EXPECT_EQ(r.mcp->server, "databricks");
  EXPECT_EQ(r.mcp->token, "t");
  EXPECT_EQ(r.allowedTools, std::vector<std::string>{"mcp__databricks"});
}

TEST(TurnRequest, RefusesWhatCouldBreakTheCommandLine) {
  json r = valid();
  r["claude_session_id"] = "--dangerously-skip-permissions";
  expectInvalid(r, "claude_session_id");
  r = valid();
  r["allowed_tools"] = {"Read,Bash"};
  expectInvalid(r, "allowed_tools");
  r = valid();
  r["mcp"]["server"] = "db x";
  expectInvalid(r, "mcp.server");
  r = valid();
  r["model"] = "m\nx";
  expectInvalid(r, "model");
  r = valid();
  r["project_dir"] = "relative/dir";
  expectInvalid(r, "project_dir");
}

TEST(TurnRequest, RequiresTheEssentials) {
  for (const char* key : {"run_id", "conversation_id", "project_dir", "state_dir", "message"}) {
    json r = valid();
    r.erase(key);
    expectInvalid(r, key);
  }
  expectInvalid(json::array(), "not a JSON object");
}

}  // namespace
}  // namespace devkit::agent_claude
