// What the UI's settings pickers offer: the user's catalogs, schemas, SQL warehouses and clusters,
// read through the tool providers' own list tools (mcp-databricks), as the signed-in user.
#include <map>

#include "api/api.hpp"
#include "api/request_helpers.hpp"
#include "http/http_error.hpp"
#include "logging/logging.hpp"

namespace devkit::api {
namespace {

using nlohmann::json;

/// One picker: the tool that lists it, the member of its structuredContent holding the list, and
/// how an item becomes {id, name, state?, detail?}.
struct Listing {
  const char* tool;
  const char* member;
  const char* idKey;
  const char* nameKey;
  const char* stateKey;   // may be empty
  const char* detailKey;  // may be empty
};

const std::map<std::string, Listing>& listings() {
  static const std::map<std::string, Listing> all = {
      {"catalogs", {"list_catalogs", "catalogs", "name", "name", "", "comment"}},
      {"schemas", {"list_schemas", "schemas", "name", "name", "", "comment"}},
      {"warehouses", {"list_warehouses", "warehouses", "id", "name", "state", "size"}},
      {"clusters", {"list_clusters", "clusters", "cluster_id", "cluster_name", "state", ""}},
  };
  return all;
}

json itemOf(const json& source, const Listing& listing) {
  json item = {{"id", source.value(listing.idKey, json())},
               {"name", source.value(listing.nameKey, json())}};
  if (*listing.stateKey != '\0' && source.contains(listing.stateKey)) {
    item["state"] = source[listing.stateKey];
  }
  if (*listing.detailKey != '\0' && source.contains(listing.detailKey) &&
      !source[listing.detailKey].is_null()) {
    item["detail"] = source[listing.detailKey];
  }
  return item;
}

}  // namespace

void registerDatabricksRoutes(http::Router& router, ApiContext& api) {
  router.add("GET", "/api/projects/{id}/databricks/{kind}", [&api](http::RequestContext& ctx) {
    const auto user = api.identity.resolve(ctx.request);
    const std::string kind = ctx.param("kind");
    const auto found = listings().find(kind);
    if (found == listings().end()) {
      throw core::Failure::notFound("list '" + kind +
                                    "' (catalogs, schemas, warehouses or clusters)");
    }
    const Listing& listing = found->second;
    json arguments = json::object();
    if (kind == "schemas") {
      const std::string catalog = ctx.query("catalog").value_or("");
      if (catalog.empty()) {
        throw core::Failure::invalid("catalog", "the catalog query parameter is required");
      }
      arguments["catalog"] = catalog;
    }
    const json project = api.projects.get(user.email, ctx.param("id"));  // 404 for others
    if (api.mcp.catalog().find(listing.tool) == nullptr) {
      throw core::Failure(core::FailureKind::kUnavailable, "databricks_unavailable",
                          std::string("no enabled tool provider offers ") + listing.tool +
                              " (enable [plugin.mcp-databricks])");
    }
    // The call acts like the agent's: the user's own token when the host has one.
    mcp::CallContext context;
    context.userEmail = user.email;
    context.userName = user.displayName;
    context.projectId = project.value("id", "");
    context.projectDir = api.projects.paths().projectDir(context.projectId).string();
    context.databricksHost = api.config.auth.workspaceUrl;
    context.databricksToken = user.accessToken;
    context.waitForResult = true;  // a REST answer has no check_operation_status to come back to
    mcp::Session session;
    const json message = {{"jsonrpc", "2.0"},
                          {"id", 1},
                          {"method", "tools/call"},
                          {"params", {{"name", listing.tool}, {"arguments", arguments}}}};
    const auto answer = api.mcp.handle(message, session, context, nullptr);
    const json result = answer ? answer->value("result", json()) : json();
    const json structured = result.is_object() ? result.value("structuredContent", json()) : json();
    if (!result.is_object() || result.value("isError", false) || !structured.is_object() ||
        !structured.contains(listing.member)) {
      // The tool's own words say what is wrong (no credentials, a 403, an unreachable host).
      std::string why = "the Databricks workspace did not answer";
      if (answer && answer->contains("error")) {
        why = (*answer)["error"].value("message", why);
      } else if (result.is_object() && result.contains("content") && result["content"].is_array() &&
                 !result["content"].empty() && result["content"][0].is_object() &&
                 result["content"][0].contains("text") &&
                 result["content"][0]["text"].is_string()) {
        why = result["content"][0]["text"];
      }
      logging::get("api")->warn("{} for {}: {}", listing.tool, user.email, why);
      throw core::Failure(core::FailureKind::kUnavailable, "databricks_unavailable", why);
    }
    json items = json::array();
    for (const json& source : structured[listing.member]) {
      if (source.is_object()) items.push_back(itemOf(source, listing));
    }
    json out = {{"items", std::move(items)}};
    if (structured.contains("best_warehouse_id")) {
      out["suggested"] = structured["best_warehouse_id"];
    }
    if (structured.value("more", false) || structured.value("truncated", false)) {
      out["truncated"] = true;
    }
    http::sendJson(ctx.response, 200, out);
  });
}

}  // namespace devkit::api
