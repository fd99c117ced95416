// The start_turn request (sdk/include/devkit/abi.h, kind 1), parsed and checked.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace devkit::agent_claude {

struct McpEndpoint {
  std::string server = "databricks";  // tools appear as mcp__<server>__<tool>
  std::string url;
  std::string token;  // secret: reaches the CLI only as the env var DEVKIT_MCP_TOKEN
};

struct TurnRequest {
  std::string runId;
  std::string conversationId;
  std::string projectId;
  std::string projectDir;
  std::string stateDir;
  std::string message;
  std::string claudeSessionId;  // "" for a new conversation
  std::string systemPrompt;
  std::vector<std::string> allowedTools;
  std::optional<McpEndpoint> mcp;
  std::string model;
  std::string workspaceUrl;     // request llm.workspace_url
  std::string databricksToken;  // request llm.databricks_token; secret

  /// Parses and checks the request; throws devkit::sdk::Error(DK_ERR_INVALID_ARGUMENT) naming
  /// the member at fault.
  static TurnRequest parse(std::string_view requestJson);
};

}  // namespace devkit::agent_claude
