#include "mcp/http_transport.hpp"

#include <algorithm>
#include <cstdio>
#include <random>

#include <Poco/URI.h>

#include "http/event_stream.hpp"
#include "http/http_error.hpp"
#include "logging/logging.hpp"
#include "mcp/json_rpc.hpp"

namespace devkit::mcp {

namespace {

using nlohmann::json;

std::string randomId() {
  std::random_device device;  // session ids are guessable otherwise
  char out[33];
  std::snprintf(out, sizeof out, "%08x%08x%08x%08x", device(), device(), device(), device());
  return out;
}

void sendRpcError(http::RequestContext& ctx, int status, int code, const std::string& message) {
  http::sendJson(ctx.response, status, rpcError(nullptr, code, message));
}

bool isLocalHostName(const std::string& host) {
  return host == "localhost" || host == "127.0.0.1" || host == "::1" || host == "[::1]";
}

}  // namespace

HttpTransport::HttpTransport(McpServer& server, runs::McpTokens& tokens,
                             const projects::ProjectPaths& paths, Options options)
    : server_(server), tokens_(tokens), paths_(paths), options_(std::move(options)) {
  if (options_.external && !options_.workspaceUrl.empty()) {
    workspace_ = std::make_unique<WorkspaceIdentity>(options_.workspaceUrl);
  }
}

void HttpTransport::registerRoutes(http::Router& router) {
  router.add("POST", "/mcp", [this](http::RequestContext& ctx) { post(ctx); });
  router.add("DELETE", "/mcp", [this](http::RequestContext& ctx) { remove(ctx); });
}

bool HttpTransport::originAllowed(const std::string& origin) const {
  std::string host;
  try {
    host = Poco::URI(origin).getHost();
  } catch (const Poco::Exception&) {
    return false;
  }
  if (isLocalHostName(host)) return true;
  const std::string& own = options_.serverHost;
  return !own.empty() && own != "0.0.0.0" && own != "::" && host == own;
}

std::optional<HttpTransport::Admission> HttpTransport::admit(http::RequestContext& ctx,
                                                             std::string& token) {
  // Origin before anything else: a page on a rebinding domain must learn nothing.
  if (ctx.request.has("Origin") && !originAllowed(ctx.request.get("Origin"))) {
    logging::get("mcp")->warn("refused /mcp request from Origin {}", ctx.request.get("Origin"));
    sendRpcError(ctx, 403, kInvalidRequest, "forbidden: this Origin may not use the MCP server");
    return std::nullopt;
  }
  const std::string authorization = ctx.request.get("Authorization", "");
  constexpr std::string_view kBearer = "Bearer ";
  std::optional<Admission> admission;
  if (authorization.size() > kBearer.size() &&
      std::equal(kBearer.begin(), kBearer.end(), authorization.begin(),
                 [](char a, char b) { return std::tolower(a) == std::tolower(b); })) {
    token = authorization.substr(kBearer.size());
    if (auto binding = tokens_.check(token)) {
      admission = Admission{std::move(*binding), ""};
    } else if (workspace_ && !tokens_.issued(token)) {
      // An outside MCP client: its own Databricks token, and the workspace says whose it is.
      const WorkspaceIdentity::Result who = workspace_->check(token);
      if (who.outcome == WorkspaceIdentity::Outcome::kUnavailable) {
        sendRpcError(ctx, 503, kInternalError,
                     "unavailable: the Databricks workspace could not verify the token; try again");
        return std::nullopt;
      }
      if (who.outcome == WorkspaceIdentity::Outcome::kAccepted) {
        runs::RunBinding binding;
        binding.owner = who.email;
        binding.databricksToken = token;
        admission = Admission{std::move(binding), who.name};
      }
    }
  }
  if (!admission) {
    ctx.response.set("WWW-Authenticate", "Bearer realm=\"devkit-mcp\"");
    sendRpcError(ctx, 401, kInvalidRequest,
                 workspace_ ? "unauthorized: a Databricks token of this workspace (or of a live "
                              "agent run) is required"
                            : "unauthorized: a bearer token of a live agent run is required");
    return std::nullopt;
  }
  return admission;
}

std::shared_ptr<Session> HttpTransport::openSession(const std::string& token, std::string& id) {
  std::lock_guard lock(mutex_);
  if (sessions_.size() >= options_.maxSessions) {
    // Clients that never DELETE would otherwise grow this forever: drop the stalest.
    const auto stalest = std::min_element(
        sessions_.begin(), sessions_.end(),
        [](const auto& a, const auto& b) { return a.second.lastUsed < b.second.lastUsed; });
    sessions_.erase(stalest);
  }
  id = randomId();
  auto session = std::make_shared<Session>();
  sessions_[id] = SessionEntry{session, token, std::chrono::steady_clock::now()};
  return session;
}

std::shared_ptr<Session> HttpTransport::findSession(const std::string& id,
                                                    const std::string& token) {
  std::lock_guard lock(mutex_);
  const auto it = sessions_.find(id);
  if (it == sessions_.end() || it->second.token != token) return nullptr;
  it->second.lastUsed = std::chrono::steady_clock::now();
  return it->second.session;
}

void HttpTransport::post(http::RequestContext& ctx) {
  // Read (and bound) the body before any refusal: an unread body left on a kept-alive connection
  // would be taken for the client's next request.
  ctx.body();
  std::string token;
  const auto admission = admit(ctx, token);
  if (!admission) return;
  const runs::RunBinding* binding = &admission->binding;
  const std::string contentType = ctx.request.getContentType();
  if (contentType.rfind("application/json", 0) != 0) {
    sendRpcError(ctx, 415, kInvalidRequest, "the body must be application/json");
    return;
  }
  if (nestingDepth(ctx.body()) > kMaxNesting) {
    sendRpcError(ctx, 400, kInvalidRequest,
                 "invalid request: the message nests deeper than " + std::to_string(kMaxNesting) +
                     " levels");
    return;
  }
  const json message = json::parse(ctx.body(), nullptr, false);
  if (message.is_discarded()) {
    sendRpcError(ctx, 400, kParseError, "parse error: the body is not valid JSON");
    return;
  }
  if (ctx.request.has("MCP-Protocol-Version")) {
    const std::string version = ctx.request.get("MCP-Protocol-Version");
    const auto& versions = McpServer::supportedVersions();
    if (std::find(versions.begin(), versions.end(), version) == versions.end()) {
      sendRpcError(ctx, 400, kInvalidRequest, "unsupported MCP-Protocol-Version " + version);
      return;
    }
  }
  const bool isInitialize = message.is_object() && message.value("method", json()) == "initialize";
  std::shared_ptr<Session> session;
  std::string sessionId;
  if (isInitialize) {
    session = openSession(token, sessionId);
  } else if (message.is_object()) {
    sessionId = ctx.request.get("Mcp-Session-Id", "");
    if (sessionId.empty()) {
      sendRpcError(ctx, 400, kInvalidRequest, "the Mcp-Session-Id header is required");
      return;
    }
    session = findSession(sessionId, token);
    if (!session) {
      sendRpcError(ctx, 404, kInvalidRequest, "unknown session; initialize again");
      return;
    }
  }

  CallContext context;
  context.userEmail = binding->owner;
  context.userName = !admission->name.empty() ? admission->name
                                              : binding->owner.substr(0, binding->owner.find('@'));
  context.projectId = binding->projectId;
  // An outside client's calls have no project (and no project dir).
  if (!binding->projectId.empty()) {
    context.projectDir = paths_.projectDir(binding->projectId).string();
  }
  context.runId = binding->runId;
  context.databricksHost = options_.workspaceUrl;
  context.databricksToken = binding->databricksToken;
  context.disabledTools = binding->disabledTools;

  Session scratch;  // a malformed message has no session; it is answered with an error only
  Session& target = session ? *session : scratch;
  if (isInitialize) ctx.response.set("Mcp-Session-Id", sessionId);

  // A call is answered as JSON unless it sends a notification (progress, a log message) before
  // its result: the answer then switches to an event stream, if the client accepts one. Deciding
  // lazily keeps quick calls plain JSON and still streams every notification of a slow one.
  const bool streamable =
      ctx.request.get("Accept", "").find("text/event-stream") != std::string::npos;
  std::mutex writing;  // notifications come from plugin threads
  std::optional<http::EventStream> stream;
  uint64_t eventId = 0;
  bool noStream = false;  // the host is at its stream limit: notifications are dropped
  const auto notify = [&](const json& note) {
    std::lock_guard lock(writing);
    if (!stream && !noStream) {
      try {
        stream.emplace(ctx);
      } catch (const http::HttpError&) {
        noStream = true;
        ctx.response.erase("Retry-After");
      }
    }
    if (stream) stream->event(++eventId, "message", note.dump());
  };
  const auto response =
      server_.handle(message, target, context, streamable ? McpServer::Notify(notify) : nullptr);
  std::lock_guard lock(writing);
  if (stream) {
    if (response) stream->event(++eventId, "message", response->dump());
    return;
  }
  if (!response) {
    ctx.response.setStatus(Poco::Net::HTTPResponse::HTTP_ACCEPTED);
    ctx.response.setContentLength(0);
    ctx.response.send();
    return;
  }
  http::sendJson(ctx.response, 200, *response);
}

void HttpTransport::remove(http::RequestContext& ctx) {
  ctx.body();  // as in post()
  std::string token;
  if (!admit(ctx, token)) return;
  const std::string sessionId = ctx.request.get("Mcp-Session-Id", "");
  bool erased = false;
  {
    std::lock_guard lock(mutex_);
    const auto it = sessions_.find(sessionId);
    if (it != sessions_.end() && it->second.token == token) {
      sessions_.erase(it);
      erased = true;
    }
  }
  if (!erased) {
    sendRpcError(ctx, 404, kInvalidRequest, "unknown session");
    return;
  }
  ctx.response.setStatus(Poco::Net::HTTPResponse::HTTP_NO_CONTENT);
  ctx.response.setContentLength(0);
  ctx.response.send();
}

}  // namespace devkit::mcp
