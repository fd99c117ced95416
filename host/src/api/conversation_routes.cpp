#include "api/api.hpp"
#include "api/request_helpers.hpp"
#include "api/views.hpp"
#include "http/http_error.hpp"

namespace devkit::api {
namespace {

using nlohmann::json;

constexpr int kDefaultPage = 100;
constexpr int kMaxPage = 1000;
constexpr int kMaxMessages = 1000;

}  // namespace

void registerConversationRoutes(http::Router& router, ApiContext& api) {
  auto& conversations = api.conversations;

  router.add(
      "GET", "/api/projects/{id}/conversations", [&api, &conversations](http::RequestContext& ctx) {
        const auto user = api.identity.resolve(ctx.request);
        const int limit = limitParam(ctx, kDefaultPage, kMaxPage);
        store::Page page = conversations.list(user.email, ctx.param("id"), limit, cursorParam(ctx));
        json out = json::array();
        for (json& c : page.items) out.push_back(conversationView(std::move(c)));
        setNextPage(ctx, page.nextCursor, limit);
        http::sendJson(ctx.response, 200, out);
      });

  auto create = [&conversations](http::RequestContext& ctx, const identity::User& user,
                                 const std::string& projectId, const json& body) {
    const json conversation =
        conversations.create(user.email, projectId, body.value("title", json()));
    json out = conversationView(conversation);
    out["messages"] = json::array();
    ctx.response.set("Location", "/api/conversations/" + conversation["id"].get<std::string>());
    http::sendJson(ctx.response, 201, out);
  };

  // The original's path: the project in the body.
  router.add("POST", "/api/conversations", [&api, create](http::RequestContext& ctx) {
    const auto user = api.identity.resolve(ctx.request);
    const json body = objectBody(ctx, {"project_id", "title"});
    if (!body.contains("project_id") || !body["project_id"].is_string()) {
      throw core::Failure::invalid("project_id", "\"project_id\" is required (a string)");
    }
    create(ctx, user, body["project_id"], body);
  });

  router.add("POST", "/api/projects/{id}/conversations", [&api, create](http::RequestContext& ctx) {
    const auto user = api.identity.resolve(ctx.request);
    // Every member is optional: a bare POST (no body) creates an untitled conversation.
    const json body = objectBody(ctx, {"title"}, Body::kOptional);
    create(ctx, user, ctx.param("id"), body);
  });

  router.add("GET", "/api/conversations/{id}", [&api, &conversations](http::RequestContext& ctx) {
    const auto user = api.identity.resolve(ctx.request);
    const int64_t afterSeq = integerParam(ctx, "after_seq", -1, -1);
    const int limit = limitParam(ctx, kMaxMessages, kMaxMessages);
    json out = conversationView(conversations.get(user.email, ctx.param("id")));
    auto page = conversations.messages(user.email, ctx.param("id"), afterSeq, limit);
    json messages = json::array();
    for (json& m : page.items) messages.push_back(messageView(std::move(m)));
    out["messages"] = std::move(messages);
    out["next_after_seq"] = page.nextAfterSeq ? json(*page.nextAfterSeq) : json(nullptr);
    const auto live = api.runs.runOfConversation(ctx.param("id"));
    out["active_run_id"] = live ? json(*live) : json(nullptr);
    http::sendJson(ctx.response, 200, out);
  });

  router.add("PATCH", "/api/conversations/{id}", [&api, &conversations](http::RequestContext& ctx) {
    const auto user = api.identity.resolve(ctx.request);
    const json body = objectBody(ctx, {"title"});
    if (!body.contains("title")) throw core::Failure::invalid("title", "\"title\" is required");
    http::sendJson(
        ctx.response, 200,
        conversationView(conversations.rename(user.email, ctx.param("id"), body["title"])));
  });

  router.add("DELETE", "/api/conversations/{id}",
             [&api, &conversations](http::RequestContext& ctx) {
               const auto user = api.identity.resolve(ctx.request);
               conversations.remove(user.email, ctx.param("id"));
               http::sendJson(ctx.response, 200,
                              {{"success", true}, {"deleted_conversation_id", ctx.param("id")}});
             });
}

}  // namespace devkit::api
