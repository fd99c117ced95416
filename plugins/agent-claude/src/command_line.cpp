#include "command_line.hpp"

#include <nlohmann/json.hpp>

namespace devkit::agent_claude {
namespace {

constexpr const char* kDefaultPath = "/usr/local/bin:/usr/bin:/bin";

std::string join(const std::vector<std::string>& items, char separator) {
  std::string out;
  for (const auto& item : items) {
    if (!out.empty()) out += separator;
    out += item;
  }
  return out;
}

}  // namespace

std::vector<std::string> builtinTools(const Config& config) {
  std::vector<std::string> tools = {"Read", "Write", "Edit", "Glob", "Grep", "TodoWrite", "Skill"};
  if (config.allowBash) tools.emplace_back("Bash");
  return tools;
}

std::string mcpConfigJson(const McpEndpoint& mcp, McpTokenMode mode) {
  nlohmann::json server = {{"type", "http"}, {"url", mcp.url}};
  if (!mcp.token.empty()) {
    const std::string variable = kMcpTokenVariable;
    if (mode == McpTokenMode::kEnvExpansion) {
      server["headers"] = {{"Authorization", "Bearer ${" + variable + "}"}};
    } else {
      server["headersHelper"] = "printf '{\"Authorization\":\"Bearer %s\"}' \"$" + variable + "\"";
    }
  }
  return nlohmann::json({{"mcpServers", {{mcp.server, server}}}}).dump();
}

LaunchSpec buildLaunchSpec(const Config& config, const HostEnvironment& hostEnv,
                           const TurnRequest& request, const LlmRoute& route,
                           const std::string& executable, const std::string& resumeId) {
  LaunchSpec spec;
  spec.executable = executable;
  spec.cwd = request.projectDir;
  const bool ask = config.permissionMode == "ask";

  // Values that come from a request always use the "--flag=value" form: a value starting with
  // '-' can then never be read as another flag (reference A.1).
  auto& a = spec.argv;
  a = {executable,    "--output-format",           "stream-json", "--verbose", "--input-format",
       "stream-json", "--include-partial-messages"};
  a.emplace_back("--permission-mode");
  a.emplace_back(ask ? "default" : config.permissionMode);
  if (ask) {
    a.emplace_back("--permission-prompt-tool");
    a.emplace_back("stdio");
  }
  a.emplace_back("--tools=" + join(builtinTools(config), ','));
  if (!ask) {
    // Without a prompt tool, anything not pre-approved is denied; the host's MCP tools are
    // pre-approved as a whole server.
    std::vector<std::string> allowed = request.allowedTools;
    if (request.mcp) {
      const std::string rule = "mcp__" + request.mcp->server;
      bool present = false;
      for (const auto& r : allowed) present = present || r == rule;
      if (!present) allowed.push_back(rule);
    }
    if (!allowed.empty()) a.emplace_back("--allowedTools=" + join(allowed, ','));
  }
  if (request.mcp) a.emplace_back("--mcp-config=" + mcpConfigJson(*request.mcp, kMcpTokenMode));
  // Always strict: the CLI must never pick up MCP servers from ~/.claude.json or .mcp.json.
  a.emplace_back("--strict-mcp-config");
  a.emplace_back("--system-prompt=" + request.systemPrompt);
  a.emplace_back("--setting-sources=project");  // .claude/skills and .claude/settings.json
  const std::string model = request.model.empty() ? route.model : request.model;
  if (!model.empty()) a.emplace_back("--model=" + model);
  if (!resumeId.empty()) a.emplace_back("--resume=" + resumeId);

  // Built from scratch: nothing of the host's environment (DATABRICKS_*, NODE_OPTIONS, cloud
  // credentials) leaks into the agent's process.
  const std::string path = hostEnv.get("PATH");
  const std::string tmp = hostEnv.get("TMPDIR");
  auto& e = spec.env;
  e = {
      "PATH=" + (path.empty() ? std::string(kDefaultPath) : path),
      "HOME=" + request.stateDir,
      "LANG=C.UTF-8",
      "TMPDIR=" + (tmp.empty() ? std::string("/tmp") : tmp),
      "CLAUDE_CONFIG_DIR=" + request.stateDir + "/claude",
      "CLAUDE_CODE_ENTRYPOINT=sdk-devkit",
      "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1",
      "DISABLE_AUTOUPDATER=1",
      "CLAUDE_CODE_MAX_RETRIES=" + std::to_string(config.apiMaxRetries),
      // 2.1.x replaced TodoWrite by the Task* tools; 0 brings TodoWrite (and our todos event) back.
      "CLAUDE_CODE_ENABLE_TASKS=0",
  };
  if (config.isSandbox) e.emplace_back("IS_SANDBOX=1");
  if (request.mcp && !request.mcp->token.empty()) {
    e.push_back(std::string(kMcpTokenVariable) + "=" + request.mcp->token);
  }
  for (const auto& [name, value] : route.env) e.push_back(name + "=" + value);
  return spec;
}

std::string sessionFingerprint(const LaunchSpec& spec) {
  std::string out = spec.cwd;
  for (const auto& part : {join(spec.argv, '\0'), join(spec.env, '\0')}) {
    out += '\x1f';
    out += part;
  }
  return out;
}

std::string userMessageLine(const std::string& text) {
  return nlohmann::json({{"type", "user"},
                         {"session_id", ""},
                         {"message", {{"role", "user"}, {"content", text}}},
                         {"parent_tool_use_id", nullptr}})
      .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace devkit::agent_claude
