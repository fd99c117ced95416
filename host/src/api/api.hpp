#pragma once

#include <nlohmann/json.hpp>

#include "config/host_config.hpp"
#include "conversations/conversation_service.hpp"
#include "http/router.hpp"
#include "identity/identity.hpp"
#include "mcp/mcp_server.hpp"
#include "projects/project_service.hpp"
#include "runs/live_runs.hpp"
#include "runs/run_service.hpp"

namespace devkit::api {

/// What the REST handlers work with; owned by the Host, alive as long as the server.
struct ApiContext {
  const config::HostConfig& config;
  const identity::Identity& identity;
  projects::ProjectService& projects;
  conversations::ConversationService& conversations;
  runs::LiveRuns& runs;
  runs::RunService& agent;
  mcp::McpServer& mcp;  // the tool providers' tools (catalog) and calls into them
};

/// Registers every /api route (docs/api.md; the OpenAPI document at /api/openapi.json).
void registerRoutes(http::Router& router, ApiContext& api);

// One registration function per resource (one file each).
void registerConfigRoutes(http::Router& router, ApiContext& api);
void registerProjectRoutes(http::Router& router, ApiContext& api);
void registerConversationRoutes(http::Router& router, ApiContext& api);
void registerFileRoutes(http::Router& router, ApiContext& api);
void registerAgentRoutes(http::Router& router, ApiContext& api);
void registerToolRoutes(http::Router& router, ApiContext& api);
void registerDatabricksRoutes(http::Router& router, ApiContext& api);

/// The OpenAPI 3.1 document (embedded at build time from host/openapi/openapi.json).
const nlohmann::json& openApiDocument();

}  // namespace devkit::api
