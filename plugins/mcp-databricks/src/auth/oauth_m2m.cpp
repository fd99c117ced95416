// OAuth M2M (client credentials) for a service principal, as in
// ../shared/reference/databricks-api.md §1.2: POST {host}/oidc/v1/token with the client id and
// secret in a Basic header; the token is cached until 40 s before it expires.
#include <Poco/Base64Encoder.h>

#include <algorithm>
#include <mutex>
#include <sstream>
#include <utility>

#include "auth/unified_auth.hpp"

namespace devkit::databricks {

namespace {

// Azure rejects tokens that expire within ~30 s; the SDKs treat them as expired 40 s early.
constexpr std::chrono::seconds kExpiryMargin{40};
// Used when the answer has no expires_in: the documented lifetime of an M2M token.
constexpr std::chrono::seconds kDefaultLifetime{3600};
constexpr const char* kTokenPath = "/oidc/v1/token";

std::string base64(const std::string& s) {
  std::ostringstream out;
  Poco::Base64Encoder enc(out);
  enc.rdbuf()->setLineLength(0);  // no line breaks inside a header value
  enc << s;
  enc.close();
  return out.str();
}

/// Replaces every occurrence of `secret` in `text` (an endpoint could echo what it was sent).
std::string scrub(std::string text, const std::string& secret) {
  if (secret.empty()) return text;
  for (size_t pos = text.find(secret); pos != std::string::npos; pos = text.find(secret, pos + 3)) {
    text.replace(pos, secret.size(), "***");
  }
  return text;
}

class OAuthM2MSource final : public TokenSource {
 public:
  OAuthM2MSource(std::string host, std::string clientId, std::string clientSecret,
                 std::string userAgent, std::chrono::seconds timeout,
                 std::function<std::chrono::steady_clock::time_point()> now)
      : host_(std::move(host)),
        clientId_(std::move(clientId)),
        clientSecret_(std::move(clientSecret)),
        userAgent_(std::move(userAgent)),
        timeout_(timeout),
        now_(now ? std::move(now) : [] { return std::chrono::steady_clock::now(); }) {}

  std::string token() override {
    // The mutex is held across the fetch: one request at a time, and callers that waited find
    // the fresh token in the cache instead of fetching again.
    std::lock_guard<std::mutex> lock(mutex_);
    if (!token_.empty() && now_() < expiry_ - kExpiryMargin) return token_;
    fetch();
    return token_;
  }

  void invalidate() override {
    std::lock_guard<std::mutex> lock(mutex_);
    token_.clear();
  }

  std::string kind() const override { return "oauth-m2m"; }

 private:
  void fetch() {
    const auto started = now_();  // the lifetime counts from before the request
    ClientOptions options;
    options.host = host_;
    options.auth = nullptr;  // our own Basic header instead of a bearer
    options.timeout = timeout_;
    options.retryBudget = std::max(timeout_ * 2, std::chrono::seconds(30));
    options.userAgent = userAgent_;
    RestClient client(std::move(options));

    Request req;
    req.method = "POST";
    req.path = kTokenPath;
    req.rawBody = "grant_type=client_credentials&scope=all-apis";
    req.contentType = "application/x-www-form-urlencoded";
    req.headers.emplace_back("Authorization", "Basic " + base64(clientId_ + ":" + clientSecret_));
    // Asking for a token twice is harmless, so a lost connection may be retried.
    req.idempotent = true;

    Response resp;
    try {
      resp = client.send(req);
    } catch (const ApiError& e) {
      const std::string where = host_ + kTokenPath;
      if (e.status() >= 400 && e.status() < 500) {
        throw ApiError(e.status(), e.errorCode(),
                       scrub("the OAuth token endpoint " + where +
                                 " refused the service principal's credentials (client id " +
                                 clientId_ + "): " + e.errorCode() + ": " + e.message() +
                                 ". Check DATABRICKS_CLIENT_ID and DATABRICKS_CLIENT_SECRET "
                                 "(or client_id/client_secret in the profile).",
                             clientSecret_),
                       e.requestId(), e.reason());
      }
      throw ApiError(
          e.status(), e.errorCode(),
          scrub("getting an OAuth token from " + where + " failed: " + e.message(), clientSecret_),
          e.requestId(), e.reason());
    }

    json body;
    try {
      body = resp.json();
    } catch (const ApiError&) {
      throw ApiError(resp.status, "INVALID_RESPONSE",
                     "the OAuth token endpoint " + host_ + kTokenPath + " did not answer JSON");
    }
    if (!body.is_object() || !body.contains("access_token") || !body["access_token"].is_string() ||
        body["access_token"].get<std::string>().empty()) {
      throw ApiError(
          resp.status, "INVALID_RESPONSE",
          "the OAuth token endpoint " + host_ + kTokenPath + " answered without an access_token");
    }
    std::chrono::seconds lifetime = kDefaultLifetime;
    if (auto it = body.find("expires_in"); it != body.end()) {
      // A number per RFC 6749; some gateways send it as a string.
      if (it->is_number()) {
        lifetime = std::chrono::seconds(it->get<long long>());
      } else if (it->is_string()) {
        try {
          lifetime = std::chrono::seconds(std::stoll(it->get<std::string>()));
        } catch (const std::exception&) {
          // keep the default lifetime
        }
      }
    }
    token_ = body["access_token"].get<std::string>();
    expiry_ = started + lifetime;
  }

  const std::string host_;
  const std::string clientId_;
  const std::string clientSecret_;  // secret: never in a message
  const std::string userAgent_;
  const std::chrono::seconds timeout_;
  const std::function<std::chrono::steady_clock::time_point()> now_;

  std::mutex mutex_;
  std::string token_;  // guarded by mutex_; empty: none cached
  std::chrono::steady_clock::time_point expiry_;
};

}  // namespace

std::shared_ptr<TokenSource> oauthM2M(std::string host, std::string clientId,
                                      std::string clientSecret, std::string userAgent,
                                      std::chrono::seconds timeout,
                                      std::function<std::chrono::steady_clock::time_point()> now) {
  return std::make_shared<OAuthM2MSource>(std::move(host), std::move(clientId),
                                          std::move(clientSecret), std::move(userAgent), timeout,
                                          std::move(now));
}

}  // namespace devkit::databricks
