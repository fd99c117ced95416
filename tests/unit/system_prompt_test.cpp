#include "runs/system_prompt.hpp"

#include <gtest/gtest.h>

namespace devkit::runs {
namespace {

PromptContext context() {
  PromptContext c;
  c.workspaceUrl = "https://adb-1.azuredatabricks.net";
  c.projectName = "Orders";
  c.userEmail = "ana@example.com";
  c.settings = {{"catalog", "main"},
                {"schema", "ana_orders"},
                {"warehouse_id", "wh123"},
                {"serverless", true},
                {"cluster_id", nullptr},
                {"workspace_folder", "/Workspace/Users/ana@example.com/ai_dev_kit/orders"}};
  c.skills = {{"databricks-sql", "SQL on Databricks; use for queries and DDL"}};
  c.mcpServer = "databricks";
  return c;
}

bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST(SystemPrompt, CarriesTheProjectsContextToolsSkillsAndLinks) {
  const std::string p = buildSystemPrompt(context());
  EXPECT_TRUE(has(p, "\"Orders\"")) << p;
  EXPECT_TRUE(has(p, "https://adb-1.azuredatabricks.net")) << p;
  EXPECT_TRUE(has(p, "`main`.`ana_orders`")) << p;
  EXPECT_TRUE(has(p, "`wh123`")) << p;
  EXPECT_TRUE(has(p, "serverless")) << p;
  EXPECT_TRUE(has(p, "/Workspace/Users/ana@example.com/ai_dev_kit/orders")) << p;
  EXPECT_TRUE(has(p, "mcp__databricks__execute_sql")) << p;
  EXPECT_TRUE(has(p, "`databricks-sql`: SQL on Databricks; use for queries and DDL")) << p;
  EXPECT_TRUE(has(p, "https://adb-1.azuredatabricks.net/pipelines/<pipeline_id>")) << p;
  EXPECT_TRUE(has(p, "https://adb-1.azuredatabricks.net/jobs/<job_id>")) << p;
  EXPECT_TRUE(has(p, "/explore/data/<catalog>/<schema>/<table>")) << p;
  EXPECT_TRUE(has(p, "CLAUDE.md")) << p;
}

TEST(SystemPrompt, FollowsTheSettings) {
  PromptContext c = context();
  c.settings["serverless"] = false;
  c.settings["cluster_id"] = "0123-456789-abc";
  c.settings["warehouse_id"] = nullptr;
  c.skills.clear();
  c.mcpServer.clear();
  c.workspaceUrl.clear();
  const std::string p = buildSystemPrompt(c);
  EXPECT_TRUE(has(p, "the cluster `0123-456789-abc`")) << p;
  EXPECT_TRUE(has(p, "none chosen")) << p;
  EXPECT_FALSE(has(p, "## Skills")) << "no skills section when none is enabled";
  EXPECT_FALSE(has(p, "mcp__")) << "no tool names when no tools are available";
  EXPECT_TRUE(has(p, "Workspace: not configured")) << p;
}

TEST(SystemPrompt, IsDeterministic) {
  EXPECT_EQ(buildSystemPrompt(context()), buildSystemPrompt(context()));
}

}  // namespace
}  // namespace devkit::runs
