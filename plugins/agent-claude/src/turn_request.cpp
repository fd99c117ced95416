#include "turn_request.hpp"

#include <devkit/sdk.hpp>

#include <cctype>
#include <nlohmann/json.hpp>

namespace devkit::agent_claude {
namespace {

[[noreturn]] void invalid(const std::string& message) {
  throw sdk::Error(DK_ERR_INVALID_ARGUMENT, "start_turn: " + message);
}

// A string member; null and absent read as "". Control characters are refused where a value
// ends up in argv or a path, so that nothing from a request can smuggle a line break or NUL.
std::string text(const nlohmann::json& j, const char* key, bool required, bool plain) {
  if (!j.contains(key) || j[key].is_null()) {
    if (required) invalid(std::string("\"") + key + "\" is required");
    return {};
  }
  if (!j[key].is_string()) invalid(std::string("\"") + key + "\" must be a string");
  std::string value = j[key].get<std::string>();
  if (required && value.empty()) invalid(std::string("\"") + key + "\" must not be empty");
  if (plain) {
    for (const char c : value) {
      if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
        invalid(std::string("\"") + key + "\" contains a control character");
      }
    }
  }
  return value;
}

}  // namespace

TurnRequest TurnRequest::parse(std::string_view requestJson) {
  const nlohmann::json j = nlohmann::json::parse(requestJson, nullptr, false);
  if (j.is_discarded() || !j.is_object()) invalid("the request is not a JSON object");
  TurnRequest r;
  r.runId = text(j, "run_id", true, true);
  r.conversationId = text(j, "conversation_id", true, true);
  r.projectId = text(j, "project_id", false, true);
  r.projectDir = text(j, "project_dir", true, true);
  r.stateDir = text(j, "state_dir", true, true);
  r.message = text(j, "message", true, false);
  r.claudeSessionId = text(j, "claude_session_id", false, true);
  r.systemPrompt = text(j, "system_prompt", false, false);
  r.model = text(j, "model", false, true);
  if (!r.projectDir.starts_with("/")) invalid("\"project_dir\" must be an absolute path");
  if (!r.stateDir.starts_with("/")) invalid("\"state_dir\" must be an absolute path");
  // The id becomes --resume=<id>; the CLI's ids are UUIDs, so anything else is refused.
  if (!r.claudeSessionId.empty() &&
      !std::isalnum(static_cast<unsigned char>(r.claudeSessionId[0]))) {
    invalid("\"claude_session_id\" is not a session id");
  }
  for (const char c : r.claudeSessionId) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') {
      invalid("\"claude_session_id\" is not a session id");
    }
  }
  if (j.contains("allowed_tools") && !j["allowed_tools"].is_null()) {
    if (!j["allowed_tools"].is_array()) invalid("\"allowed_tools\" must be an array of strings");
    for (const auto& rule : j["allowed_tools"]) {
      if (!rule.is_string() || rule.get<std::string>().empty()) {
        invalid("\"allowed_tools\" must be an array of non-empty strings");
      }
      const std::string value = rule.get<std::string>();
      // The CLI splits --allowedTools on commas and spaces; a rule must stay one rule.
      if (value.find_first_of(", \t\r\n") != std::string::npos || value.starts_with("-")) {
        invalid("\"allowed_tools\" rule '" + value + "' contains a separator");
      }
      r.allowedTools.push_back(value);
    }
  }
  if (j.contains("mcp") && !j["mcp"].is_null()) {
    const nlohmann::json& m = j["mcp"];
    if (!m.is_object()) invalid("\"mcp\" must be an object or null");
    McpEndpoint endpoint;
    const std::string server = text(m, "server", false, true);
    if (!server.empty()) endpoint.server = server;
    for (const char c : endpoint.server) {
      if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') {
        invalid("\"mcp.server\" may hold letters, digits, '-' and '_' only");
      }
    }
    endpoint.url = text(m, "url", true, true);
    if (!endpoint.url.starts_with("http://") && !endpoint.url.starts_with("https://")) {
      invalid("\"mcp.url\" must be an http(s) URL");
    }
    endpoint.token = text(m, "token", false, true);
    r.mcp = std::move(endpoint);
  }
  if (j.contains("llm") && !j["llm"].is_null()) {
    if (!j["llm"].is_object()) invalid("\"llm\" must be an object or null");
    r.workspaceUrl = text(j["llm"], "workspace_url", false, true);
    r.databricksToken = text(j["llm"], "databricks_token", false, true);
  }
  return r;
}

}  // namespace devkit::agent_claude
