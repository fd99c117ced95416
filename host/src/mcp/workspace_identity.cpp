#include "mcp/workspace_identity.hpp"

#include <Poco/DigestEngine.h>
#include <Poco/Exception.h>
#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/HTTPSClientSession.h>
#include <Poco/SHA2Engine.h>
#include <Poco/StreamCopier.h>
#include <Poco/URI.h>

#include <memory>
#include <nlohmann/json.hpp>

#include "app/version.hpp"
#include "logging/logging.hpp"

namespace devkit::mcp {

namespace {

std::string tokenKey(const std::string& token) {
  Poco::SHA2Engine engine(Poco::SHA2Engine::SHA_256);
  engine.update(token);
  return Poco::DigestEngine::digestToHex(engine.digest());
}

Poco::Net::Context::Ptr tlsContext() {
  // One client context: system CAs, the peer's certificate and name checked.
  static std::once_flag once;
  static Poco::Net::Context::Ptr context;
  std::call_once(once, [] {
    context = new Poco::Net::Context(Poco::Net::Context::TLS_CLIENT_USE, "",
                                     Poco::Net::Context::VERIFY_RELAXED, 9, true);
  });
  return context;
}

}  // namespace

WorkspaceIdentity::WorkspaceIdentity(std::string workspaceUrl, std::chrono::seconds ttl)
    : workspaceUrl_(std::move(workspaceUrl)), ttl_(ttl) {
  while (!workspaceUrl_.empty() && workspaceUrl_.back() == '/') workspaceUrl_.pop_back();
}

WorkspaceIdentity::Result WorkspaceIdentity::check(const std::string& token) {
  if (token.empty() || workspaceUrl_.empty()) return Result{Outcome::kRefused, "", ""};
  const std::string key = tokenKey(token);
  const auto now = std::chrono::steady_clock::now();
  {
    std::lock_guard lock(mutex_);
    const auto it = cache_.find(key);
    if (it != cache_.end()) {
      if (it->second.expires > now) return it->second.result;
      cache_.erase(it);
    }
  }
  // Asked without the lock: a slow workspace must not hold up every other client. Two first
  // calls with one token may both ask; the answers agree.
  Result result = ask(token);
  if (result.outcome != Outcome::kUnavailable) {
    std::lock_guard lock(mutex_);
    // Expired entries of other tokens go too, so the cache holds only live answers.
    for (auto it = cache_.begin(); it != cache_.end();) {
      it = it->second.expires <= now ? cache_.erase(it) : std::next(it);
    }
    const auto ttl = result.outcome == Outcome::kAccepted ? ttl_ : kRefusalTtl;
    cache_[key] = Entry{result, std::chrono::steady_clock::now() + ttl};
  }
  return result;
}

WorkspaceIdentity::Result WorkspaceIdentity::ask(const std::string& token) const {
  const auto log = logging::get("mcp");
  try {
    const Poco::URI uri(workspaceUrl_);
    std::unique_ptr<Poco::Net::HTTPClientSession> session;
    if (uri.getScheme() == "https") {
      session = std::make_unique<Poco::Net::HTTPSClientSession>(uri.getHost(), uri.getPort(),
                                                                tlsContext());
    } else {
      session = std::make_unique<Poco::Net::HTTPClientSession>(uri.getHost(), uri.getPort());
    }
    session->setTimeout(Poco::Timespan(10, 0));
    std::string path = uri.getPath();
    while (!path.empty() && path.back() == '/') path.pop_back();
    Poco::Net::HTTPRequest request(Poco::Net::HTTPRequest::HTTP_GET,
                                   path + "/api/2.0/preview/scim/v2/Me",
                                   Poco::Net::HTTPMessage::HTTP_1_1);
    request.set("Authorization", "Bearer " + token);
    request.set("User-Agent", std::string("devkit/") + kVersion);
    request.set("Accept", "application/json");
    session->sendRequest(request);
    Poco::Net::HTTPResponse response;
    std::string body;
    Poco::StreamCopier::copyToString(session->receiveResponse(response), body);
    const int status = response.getStatus();
    if (status == 401 || status == 403) {
      log->info("the workspace refused an external MCP client's token ({})", status);
      return Result{Outcome::kRefused, "", ""};
    }
    if (status != 200) {
      log->warn("the workspace could not check an external MCP client's token: HTTP {}", status);
      return Result{Outcome::kUnavailable, "", ""};
    }
    const nlohmann::json me = nlohmann::json::parse(body, nullptr, false);
    if (!me.is_object() || !me.contains("userName") || !me["userName"].is_string() ||
        me["userName"].get<std::string>().empty()) {
      log->warn("the workspace's SCIM Me answer has no userName");
      return Result{Outcome::kUnavailable, "", ""};
    }
    Result result{Outcome::kAccepted, me["userName"].get<std::string>(), ""};
    if (me.contains("displayName") && me["displayName"].is_string()) {
      result.name = me["displayName"].get<std::string>();
    }
    return result;
  } catch (const Poco::Exception& e) {
    log->warn("the workspace could not check an external MCP client's token: {}", e.displayText());
  } catch (const std::exception& e) {
    log->warn("the workspace could not check an external MCP client's token: {}", e.what());
  }
  return Result{Outcome::kUnavailable, "", ""};
}

}  // namespace devkit::mcp
