// Identity tool (databricks-api.md §8.1): get_current_user, from SCIM Me plus the
// x-databricks-org-id response header (the workspace id).
#include <cctype>
#include <string>

#include "tools/tool.hpp"

namespace devkit::databricks {
namespace {

// Service principals sign in with their application (client) id as userName: a UUID.
bool looksLikeUuid(const std::string& text) {
  if (text.size() != 36) return false;
  for (size_t i = 0; i < text.size(); ++i) {
    const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? text[i] != '-' : !std::isxdigit(static_cast<unsigned char>(text[i]))) return false;
  }
  return true;
}

ToolResult getCurrentUser(ToolContext& ctx) {
  Request request;
  request.method = "GET";
  request.path = "/api/2.0/preview/scim/v2/Me";
  Response response = ctx.client().send(request);
  const json me = response.json();
  const std::string userName = me.value("userName", "");
  json groups = json::array();
  for (const auto& group : me.value("groups", json::array())) {
    if (group.is_object() && group.contains("display") && group["display"].is_string()) {
      groups.push_back(group["display"]);
    }
  }
  std::string email;
  for (const auto& entry : me.value("emails", json::array())) {
    if (entry.is_object() && entry.value("primary", false) && entry.contains("value")) {
      email = entry.value("value", "");
    }
  }
  const bool servicePrincipal = looksLikeUuid(userName) || ctx.caller().credential == "oauth-m2m";
  json answer = {{"user_name", userName},
                 {"display_name", me.value("displayName", "")},
                 {"id", me.contains("id") ? me["id"] : json()},
                 {"active", me.value("active", true)},
                 {"groups", groups},
                 {"is_service_principal", servicePrincipal},
                 {"home_folder", userName.empty() ? "" : "/Workspace/Users/" + userName}};
  if (!email.empty()) answer["email"] = email;
  const std::string workspaceId = response.header("x-databricks-org-id");
  answer["workspace_id"] = workspaceId.empty() ? json() : json(workspaceId);
  if (!ctx.caller().credential.empty()) answer["credential"] = ctx.caller().credential;
  answer["workspace_url"] = ctx.client().host();
  return ToolResult::structured(answer);
}

}  // namespace

void registerIdentityTools(ToolRegistry& registry) {
  registry.add(ToolDef{
      .name = "get_current_user",
      .title = "Who am I on Databricks",
      .description =
          "Tells whose identity the Databricks calls run as: user name, display name, groups, "
          "whether it is a service principal, the workspace id and URL, and the caller's home "
          "folder (/Workspace/Users/<user name>, the usual place to upload code). Returns "
          "{user_name, display_name, id, active, groups[], is_service_principal, workspace_id, "
          "home_folder}.\nExample: {}",
      .inputSchema = {{"type", "object"},
                      {"properties", json::object()},
                      {"additionalProperties", false}},
      .outputSchema = nullptr,
      .readOnly = true,
      .destructive = false,
      .idempotent = true,
      .run = getCurrentUser});
}

}  // namespace devkit::databricks
