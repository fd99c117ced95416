// The argv and the environment of one Claude Code CLI process. Pure, so that tests can check
// what reaches the child (no secret in argv, no host secret in the environment).
#pragma once

#include <string>
#include <vector>

#include "config.hpp"
#include "llm_routing.hpp"
#include "turn_request.hpp"

namespace devkit::agent_claude {

/// How the MCP bearer token reaches the CLI without appearing in argv (visible in ps): the
/// token is always in the child's environment as DEVKIT_MCP_TOKEN; the --mcp-config JSON refers
/// to it either through the CLI's ${VAR} expansion in "headers", or through a "headersHelper"
/// shell command that prints the header.
enum class McpTokenMode { kEnvExpansion, kHeadersHelper };
inline constexpr McpTokenMode kMcpTokenMode = McpTokenMode::kEnvExpansion;

/// The environment variable that carries the MCP bearer token to the CLI.
inline constexpr const char* kMcpTokenVariable = "DEVKIT_MCP_TOKEN";

struct LaunchSpec {
  std::string executable;         // absolute path
  std::vector<std::string> argv;  // argv[0] is the executable
  std::vector<std::string> env;   // "NAME=value", the child's whole environment
  std::string cwd;
};

/// The built-in tools the agent gets: Read, Write, Edit, Glob, Grep, TodoWrite, Skill, and Bash
/// when allow_bash is on.
std::vector<std::string> builtinTools(const Config& config);

/// The --mcp-config JSON for the host's MCP endpoint; never contains the token itself.
std::string mcpConfigJson(const McpEndpoint& mcp, McpTokenMode mode);

/// Everything needed to start a CLI for `request`; `resumeId` ("" for none) becomes
/// --resume=<id>.
LaunchSpec buildLaunchSpec(const Config& config, const HostEnvironment& hostEnv,
                           const TurnRequest& request, const LlmRoute& route,
                           const std::string& executable, const std::string& resumeId);

/// What decides how a CLI process is started, minus --resume: a warm session whose fingerprint
/// differs from a new request's is restarted. Holds secrets: compare it, never log it.
std::string sessionFingerprint(const LaunchSpec& specWithoutResume);

/// The user line that starts a turn on the CLI's stdin.
std::string userMessageLine(const std::string& text);

}  // namespace devkit::agent_claude
