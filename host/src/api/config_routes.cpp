#include "api/api.hpp"
#include "http/http_error.hpp"

namespace devkit::api {

void registerConfigRoutes(http::Router& router, ApiContext& api) {
  router.add("GET", "/api/config/user", [&api](http::RequestContext& ctx) {
    http::sendJson(ctx.response, 200, api.identity.describe(api.identity.resolve(ctx.request)));
  });
  // The API's own description; public like /healthz (it holds no user data).
  router.add("GET", "/api/openapi.json", [](http::RequestContext& ctx) {
    http::sendJson(ctx.response, 200, openApiDocument());
  });
}

void registerRoutes(http::Router& router, ApiContext& api) {
  registerConfigRoutes(router, api);
  registerProjectRoutes(router, api);
  registerConversationRoutes(router, api);
  registerFileRoutes(router, api);
  registerAgentRoutes(router, api);
  registerToolRoutes(router, api);
  registerDatabricksRoutes(router, api);
}

}  // namespace devkit::api
