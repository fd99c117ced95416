#include "api/api.hpp"
#include "api/request_helpers.hpp"
#include "api/views.hpp"
#include "http/http_error.hpp"

namespace devkit::api {
namespace {

using nlohmann::json;

constexpr int kDefaultPage = 100;
constexpr int kMaxPage = 1000;

}  // namespace

void registerProjectRoutes(http::Router& router, ApiContext& api) {
  auto& projects = api.projects;
  auto view = [&projects](json project) {
    json settings = projects.settingsOf(project);
    return projectView(std::move(project), std::move(settings));
  };

  router.add("GET", "/api/projects", [&api, &projects, view](http::RequestContext& ctx) {
    const auto user = api.identity.resolve(ctx.request);
    const int limit = limitParam(ctx, kDefaultPage, kMaxPage);
    store::Page page = projects.list(user.email, limit, cursorParam(ctx));
    json out = json::array();
    for (json& p : page.items) out.push_back(view(std::move(p)));
    setNextPage(ctx, page.nextCursor, limit);
    http::sendJson(ctx.response, 200, out);
  });

  router.add("POST", "/api/projects", [&api, &projects, view](http::RequestContext& ctx) {
    const auto user = api.identity.resolve(ctx.request);
    const json body = objectBody(ctx, {"name", "enabled_skills"});
    if (!body.contains("name")) throw core::Failure::invalid("name", "\"name\" is required");
    const json project = projects.create(user, body["name"], body.value("enabled_skills", json()));
    json out = view(project);
    out["backup"] = backupView(projects.backupStatus(user.email, project["id"]));
    ctx.response.set("Location", "/api/projects/" + project["id"].get<std::string>());
    http::sendJson(ctx.response, 201, out);
  });

  router.add("GET", "/api/projects/{id}", [&api, &projects, view](http::RequestContext& ctx) {
    const auto user = api.identity.resolve(ctx.request);
    const json project = projects.get(user.email, ctx.param("id"));
    json out = view(project);
    out["backup"] = backupView(projects.backupStatus(user.email, ctx.param("id")));
    out["has_live_run"] = api.runs.projectBusy(ctx.param("id"));
    http::sendJson(ctx.response, 200, out);
  });

  router.add("PATCH", "/api/projects/{id}", [&api, &projects, view](http::RequestContext& ctx) {
    const auto user = api.identity.resolve(ctx.request);
    const json body = objectBody(ctx, {"name"});
    if (!body.contains("name")) throw core::Failure::invalid("name", "\"name\" is required");
    http::sendJson(ctx.response, 200,
                   view(projects.rename(user.email, ctx.param("id"), body["name"])));
  });

  router.add("DELETE", "/api/projects/{id}", [&api, &projects](http::RequestContext& ctx) {
    const auto user = api.identity.resolve(ctx.request);
    projects.remove(user.email, ctx.param("id"));
    http::sendJson(ctx.response, 200, {{"success", true}, {"deleted_project_id", ctx.param("id")}});
  });

  router.add("POST", "/api/projects/{id}/backup", [&api, &projects](http::RequestContext& ctx) {
    const auto user = api.identity.resolve(ctx.request);
    http::sendJson(ctx.response, 200, backupView(projects.backupNow(user.email, ctx.param("id"))));
  });

  router.add("GET", "/api/projects/{id}/settings", [&api, &projects](http::RequestContext& ctx) {
    const auto user = api.identity.resolve(ctx.request);
    http::sendJson(ctx.response, 200, projects.settings(user.email, ctx.param("id")));
  });

  router.add("PUT", "/api/projects/{id}/settings", [&api, &projects](http::RequestContext& ctx) {
    const auto user = api.identity.resolve(ctx.request);
    const json body = ctx.jsonBody();
    http::sendJson(ctx.response, 200, projects.putSettings(user.email, ctx.param("id"), body));
  });

  router.add("GET", "/api/projects/{id}/skills", [&api, &projects](http::RequestContext& ctx) {
    const auto user = api.identity.resolve(ctx.request);
    http::sendJson(ctx.response, 200, projects.skills(user.email, ctx.param("id")));
  });

  router.add(
      "POST", "/api/projects/{id}/skills/reload", [&api, &projects](http::RequestContext& ctx) {
        const auto user = api.identity.resolve(ctx.request);
        objectBody(ctx, std::initializer_list<const char*>{}, Body::kOptional);
        http::sendJson(ctx.response, 200, projects.reloadSkills(user.email, ctx.param("id")));
      });

  router.add("PUT", "/api/projects/{id}/skills", [&api, &projects](http::RequestContext& ctx) {
    const auto user = api.identity.resolve(ctx.request);
    const json body = objectBody(ctx, {"enabled"});
    if (!body.contains("enabled")) {
      throw core::Failure::invalid("enabled",
                                   "\"enabled\" is required (an array of skill names, or null)");
    }
    http::sendJson(ctx.response, 200,
                   projects.putSkills(user.email, ctx.param("id"), body["enabled"]));
  });
}

}  // namespace devkit::api
