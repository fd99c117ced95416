#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "mcp/tool_catalog.hpp"

namespace devkit::mcp {

/// Whom a tool call acts for; becomes the provider's context JSON (abi.h, kind 2).
struct CallContext {
  std::string userEmail;
  std::string userName;
  std::string projectId;
  std::string projectDir;
  std::string runId;  // "" outside an agent run (stdio)
  /// The workspace ([auth] workspace_url) and the user's own Databricks token; both empty when
  /// the host has no token for the user (the provider then uses its own credentials). Secret.
  std::string databricksHost;
  std::string databricksToken;
};

/// One client's state: the negotiated version, its log level and its calls in flight (so that
/// notifications/cancelled can reach them). THREADING: thread-safe.
class Session {
 public:
  std::string protocolVersion() const;
  void setProtocolVersion(const std::string& version);
  bool initialized() const;
  void setInitialized();
  std::string logLevel() const;
  void setLogLevel(const std::string& level);

  /// Registers a call in flight under its request id (again: the same flag); the flag is set by
  /// cancel().
  std::shared_ptr<std::atomic<bool>> beginCall(const nlohmann::json& requestId);
  void endCall(const nlohmann::json& requestId);
  /// Sets the cancel flag of the call with this request id; false when none is in flight.
  bool cancel(const nlohmann::json& requestId);

 private:
  mutable std::mutex mutex_;
  std::string protocolVersion_;
  bool initialized_ = false;
  std::string logLevel_ = "info";
  std::map<std::string, std::shared_ptr<std::atomic<bool>>> inFlight_;  // id.dump() -> flag
};

/// The MCP server's protocol core, independent of the transport (HTTP at /mcp, stdio): JSON-RPC
/// 2.0 framing and errors, initialize with version negotiation, ping, logging/setLevel,
/// tools/list with cursor paging, tools/call into the tool providers, progress and cancellation.
/// THREADING: thread-safe; many calls may run at once.
class McpServer {
 public:
  /// Sends a notification to the client of the current request (progress); may be empty.
  using Notify = std::function<void(const nlohmann::json&)>;

  struct Options {
    std::string version;            // serverInfo.version
    size_t pageSize = 100;          // tools per tools/list page
    size_t maxResultChars = 50000;  // text of one result beyond this is cut (Claude Code's limit)
    /// Provider progress of a call made in an agent run: (run id, {tool_name, tool_use_id?,
    /// elapsed_s, progress, total?, message?}), tool_name as the provider lists it. May be empty.
    std::function<void(const std::string&, nlohmann::json)> onRunProgress;
  };

  static constexpr const char* kLatestVersion = "2025-11-25";
  /// The protocol revisions this server speaks, newest first.
  static const std::vector<std::string>& supportedVersions();

  McpServer(std::shared_ptr<const ToolCatalog> catalog, Options options);

  /// Parses and handles one message. Returns the response, or nullopt when none is due (a
  /// notification, a client's response, a cancelled call).
  std::optional<nlohmann::json> handleText(std::string_view text, Session& session,
                                           const CallContext& context, const Notify& notify);
  std::optional<nlohmann::json> handle(const nlohmann::json& message, Session& session,
                                       const CallContext& context, const Notify& notify);

  /// Whether `message` is a tools/call request that asked for progress (the HTTP transport then
  /// answers with an event stream).
  static bool wantsProgress(const nlohmann::json& message);

  const ToolCatalog& catalog() const { return *catalog_; }

 private:
  nlohmann::json initialize(const nlohmann::json& params, Session& session) const;
  nlohmann::json discover() const;
  nlohmann::json listTools(const nlohmann::json& params) const;
  std::optional<nlohmann::json> callTool(const nlohmann::json& id, const nlohmann::json& params,
                                         Session& session, const CallContext& context,
                                         const Notify& notify);
  nlohmann::json capResult(nlohmann::json result) const;

  std::shared_ptr<const ToolCatalog> catalog_;
  Options options_;
};

}  // namespace devkit::mcp
