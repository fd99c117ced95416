// Where the CLI sends its LLM calls: Databricks Model Serving, the Anthropic API, or an explicit
// base URL ([plugin.agent-claude] llm). Pure: the inputs are the config, the host environment and
// the turn's request.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "config.hpp"

namespace devkit::agent_claude {

/// The Databricks model used when [plugin.agent-claude] model is empty.
inline constexpr const char* kDefaultDatabricksModel = "databricks-claude-sonnet-4-5";

struct LlmRoute {
  std::string kind;     // "databricks", "anthropic", "url", or "" when nothing is configured
  std::string baseUrl;  // for databricks and url
  std::string model;    // "" leaves the CLI's own default
  std::vector<std::pair<std::string, std::string>> env;  // holds secrets: never log
  std::string problem;  // when kind is "": exactly what to configure

  bool ready() const { return !kind.empty(); }
};

/// Resolves the route. `workspaceUrl` and `databricksToken` come from the request (the signed-in
/// user's); each falls back to DATABRICKS_HOST / DATABRICKS_TOKEN of the host.
LlmRoute resolveLlmRoute(const Config& config, const HostEnvironment& env,
                         const std::string& workspaceUrl, const std::string& databricksToken);

/// "https://" added when missing, trailing slashes removed.
std::string normalizeWorkspaceUrl(std::string url);

}  // namespace devkit::agent_claude
