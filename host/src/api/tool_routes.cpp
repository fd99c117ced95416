// The project's MCP tools: which the agent may use (GET) and which the user turned off (PUT).
#include "api/api.hpp"
#include "api/request_helpers.hpp"
#include "http/http_error.hpp"

namespace devkit::api {
namespace {

using nlohmann::json;

constexpr size_t kMaxToolName = 128;

json toolsView(const mcp::ToolCatalog& catalog, const projects::ToolGate& gate) {
  json tools = json::array();
  for (const mcp::ToolEntry& entry : catalog.tools()) {
    const std::string name = entry.tool.value("name", "");
    const std::string off = gate.offBecause(name);
    json item = {{"name", name},
                 {"plugin", entry.pluginId},
                 {"description", entry.tool.value("description", "")},
                 {"enabled", off.empty()},
                 {"off_because", off.empty() ? json(nullptr) : json(off)},
                 {"skills", gate.gatingSkills(name)}};
    if (entry.tool.contains("title")) item["title"] = entry.tool["title"];
    tools.push_back(std::move(item));
  }
  json disabled = json::array();
  for (const std::string& name : gate.disabledBySettings()) disabled.push_back(name);
  return {{"tools", std::move(tools)}, {"disabled", std::move(disabled)}};
}

}  // namespace

void registerToolRoutes(http::Router& router, ApiContext& api) {
  router.add("GET", "/api/projects/{id}/tools", [&api](http::RequestContext& ctx) {
    const auto user = api.identity.resolve(ctx.request);
    http::sendJson(
        ctx.response, 200,
        toolsView(api.mcp.catalog(), api.projects.toolGate(user.email, ctx.param("id"))));
  });

  router.add("PUT", "/api/projects/{id}/tools", [&api](http::RequestContext& ctx) {
    const auto user = api.identity.resolve(ctx.request);
    const json body = objectBody(ctx, {"disabled"});
    const json disabled = body.value("disabled", json());
    if (!disabled.is_array()) {
      throw core::Failure::invalid(
          "disabled", "\"disabled\" is required: an array of tool names ([] for none)");
    }
    std::vector<std::string> names;
    for (const json& name : disabled) {
      if (!name.is_string() || name.get_ref<const std::string&>().empty() ||
          name.get_ref<const std::string&>().size() > kMaxToolName) {
        throw core::Failure::invalid("disabled", "\"disabled\" must hold tool names (strings)");
      }
      // A typo would otherwise turn nothing off, silently.
      if (api.mcp.catalog().find(name.get<std::string>()) == nullptr) {
        throw core::Failure::invalid("disabled", "unknown tool '" + name.get<std::string>() +
                                                     "' (GET /api/projects/{id}/tools lists them)");
      }
      if (std::find(names.begin(), names.end(), name.get<std::string>()) == names.end()) {
        names.push_back(name.get<std::string>());
      }
    }
    api.projects.putDisabledTools(user.email, ctx.param("id"), names);
    http::sendJson(
        ctx.response, 200,
        toolsView(api.mcp.catalog(), api.projects.toolGate(user.email, ctx.param("id"))));
  });
}

}  // namespace devkit::api
