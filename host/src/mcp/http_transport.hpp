#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "http/router.hpp"
#include "mcp/mcp_server.hpp"
#include "mcp/workspace_identity.hpp"
#include "projects/project_paths.hpp"
#include "runs/mcp_tokens.hpp"

namespace devkit::mcp {

/// MCP's Streamable HTTP transport at /mcp, for the embedded agent.
///
/// POST carries one JSON-RPC message. A request is answered as application/json, or, when the
/// client accepts text/event-stream and the call sends a notification (progress, a log message)
/// before its result, as an event stream of the notifications and then the response. Notifications
/// and responses get 202. GET is 405 (no server-initiated stream); DELETE ends the session.
/// `initialize` issues Mcp-Session-Id, which every later request must carry (404 for an unknown
/// one). Every request needs `Authorization: Bearer <token>` with a token of a live run
/// (McpTokens); the run's binding is whom the call acts for. With [mcp] external, a token that is
/// no run's is checked against the workspace (WorkspaceIdentity): an outside client's calls then
/// act as the token's user, with no project and no run. A browser Origin other than a local one or
/// [server] host is refused with 403 (DNS rebinding). THREADING: thread-safe.
class HttpTransport {
 public:
  struct Options {
    std::string serverHost;    // [server] host; also an accepted Origin unless a wildcard
    std::string workspaceUrl;  // [auth] workspace_url, for the user's token in the call context
    size_t maxSessions = 4096;
    /// [mcp] external: tokens that are no run's are checked against workspaceUrl.
    bool external = false;
  };

  HttpTransport(McpServer& server, runs::McpTokens& tokens, const projects::ProjectPaths& paths,
                Options options);

  /// Registers POST and DELETE /mcp.
  void registerRoutes(http::Router& router);

 private:
  struct SessionEntry {
    std::shared_ptr<Session> session;
    std::string token;  // a session is only usable with the token that opened it
    std::chrono::steady_clock::time_point lastUsed;
  };

  void post(http::RequestContext& ctx);
  void remove(http::RequestContext& ctx);
  /// Who a request acts for: the run binding, or for an outside client the workspace's identity
  /// of its token (with `name` its display name).
  struct Admission {
    runs::RunBinding binding;
    std::string name;  // empty: the e-mail's local part
  };

  /// Origin and bearer checks; sends the refusal and returns nullopt when one fails.
  std::optional<Admission> admit(http::RequestContext& ctx, std::string& token);
  bool originAllowed(const std::string& origin) const;
  std::shared_ptr<Session> openSession(const std::string& token, std::string& id);
  std::shared_ptr<Session> findSession(const std::string& id, const std::string& token);

  McpServer& server_;
  runs::McpTokens& tokens_;
  const projects::ProjectPaths& paths_;
  Options options_;
  std::unique_ptr<WorkspaceIdentity> workspace_;  // set when external
  std::mutex mutex_;
  std::map<std::string, SessionEntry> sessions_;
};

}  // namespace devkit::mcp
