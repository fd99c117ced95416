// The Databricks REST client of mcp-databricks (no Databricks SDK exists for C++): Poco HTTP(S),
// JSON bodies, the retry rules of ../shared/reference/databricks-api.md §1.6, error bodies turned
// into ApiError, every pagination style, and cancellation.
//
// A RestClient is cheap: one is made per tool call, for the caller's credentials and cancel flag.
// THREADING: a RestClient may be used from several threads at once (execute_sql_multi and
// upload_folder run calls in parallel); the TokenSource must be thread-safe.
#pragma once

#include <devkit/sdk.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "client/api_error.hpp"

namespace devkit::databricks {

using nlohmann::json;

/// Where a bearer token comes from: the signed-in user's token (static), a PAT (static), or a
/// service principal's OAuth M2M token (cached, refreshed). THREADING: thread-safe.
class TokenSource {
 public:
  virtual ~TokenSource() = default;
  /// The token to send now. Throws ApiError (e.g. the OAuth endpoint refused the secret).
  virtual std::string token() = 0;
  /// The last token was refused (401): drop any cached token so the next token() fetches anew.
  virtual void invalidate() {}
  /// "user" (on behalf of the user), "pat", "oauth-m2m": for health and logs.
  virtual std::string kind() const = 0;
};

/// A fixed token: the user's forwarded token or a personal access token.
std::shared_ptr<TokenSource> staticToken(std::string token, std::string kind);

/// Query parameters in order; repeated keys allowed (lists), booleans as "true"/"false".
using Query = std::vector<std::pair<std::string, std::string>>;

struct Request {
  std::string method = "GET";
  std::string path;  // "/api/2.0/sql/statements", already percent-encoded where needed
  Query query;
  std::optional<json> body;  // sent as application/json
  std::string rawBody;       // sent as is when `body` is empty and contentType is set
  std::string contentType;   // for rawBody or bodyFile (e.g. application/octet-stream)
  /// Sent as the body, streamed from disk (Content-Length is its size), when `body` is empty:
  /// a multi-GiB volume upload never sits in memory. Re-read on a retry.
  std::filesystem::path bodyFile;
  /// When set, a 2xx body is streamed here instead of collected into Response::body (return
  /// false to stop). A connection lost after bytes were delivered is not retried.
  std::function<bool(const char*, size_t)> sink;
  std::vector<std::pair<std::string, std::string>> headers;
  /// May the request be sent again after a timeout or a lost connection? Defaults: GET, HEAD,
  /// PUT, DELETE yes; POST no (statements, run-now without idempotency_token, updates,
  /// commands). 429 and 503 are always retried: the request was not processed.
  std::optional<bool> idempotent;
  /// Override the client's per-request timeout (e.g. a long wait_timeout on sql/statements).
  std::optional<std::chrono::seconds> timeout;
};

struct Response {
  int status = 0;
  std::string body;
  std::map<std::string, std::string> headers;  // names lower-cased
  /// The body as JSON; an empty body is {}. Throws ApiError(status, "INVALID_RESPONSE") when
  /// the body is not JSON.
  nlohmann::json json() const;
  std::string header(const std::string& lowerName) const;
};

struct ClientOptions {
  std::string host;  // normalised (normaliseHost), e.g. https://adb-1.2.azuredatabricks.net
  std::shared_ptr<TokenSource> auth;
  std::chrono::seconds timeout{60};       // one HTTP exchange
  std::chrono::seconds retryBudget{300};  // all retries of one request together
  std::string userAgent;                  // "devkit-mcp-databricks/<version> (+host <ver>)"
  devkit::sdk::CancelToken cancel;        // polled between attempts and while waiting
  /// Test hook: waits between retries go through this (default: sleeps, waking on cancel).
  std::function<void(std::chrono::milliseconds)> sleep;
};

/// "https://" added when there is no scheme, trailing "/" and ":443" dropped. Empty stays empty.
std::string normaliseHost(std::string host);
/// Percent-encodes each segment of an absolute path, keeping '/': "/Volumes/a b" ->
/// "/Volumes/a%20b".
std::string encodePath(const std::string& path);

struct Exchange;  // one HTTP request as sent (rest_client.cpp)

class RestClient {
 public:
  explicit RestClient(ClientOptions options);

  /// One request with the retry rules. Returns 2xx responses; throws ApiError for anything else
  /// (after retries), devkit::sdk::Error(DK_ERR_CANCELLED) once the cancel flag is set.
  Response send(const Request& request);

  json get(const std::string& path, const Query& query = {});
  json post(const std::string& path, const json& body, bool idempotent = false);
  json put(const std::string& path, const json& body);
  json patch(const std::string& path, const json& body);
  json del(const std::string& path, const Query& query = {});

  /// Every item of a paged list: calls GET path with `query` plus `tokenParam`=<token> until the
  /// response's "next_page_token" is missing or empty, concatenating response[itemsKey] (a
  /// missing key is an empty page; an empty page that still carries a token goes on). Stops
  /// after `maxItems` items (the rest is not fetched) and sets *truncated when it did.
  json getAllPages(const std::string& path, Query query, const std::string& itemsKey,
                   size_t maxItems = 10000, bool* truncated = nullptr,
                   const std::string& tokenParam = "page_token");

  /// GET an absolute URL that is not the workspace (a presigned EXTERNAL_LINKS URL): no
  /// Authorization header, only `headers`; same retry rules. Streams the body into `sink`
  /// (return false to stop); returns the status. Non-2xx throws ApiError.
  int download(const std::string& url,
               const std::vector<std::pair<std::string, std::string>>& headers,
               const std::function<bool(const char*, size_t)>& sink);

  const std::string& host() const { return options_.host; }
  const devkit::sdk::CancelToken& cancel() const { return options_.cancel; }
  /// A copy that ignores the cancel flag, for the one clean-up call after a cancel (execute_sql
  /// cancels the statement it started when the tool call is cancelled). Its retries stop after
  /// 10 s: a clean-up must not hold the cancelled call for the whole budget.
  RestClient uncancellable() const {
    ClientOptions options = options_;
    options.cancel = devkit::sdk::CancelToken();
    options.retryBudget = std::min(options.retryBudget, std::chrono::seconds(10));
    return RestClient(std::move(options));
  }
  /// Sleeps `d` unless cancelled (then throws DK_ERR_CANCELLED): for tools that poll.
  void wait(std::chrono::milliseconds d) const;

 private:
  /// The one retry loop of send() and download(): 429/503 after Retry-After within the budget;
  /// lost connections and transient gateway pages only when `idempotent`; 500 never. `presigned`:
  /// no workspace headers and storage error mapping (download()).
  Response retrying(Exchange& x, bool idempotent, bool presigned);
  ClientOptions options_;
};

}  // namespace devkit::databricks
