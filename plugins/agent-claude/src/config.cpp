#include "config.hpp"

#include <devkit/sdk.hpp>

#include <cstdlib>
#include <nlohmann/json.hpp>

namespace devkit::agent_claude {

// The default claude_path is the CLI the build links into the install-shaped tree
// (plugins/agent-claude/CMakeLists.txt): <home>/lib/devkit/claude/bin/claude.
const char* const kConfigSchema = R"({
  "type": "object",
  "additionalProperties": false,
  "properties": {
    "claude_path": {"type": "string", "default": "${host.home}/lib/devkit/claude/bin/claude",
                    "minLength": 1,
                    "description": "Claude Code CLI executable: a path, or a bare name searched on PATH."},
    "llm": {"type": "string", "default": "auto", "minLength": 1,
            "description": "LLM routing: auto, databricks, anthropic, or an explicit http(s):// base URL."},
    "model": {"type": "string", "default": "",
              "description": "Model passed as --model; empty picks the routing's default."},
    "permission_mode": {"type": "string", "default": "acceptEdits",
                        "enum": ["ask", "default", "acceptEdits", "plan", "bypassPermissions"],
                        "description": "How tool permissions are decided; ask shows a dialog in the UI."},
    "allow_bash": {"type": "boolean", "default": false,
                   "description": "Lets the agent use the Bash tool in the project dir."},
    "idle_timeout_s": {"type": "integer", "default": 900, "minimum": 10, "maximum": 86400,
                       "description": "A warm CLI session idle this long is closed (resumed on demand)."},
    "max_sessions": {"type": "integer", "default": 16, "minimum": 1, "maximum": 1024,
                     "description": "Warm CLI sessions kept at most; the least recently used is closed."},
    "anthropic_api_key": {"type": "string", "default": "", "secret": true,
                          "description": "Anthropic API key for llm = anthropic or a base URL (environment only)."},
    "api_max_retries": {"type": "integer", "default": 3, "minimum": 0, "maximum": 100,
                        "description": "Retries of a failed LLM API call (CLAUDE_CODE_MAX_RETRIES)."},
    "stop_grace_s": {"type": "integer", "default": 5, "minimum": 1, "maximum": 300,
                     "description": "After Stop, the CLI gets this long to end the turn before it is killed."},
    "permission_timeout_s": {"type": "integer", "default": 300, "minimum": 1, "maximum": 86400,
                             "description": "An unanswered permission request is denied after this long."},
    "is_sandbox": {"type": "boolean", "default": false,
                   "description": "The host runs in a disposable sandbox: lets bypassPermissions run as root (IS_SANDBOX=1)."}
  }
})";

HostEnvironment HostEnvironment::capture() {
  HostEnvironment env;
  for (const char* name :
       {"PATH", "TMPDIR", "DATABRICKS_HOST", "DATABRICKS_TOKEN", "ANTHROPIC_API_KEY"}) {
    if (const char* value = std::getenv(name); value != nullptr && *value != '\0') {
      env.values[name] = value;
    }
  }
  return env;
}

std::string HostEnvironment::get(std::string_view name) const {
  const auto it = values.find(name);
  return it == values.end() ? std::string() : it->second;
}

namespace {

[[noreturn]] void invalid(const std::string& message) {
  throw sdk::Error(DK_ERR_INVALID_ARGUMENT, "[plugin.agent-claude] " + message);
}

bool isHttpUrl(std::string_view s) {
  return (s.starts_with("https://") && s.size() > 8) || (s.starts_with("http://") && s.size() > 7);
}

}  // namespace

Config Config::parse(std::string_view configJson, bool runningAsRoot) {
  const nlohmann::json j =
      configJson.empty() ? nlohmann::json::object() : nlohmann::json::parse(configJson);
  if (!j.is_object()) {
    invalid("the configuration is not a JSON object");
  }
  Config c;
  c.claudePath = j.value("claude_path", c.claudePath);
  c.llm = j.value("llm", c.llm);
  c.model = j.value("model", c.model);
  c.permissionMode = j.value("permission_mode", c.permissionMode);
  c.allowBash = j.value("allow_bash", c.allowBash);
  c.idleTimeoutS = j.value("idle_timeout_s", c.idleTimeoutS);
  c.maxSessions = j.value("max_sessions", c.maxSessions);
  c.anthropicApiKey = j.value("anthropic_api_key", c.anthropicApiKey);
  c.apiMaxRetries = j.value("api_max_retries", c.apiMaxRetries);
  c.stopGraceS = j.value("stop_grace_s", c.stopGraceS);
  c.permissionTimeoutS = j.value("permission_timeout_s", c.permissionTimeoutS);
  c.isSandbox = j.value("is_sandbox", c.isSandbox);

  if (c.claudePath.empty()) {
    invalid("claude_path: must not be empty");
  }
  if (c.llm != "auto" && c.llm != "databricks" && c.llm != "anthropic" && !isHttpUrl(c.llm)) {
    invalid("llm: expected auto, databricks, anthropic or an http(s):// base URL, got '" + c.llm +
            "'");
  }
  if (c.permissionMode != "ask" && c.permissionMode != "default" &&
      c.permissionMode != "acceptEdits" && c.permissionMode != "plan" &&
      c.permissionMode != "bypassPermissions") {
    invalid("permission_mode: unknown mode '" + c.permissionMode + "'");
  }
  // The CLI itself refuses this combination (exit 1 on every turn); say so at startup instead.
  if (c.permissionMode == "bypassPermissions" && runningAsRoot && !c.isSandbox) {
    invalid(
        "permission_mode: bypassPermissions cannot run as root: the Claude Code CLI refuses it. "
        "Run the host as another user, or set is_sandbox = yes if this host is a disposable "
        "sandbox");
  }
  if (c.idleTimeoutS < 1 || c.maxSessions < 1 || c.stopGraceS < 1 || c.permissionTimeoutS < 1 ||
      c.apiMaxRetries < 0) {
    invalid("a timeout or limit is out of range");
  }
  return c;
}

}  // namespace devkit::agent_claude
