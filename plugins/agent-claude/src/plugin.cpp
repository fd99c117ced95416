// agent-claude: the agent backend that drives the Claude Code CLI over stream-json.
//
// This build is the plugin's skeleton: it loads, declares its kind, version and config schema, and
// says honestly on /healthz that turns are not implemented yet (issue #5 fills them in). Every turn
// operation fails with DK_ERR_UNSUPPORTED rather than pretending.
#include <devkit/sdk.hpp>

#include <string>
#include <string_view>

namespace {

constexpr const char* kConfigSchema = R"({
  "type": "object",
  "additionalProperties": false,
  "properties": {
    "claude_path": {"type": "string", "default": "claude", "minLength": 1,
                    "description": "Path of the Claude Code CLI executable (searched on PATH when bare)."},
    "llm": {"type": "string", "default": "auto", "minLength": 1,
            "description": "LLM routing: auto, databricks, anthropic, or an explicit https:// base URL."},
    "model": {"type": "string", "default": "",
              "description": "Model name passed as --model; empty picks the routing's default."},
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
                          "description": "Anthropic API key for llm = anthropic (environment only)."}
  }
})";

class ClaudeAgent final : public devkit::sdk::AgentBackend {
 public:
  ClaudeAgent(const devkit::sdk::Host& host, std::string_view /*configJson*/) : host_(host) {
    host_.debug("agent-claude loaded; agent turns are not implemented in this build");
  }
  void startTurn(std::string_view, devkit::sdk::Sink) override { unsupported(); }
  void sendInput(std::string_view, std::string_view) override { unsupported(); }
  void closeSessions(std::string_view) override {}  // no sessions exist, so none to close
  std::string health() override {
    return R"({"status":"unimplemented","detail":"agent turns are not implemented yet","sessions":0,"live_turns":0})";
  }

 private:
  [[noreturn]] static void unsupported() {
    throw devkit::sdk::Error(DK_ERR_UNSUPPORTED, "agent-claude cannot run agent turns yet");
  }
  devkit::sdk::Host host_;
};

}  // namespace

DK_DEFINE_PLUGIN("agent-claude", "0.1.0", "Claude Code CLI agent backend", kConfigSchema,
                 ClaudeAgent)
