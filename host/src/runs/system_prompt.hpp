#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace devkit::runs {

/// What the agent's system prompt is built from, per turn.
struct PromptContext {
  std::string workspaceUrl;  // https://<workspace>, may be empty (not configured)
  std::string projectName;
  std::string userEmail;
  /// The project's settings view (project_settings.hpp): catalog, schema, warehouse_id,
  /// serverless, cluster_id, workspace_folder.
  nlohmann::json settings = nlohmann::json::object();
  struct Skill {
    std::string name;
    std::string description;
  };
  std::vector<Skill> skills;  // the enabled ones
  /// The MCP server name the tools are under ("databricks"); empty when no tools are available.
  std::string mcpServer;
};

/// The system prompt of a turn: the agent's role, the project's Databricks context, how the tools
/// are named, the enabled skills and when to load each, where created resources appear in the
/// workspace UI, and the rule to keep CLAUDE.md current. Deterministic for equal input (a warm
/// CLI session is reused only while its prompt is unchanged).
std::string buildSystemPrompt(const PromptContext& context);

}  // namespace devkit::runs
