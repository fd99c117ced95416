#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>

namespace devkit::runs {

/// What an MCP bearer token stands for: the user, project and run the agent's tool calls act for.
struct RunBinding {
  std::string owner;
  std::string projectId;
  std::string conversationId;
  std::string runId;
  /// The user's own Databricks token (X-Forwarded-Access-Token in databricks-apps mode), so tool
  /// calls act on behalf of the user; empty when the host has none (the plugin's credentials are
  /// used). A secret: held in memory for the run only, never logged or stored.
  std::string databricksToken;
  /// The project's MCP tools that are off for this run (projects::ToolGate, fixed when the turn
  /// starts): tools/list leaves them out and tools/call refuses them.
  std::set<std::string> disabledTools;
};

/// The bearer tokens the host gives the embedded agent for its /mcp calls.
///
/// A token is bound to one run and dead outside it. The CLI of a conversation stays warm between
/// turns and cannot be handed a new MCP config per turn, so a conversation keeps one token string
/// for the life of the host and each run binds it afresh: between runs (and for a run that ended)
/// check() fails, so a leaked token is useless once its turn is over.
/// THREADING: thread-safe.
class McpTokens {
 public:
  /// The conversation's token (256 random bits, hex), minted on first use.
  std::string tokenFor(const std::string& conversationId);
  /// Makes the conversation's token valid for `binding` until unbind(binding.runId).
  void bind(const RunBinding& binding);
  void unbind(const std::string& runId);
  /// The live binding of a token, or nullopt (unknown token, or no run live).
  std::optional<RunBinding> check(std::string_view token) const;
  /// Whether the host minted `token` for some conversation (live or not), so that a dead run
  /// token is never sent to the workspace as if it were a Databricks token.
  bool issued(std::string_view token) const;

 private:
  mutable std::mutex mutex_;
  std::map<std::string, std::string> tokens_;            // conversation id -> token
  std::map<std::string, RunBinding, std::less<>> live_;  // token -> binding
};

}  // namespace devkit::runs
