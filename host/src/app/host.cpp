#include "app/host.hpp"

#include <algorithm>
#include <filesystem>

#include "app/health.hpp"
#include "app/version.hpp"
#include "http/http_error.hpp"
#include "logging/logging.hpp"

namespace devkit::app {

Host::Host(config::HostConfig config, plugins::UnloadPolicy unload)
    : config_(std::move(config)),
      registry_(unload),
      router_(std::make_shared<http::Router>()),
      // Scratch space beside the project dirs, so restores and deletes are single renames.
      paths_(config_.projects.baseDir, std::filesystem::path(config_.dataDir) / "state",
             std::filesystem::path(config_.projects.baseDir) / ".tmp"),
      identity_(config_.auth) {
  registry_.loadAll(config_, kVersion);
  auto storage = registry_.storage();
  if (storage && config_.backup.enabled) {
    projects::BackupService::Options options;
    options.interval = std::chrono::seconds(config_.backup.intervalS);
    backups_ = std::make_unique<projects::BackupService>(storage, paths_, options);
  }
  store_ = std::make_unique<store::Store>(
      storage ? storage
              : store::unavailableStorage("no storage plugin is enabled (enable "
                                          "[plugin.storage-local] or [plugin.storage-lakebase])"));
  skills_ = std::make_unique<projects::SkillsInstaller>(registry_.skillsSource());
  projects::ProjectService::Options projectOptions;
  projectOptions.defaultCatalog = config_.projects.defaultCatalog;
  projects_ = std::make_unique<projects::ProjectService>(*store_, paths_, *skills_, runs_,
                                                         backups_.get(), projectOptions);
  conversations_ = std::make_unique<conversations::ConversationService>(*store_, runs_);
  runs::RunService::Options runOptions;
  runOptions.workspaceUrl = config_.auth.workspaceUrl;
  agentRuns_ = std::make_unique<runs::RunService>(*store_, *projects_, *conversations_, runs_,
                                                  mcpTokens_, registry_.agentBackend(), runOptions);
  // Listed once: a tool name clash between plugins stops startup here (PluginError, exit 78).
  mcp::McpServer::Options mcpOptions;
  mcpOptions.version = kVersion;
  // The run's events name tools as the agent sees them (mcp__<server>__<tool>).
  mcpOptions.onRunProgress = [runs = agentRuns_.get(),
                              prefix = "mcp__" + runOptions.mcpServer + "__"](
                                 const std::string& runId, nlohmann::json data) {
    data["tool_name"] = prefix + data.value("tool_name", "");
    runs->noteToolProgress(runId, std::move(data));
  };
  mcpOptions.onRunCall = [runs = agentRuns_.get(), prefix = "mcp__" + runOptions.mcpServer + "__"](
                             const std::string& runId, nlohmann::json data) {
    data["tool_name"] = prefix + data.value("tool_name", "");
    runs->noteToolCall(runId, std::move(data));
  };
  mcpOptions.operationAfter = std::chrono::seconds(config_.mcp.operationAfterS);
  mcpServer_ = std::make_unique<mcp::McpServer>(std::make_shared<mcp::ToolCatalog>(registry_),
                                                std::move(mcpOptions));
  mcp::HttpTransport::Options httpOptions;
  httpOptions.serverHost = config_.server.host;
  httpOptions.workspaceUrl = config_.auth.workspaceUrl;
  httpOptions.external = config_.mcp.external;
  mcpHttp_ =
      std::make_unique<mcp::HttpTransport>(*mcpServer_, mcpTokens_, paths_, std::move(httpOptions));
  api_ = std::make_unique<api::ApiContext>(api::ApiContext{
      config_, identity_, *projects_, *conversations_, runs_, *agentRuns_, *mcpServer_});
  registerRoutes();
}

Host::~Host() { stop(); }

void Host::registerRoutes() {
  router_->add("GET", "/healthz", [this](http::RequestContext& ctx) {
    const nlohmann::json doc = health();
    http::sendJson(ctx.response, doc["status"] == "stopping" ? 503 : 200, doc);
  });
  api::registerRoutes(*router_, *api_);
  mcpHttp_->registerRoutes(*router_);
}

void Host::start() {
  http::ServerOptions options;
  options.host = config_.server.host;
  options.port = config_.server.port;
  options.maxThreads = config_.server.maxThreads;
  options.maxStreams = config_.server.maxStreams;
  options.keepAliveTimeoutS = config_.server.keepAliveTimeoutS;
  options.requestTimeoutS = config_.server.requestTimeoutS;
  options.limits.maxBodyBytes = config_.server.maxBodyBytes;
  options.limits.sendTimeoutS = config_.server.sendTimeoutS;
  options.limits.heartbeatS = config_.server.sseHeartbeatS;
  options.webroot = config_.server.webroot;
  options.serverName = std::string("devkit/") + kVersion;
  if (!std::filesystem::is_regular_file(std::filesystem::path(options.webroot) / "index.html")) {
    logging::get("http")->warn("no index.html in {}: the web UI is not built; the API still works",
                               options.webroot);
  }
  server_ = std::make_unique<http::HttpServer>(options, router_);
  server_->start();
  // The agent reaches the tools through /mcp on this server, once the MCP server is there and a
  // tool provider is enabled.
  const auto routes = router_->routes();
  const bool hasMcp = std::any_of(routes.begin(), routes.end(),
                                  [](const auto& route) { return route.second == "/mcp"; });
  if (hasMcp && !registry_.toolProviders().empty()) {
    // The address the server listens on; a wildcard is reached through loopback.
    std::string host = config_.server.host;
    if (host.empty() || host == "0.0.0.0") host = "127.0.0.1";
    if (host == "::") host = "::1";
    if (host.find(':') != std::string::npos && host.front() != '[') host = "[" + host + "]";
    agentRuns_->setMcpUrl("http://" + host + ":" + std::to_string(server_->port()) + "/mcp");
  }
  if (backups_) {
    backups_->start();
  }
  startedAt_ = std::chrono::steady_clock::now();
}

int Host::port() const { return server_ ? server_->port() : 0; }

bool Host::stop() {
  if (stopped_) {
    return true;
  }
  stopped_ = true;
  bool clean = true;
  if (server_) {
    clean = server_->stop(std::chrono::seconds(config_.server.shutdownTimeoutS));
  }
  // Tool calls still running in the background (operations) stop before their plugins go.
  clean = mcpServer_->shutdown(std::chrono::seconds(config_.server.shutdownTimeoutS)) && clean;
  // Runs next: each is interrupted and stored (the agent and storage plugins are still up).
  agentRuns_->shutdown(std::chrono::seconds(config_.server.shutdownTimeoutS));
  if (backups_) {
    backups_->stop();  // before the storage plugin it writes to goes away
  }
  if (clean) {
    registry_.shutdown();
  }
  return clean;
}

nlohmann::json Host::health() const {
  const bool stopping = server_ && server_->shutdownSignal().triggered();
  const auto uptime = server_ ? std::chrono::duration_cast<std::chrono::seconds>(
                                    std::chrono::steady_clock::now() - startedAt_)
                                    .count()
                              : 0;
  nlohmann::json doc = buildHealth(registry_, kVersion, uptime, stopping);
  doc["backup"] = backups_ ? backups_->health() : nlohmann::json(nullptr);
  doc["runs"] = agentRuns_->health();
  return doc;
}

}  // namespace devkit::app
