#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "mcp/operations.hpp"
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
  /// Wait for the result however long the call takes (no operation): for the host's own callers
  /// (the REST API), which have no check_operation_status to come back with.
  bool waitForResult = false;
  /// Tools that are off for this caller (the project's, projects::ToolGate): not listed, and
  /// refused when called.
  std::set<std::string> disabledTools;
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
  /// Sends a notification to the client of the current request (progress, log messages); may be
  /// empty. Called from plugin threads, never concurrently for one call.
  using Notify = std::function<void(const nlohmann::json&)>;

  struct Options {
    std::string version;            // serverInfo.version
    size_t pageSize = 100;          // tools per tools/list page
    size_t maxResultChars = 50000;  // text of one result beyond this is cut (Claude Code's limit)
    /// Provider progress of a call made in an agent run: (run id, {tool_name, tool_use_id?,
    /// elapsed_s, progress, total?, message?}), tool_name as the provider lists it. May be empty.
    std::function<void(const std::string&, nlohmann::json)> onRunProgress;
    /// The host's record of each call made in an agent run: (run id, {tool_name, tool_use_id?,
    /// plugin, outcome, duration_ms, operation_id?}). May be empty.
    std::function<void(const std::string&, nlohmann::json)> onRunCall;
    /// A call still running after this long is answered with an operation id and goes on in the
    /// background (check_operation_status); 0 waits for every call.
    std::chrono::milliseconds operationAfter{0};
    /// Calls running at once (on their own threads, operations included); more are refused with
    /// -32603 until some end, so a client cannot pile up threads and workspace calls.
    size_t maxRunningCalls = 256;
  };

  /// The host's own tool that reads a long call's result (listed when operationAfter > 0).
  static constexpr const char* kCheckOperationTool = "check_operation_status";

  static constexpr const char* kLatestVersion = "2025-11-25";
  /// The protocol revisions this server speaks, newest first.
  static const std::vector<std::string>& supportedVersions();

  /// Throws plugins::PluginError when a provider lists a tool named like the host's own.
  McpServer(std::shared_ptr<const ToolCatalog> catalog, Options options);
  /// Cancels the calls still running on their own threads and waits up to `timeout` for them to
  /// return; false when some did not (the host then must not destroy the plugins). Later calls
  /// are refused. Idempotent.
  bool shutdown(std::chrono::milliseconds timeout);
  /// shutdown(10 s) if nobody called it.
  ~McpServer();
  McpServer(const McpServer&) = delete;
  McpServer& operator=(const McpServer&) = delete;

  /// Parses and handles one message. Returns the response, or nullopt when none is due (a
  /// notification, a client's response, a cancelled call).
  std::optional<nlohmann::json> handleText(std::string_view text, Session& session,
                                           const CallContext& context, const Notify& notify);
  std::optional<nlohmann::json> handle(const nlohmann::json& message, Session& session,
                                       const CallContext& context, const Notify& notify);

  const ToolCatalog& catalog() const { return *catalog_; }
  /// Every tool tools/list can show: the providers' and the host's own.
  size_t toolCount() const { return all_.size(); }

 private:
  nlohmann::json initialize(const nlohmann::json& params, Session& session) const;
  nlohmann::json discover() const;
  nlohmann::json listTools(const nlohmann::json& params, const CallContext& context) const;
  std::optional<nlohmann::json> callTool(const nlohmann::json& id, const nlohmann::json& params,
                                         Session& session, const CallContext& context,
                                         const Notify& notify);
  nlohmann::json capResult(nlohmann::json result) const;
  nlohmann::json checkOperation(const nlohmann::json& arguments, const CallContext& context);
  struct CallState;
  /// What one provider call came to: the JSON-RPC response (nullopt: cancelled) and the run's
  /// record of it ({tool_name, plugin, outcome, duration_ms, tool_use_id?}).
  struct CallEnd {
    std::optional<nlohmann::json> response;
    nlohmann::json record;
  };
  /// Runs the provider's call and builds the response; never throws.
  CallEnd runCall(const ToolEntry& entry, const nlohmann::json& id, core::ToolCallRequest& request,
                  const nlohmann::json& toolUseId);
  /// Logs the end of a call and records it in its run, with its operation id if it became one.
  void recordCall(const CallContext& context, nlohmann::json record,
                  const std::string& operationId) const;

  std::shared_ptr<const ToolCatalog> catalog_;
  Options options_;
  nlohmann::json checkTool_;                // the MCP Tool object of check_operation_status
  std::vector<const nlohmann::json*> all_;  // every listed tool, sorted by name
  Operations operations_;
  /// Calls running on their own threads; the destructor waits for them.
  struct Threads {
    std::mutex mutex;
    std::condition_variable idle;
    size_t running = 0;
    bool closed = false;  // shut down: no new calls
    uint64_t nextKey = 0;
    std::map<uint64_t, std::shared_ptr<std::atomic<bool>>> flags;  // cancel flags of running calls
  };
  std::shared_ptr<Threads> threads_ = std::make_shared<Threads>();
};

}  // namespace devkit::mcp
