#pragma once

#include <chrono>
#include <memory>

#include <nlohmann/json.hpp>

#include "api/api.hpp"
#include "config/host_config.hpp"
#include "conversations/conversation_service.hpp"
#include "http/http_server.hpp"
#include "http/router.hpp"
#include "identity/identity.hpp"
#include "mcp/http_transport.hpp"
#include "mcp/mcp_server.hpp"
#include "mcp/tool_catalog.hpp"
#include "plugins/plugin_registry.hpp"
#include "projects/backup_service.hpp"
#include "projects/project_service.hpp"
#include "projects/skills_installer.hpp"
#include "runs/live_runs.hpp"
#include "runs/mcp_tokens.hpp"
#include "runs/run_service.hpp"
#include "store/store.hpp"

namespace devkit::app {

/// The assembled host: validated configuration, loaded plugins, routes and the HTTP server. Used by
/// HostApp (the devkit executable) and, in-process, by the integration tests.
/// THREADING: construct, start and stop on one thread; the server runs on its pool.
class Host {
 public:
  /// Loads every enabled plugin and registers the routes. Throws config::ConfigError or
  /// plugins::PluginError (both mean: exit 78).
  explicit Host(config::HostConfig config,
                plugins::UnloadPolicy unload = plugins::UnloadPolicy::kNever);
  ~Host();
  Host(const Host&) = delete;
  Host& operator=(const Host&) = delete;

  /// Add routes before start() (the tests add a streaming route this way).
  http::Router& router() { return *router_; }

  void start();
  int port() const;
  /// Graceful stop within [server] shutdown_timeout_s; then the plugins are destroyed. Returns
  /// false if workers were still busy at the deadline (plugins are then left alone).
  bool stop();

  /// The /healthz document.
  nlohmann::json health() const;

  const config::HostConfig& config() const { return config_; }
  /// The backup service, or null when no storage plugin is enabled or [backup] enabled = no.
  projects::BackupService* backups() { return backups_.get(); }
  const projects::ProjectPaths& paths() const { return paths_; }
  plugins::PluginRegistry& plugins() { return registry_; }
  projects::ProjectService& projects() { return *projects_; }
  conversations::ConversationService& conversations() { return *conversations_; }
  runs::LiveRuns& liveRuns() { return runs_; }
  runs::RunService& agentRuns() { return *agentRuns_; }
  runs::McpTokens& mcpTokens() { return mcpTokens_; }
  mcp::McpServer& mcpServer() { return *mcpServer_; }

 private:
  void registerRoutes();

  config::HostConfig config_;
  plugins::PluginRegistry registry_;
  std::shared_ptr<http::Router> router_;
  projects::ProjectPaths paths_;
  std::unique_ptr<projects::BackupService> backups_;
  identity::Identity identity_;
  runs::LiveRuns runs_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<projects::SkillsInstaller> skills_;
  std::unique_ptr<projects::ProjectService> projects_;
  std::unique_ptr<conversations::ConversationService> conversations_;
  runs::McpTokens mcpTokens_;
  std::unique_ptr<runs::RunService> agentRuns_;
  std::unique_ptr<api::ApiContext> api_;
  std::unique_ptr<mcp::McpServer> mcpServer_;
  std::unique_ptr<mcp::HttpTransport> mcpHttp_;
  std::unique_ptr<http::HttpServer> server_;
  std::chrono::steady_clock::time_point startedAt_;
  bool stopped_ = false;
};

}  // namespace devkit::app
