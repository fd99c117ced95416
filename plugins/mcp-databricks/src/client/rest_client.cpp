#include "client/rest_client.hpp"

#include <Poco/Exception.h>
#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/HTTPSClientSession.h>
#include <Poco/Net/NetException.h>
#include <Poco/StreamCopier.h>
#include <Poco/URI.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <fstream>
#include <istream>
#include <memory>
#include <mutex>
#include <random>
#include <thread>

namespace devkit::databricks {

using devkit::sdk::Error;

// One HTTP request as sent (RestClient::retrying sends it again on a retry).
struct Exchange {
  std::string method;
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;
  const std::string* body = nullptr;
  const std::filesystem::path* bodyFile = nullptr;  // streamed when set
  std::string contentType;
  std::chrono::seconds timeout{60};
  // When set, a 2xx body is streamed here instead of collected.
  const std::function<bool(const char*, size_t)>* sink = nullptr;
};

namespace {

// Messages that mean "not processed, try again" whatever the status (§1.6).
constexpr std::array<const char*, 8> kTransientMessages = {
    "ClusterNotReadyException",
    "UnknownWorkerEnvironmentException",
    "does not have any associated worker environments",
    "There is no worker environment with id",
    "Unknown worker environment",
    "Unexpected error",
    "Please try again later or try a faster operation.",
    "RPC token bucket limit has been exceeded"};

class StaticToken final : public TokenSource {
 public:
  StaticToken(std::string token, std::string kind)
      : token_(std::move(token)), kind_(std::move(kind)) {}
  std::string token() override { return token_; }
  std::string kind() const override { return kind_; }

 private:
  std::string token_;
  std::string kind_;
};

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

bool unreserved(unsigned char c) {
  return std::isalnum(c) != 0 || c == '-' || c == '.' || c == '_' || c == '~';
}

std::string percentEncode(std::string_view text, bool keepSlash) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (unreserved(c) || (keepSlash && c == '/')) {
      out += ch;
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

Poco::Net::Context::Ptr tlsContext() {
  // One client context for the process: system CAs, the peer's certificate and name checked.
  static std::once_flag once;
  static Poco::Net::Context::Ptr context;
  std::call_once(once, [] {
    context = new Poco::Net::Context(Poco::Net::Context::TLS_CLIENT_USE, "",
                                     Poco::Net::Context::VERIFY_RELAXED, 9, true);
  });
  return context;
}

std::chrono::milliseconds jitter() {
  thread_local std::mt19937 rng(std::random_device{}());
  return std::chrono::milliseconds(std::uniform_int_distribution<int>(0, 500)(rng));
}

bool transientMessage(const std::string& body) {
  return std::any_of(kTransientMessages.begin(), kTransientMessages.end(),
                     [&](const char* m) { return body.find(m) != std::string::npos; });
}

// Retry-After as whole seconds (§1.6: integers only; missing or invalid means 1 s).
std::chrono::seconds retryAfter(const Response& response) {
  const std::string value = response.header("retry-after");
  if (value.empty() || !std::all_of(value.begin(), value.end(), ::isdigit) || value.size() > 6) {
    return std::chrono::seconds(1);
  }
  return std::chrono::seconds(std::stoi(value));
}

// One HTTP exchange. Throws ApiError(0, ...) when no answer arrives.
Response exchange(const Exchange& x) {
  Poco::URI uri;
  try {
    uri = Poco::URI(x.url);
  } catch (const Poco::Exception&) {
    throw ApiError(0, "INVALID_URL", "not a valid URL: " + x.url.substr(0, x.url.find('?')));
  }
  // For messages: never the query (presigned URLs carry signatures there).
  const std::string where =
      x.method + " " + uri.getScheme() + "://" + uri.getAuthority() + uri.getPath();
  std::unique_ptr<Poco::Net::HTTPClientSession> session;
  if (uri.getScheme() == "https") {
    session =
        std::make_unique<Poco::Net::HTTPSClientSession>(uri.getHost(), uri.getPort(), tlsContext());
  } else if (uri.getScheme() == "http") {
    session = std::make_unique<Poco::Net::HTTPClientSession>(uri.getHost(), uri.getPort());
  } else {
    throw ApiError(0, "INVALID_URL", "the workspace URL must be http:// or https://");
  }
  const Poco::Timespan timeout(static_cast<long>(x.timeout.count()), 0);
  session->setTimeout(timeout, timeout, timeout);
  try {
    Poco::Net::HTTPRequest request(x.method, uri.getPathEtc(), Poco::Net::HTTPMessage::HTTP_1_1);
    for (const auto& [name, value] : x.headers) request.set(name, value);
    std::ifstream file;
    if (x.bodyFile != nullptr) {
      file.open(*x.bodyFile, std::ios::binary);
      std::error_code ec;
      const auto size = std::filesystem::file_size(*x.bodyFile, ec);
      if (!file || ec) {
        throw ApiError(0, "LOCAL_FILE_ERROR",
                       "cannot read " + x.bodyFile->filename().string() + " to send it");
      }
      request.setContentType(x.contentType);
      request.setContentLength64(static_cast<Poco::Int64>(size));
    } else if (x.body != nullptr) {
      request.setContentType(x.contentType);
      request.setContentLength(static_cast<std::streamsize>(x.body->size()));
    } else if (x.method == "POST" || x.method == "PUT" || x.method == "PATCH") {
      request.setContentLength(0);
    }
    std::ostream& out = session->sendRequest(request);
    if (x.bodyFile != nullptr) {
      Poco::StreamCopier::copyStream64(file, out, 1 << 20);
    } else if (x.body != nullptr) {
      out.write(x.body->data(), static_cast<std::streamsize>(x.body->size()));
    }
    Poco::Net::HTTPResponse httpResponse;
    std::istream& in = session->receiveResponse(httpResponse);
    Response response;
    response.status = static_cast<int>(httpResponse.getStatus());
    for (const auto& [name, value] : httpResponse) response.headers[lower(name)] = value;
    response.headers[":reason"] = httpResponse.getReason();
    std::array<char, 65536> buffer{};
    const bool stream = x.sink != nullptr && response.status / 100 == 2;
    uint64_t received = 0;
    bool stopped = false;
    while (in) {
      in.read(buffer.data(), buffer.size());
      const auto n = static_cast<size_t>(in.gcount());
      if (n == 0) break;
      received += n;
      if (stream) {
        if (!(*x.sink)(buffer.data(), n)) {
          stopped = true;
          break;
        }
      } else {
        response.body.append(buffer.data(), n);
      }
    }
    // A connection that drops mid-body ends the stream like a complete one: compare with the
    // announced length so that a short file or result is an error, not silently cut data.
    if (!stopped && httpResponse.hasContentLength() && x.method != "HEAD" &&
        received != static_cast<uint64_t>(httpResponse.getContentLength64())) {
      throw ApiError(0, "NETWORK_ERROR",
                     where + ": the connection closed after " + std::to_string(received) + " of " +
                         std::to_string(httpResponse.getContentLength64()) + " bytes");
    }
    return response;
  } catch (const ApiError&) {
    throw;
  } catch (const Poco::TimeoutException& e) {
    throw ApiError(0, "TIMEOUT",
                   where + " timed out after " + std::to_string(x.timeout.count()) + " s");
  } catch (const Poco::Exception& e) {
    throw ApiError(0, "NETWORK_ERROR", where + " failed: " + e.displayText());
  } catch (const std::exception& e) {
    throw ApiError(0, "NETWORK_ERROR", where + " failed: " + e.what());
  }
}

// A presigned download's failure. Cloud storage error pages can echo signature material
// (StringToSign, the access key id), so only the status and the storage's own error code are
// kept.
ApiError storageError(const Response& response) {
  std::string code;
  if (const auto open = response.body.find("<Code>"); open != std::string::npos) {
    const auto close = response.body.find("</Code>", open);
    if (close != std::string::npos && close - open < 80) {
      code = response.body.substr(open + 6, close - open - 6);
    }
  }
  std::string message = "downloading the result from cloud storage failed (HTTP " +
                        std::to_string(response.status) + (code.empty() ? "" : ", " + code) + ")";
  if (response.status == 403) message += "; the link may have expired: run the statement again";
  const ApiError shape = parseApiError(response.status, "", "", "");
  return ApiError(response.status, shape.errorCode(), message);
}

}  // namespace

std::shared_ptr<TokenSource> staticToken(std::string token, std::string kind) {
  return std::make_shared<StaticToken>(std::move(token), std::move(kind));
}

nlohmann::json Response::json() const {
  if (body.find_first_not_of(" \t\r\n") == std::string::npos) return nlohmann::json::object();
  auto value = nlohmann::json::parse(body, nullptr, false);
  if (value.is_discarded()) {
    throw ApiError(
        status, "INVALID_RESPONSE",
        "the workspace answered with something that is not JSON: " + body.substr(0, 120));
  }
  return value;
}

std::string Response::header(const std::string& lowerName) const {
  const auto it = headers.find(lowerName);
  return it == headers.end() ? "" : it->second;
}

std::string normaliseHost(std::string host) {
  while (!host.empty() && std::isspace(static_cast<unsigned char>(host.back()))) host.pop_back();
  while (!host.empty() && std::isspace(static_cast<unsigned char>(host.front()))) host.erase(0, 1);
  if (host.empty()) return host;
  if (host.find("://") == std::string::npos) host = "https://" + host;
  while (!host.empty() && host.back() == '/') host.pop_back();
  if (host.starts_with("https://") && host.ends_with(":443")) host.resize(host.size() - 4);
  return host;
}

std::string encodePath(const std::string& path) { return percentEncode(path, true); }

RestClient::RestClient(ClientOptions options) : options_(std::move(options)) {
  options_.host = normaliseHost(options_.host);
}

void RestClient::wait(std::chrono::milliseconds d) const {
  if (options_.sleep) {
    options_.cancel.throwIfCancelled();
    options_.sleep(d);
    options_.cancel.throwIfCancelled();
    return;
  }
  const auto until = std::chrono::steady_clock::now() + d;
  while (true) {
    options_.cancel.throwIfCancelled();
    const auto now = std::chrono::steady_clock::now();
    if (now >= until) return;
    std::this_thread::sleep_for(
        std::min<std::chrono::steady_clock::duration>(until - now, std::chrono::milliseconds(50)));
  }
}

Response RestClient::send(const Request& request) {
  if (options_.host.empty()) {
    throw ApiError(0, "NO_WORKSPACE", "no Databricks workspace URL is configured");
  }
  std::string url = options_.host + request.path;
  if (!request.query.empty()) {
    url += '?';
    bool first = true;
    for (const auto& [key, value] : request.query) {
      if (!first) url += '&';
      first = false;
      url += percentEncode(key, false) + "=" + percentEncode(value, false);
    }
  }
  std::string payload;
  Exchange x;
  x.method = request.method;
  x.url = url;
  x.timeout = request.timeout.value_or(options_.timeout);
  if (request.body) {
    payload = request.body->dump();
    x.body = &payload;
    x.contentType = "application/json";
  } else if (!request.bodyFile.empty()) {
    x.bodyFile = &request.bodyFile;
    x.contentType = request.contentType.empty() ? "application/octet-stream" : request.contentType;
  } else if (!request.contentType.empty()) {
    x.body = &request.rawBody;
    x.contentType = request.contentType;
  }
  for (const auto& header : request.headers) x.headers.push_back(header);
  if (request.sink) x.sink = &request.sink;
  return retrying(x, request.idempotent.value_or(request.method != "POST"), /*presigned=*/false);
}

Response RestClient::retrying(Exchange& x, bool idempotent, bool presigned) {
  // Bytes already handed to a sink cannot be taken back: only a clean failure is retried.
  size_t delivered = 0;
  const std::function<bool(const char*, size_t)>* sink = x.sink;
  const std::function<bool(const char*, size_t)> counting = [&](const char* data, size_t n) {
    delivered += n;
    return (*sink)(data, n);
  };
  if (sink != nullptr) x.sink = &counting;
  const std::vector<std::pair<std::string, std::string>> given = x.headers;
  const auto deadline = std::chrono::steady_clock::now() + options_.retryBudget;
  bool reauthenticated = false;
  for (int attempt = 1;; ++attempt) {
    options_.cancel.throwIfCancelled();
    x.headers.clear();
    if (!presigned) {  // a presigned URL gets only its own headers, never the workspace token
      x.headers.emplace_back("User-Agent", options_.userAgent.empty()
                                               ? "devkit-mcp-databricks/" DEVKIT_DATABRICKS_VERSION
                                               : options_.userAgent);
      x.headers.emplace_back("Accept", "application/json");
      if (options_.auth) {
        x.headers.emplace_back("Authorization", "Bearer " + options_.auth->token());
      }
    }
    x.headers.insert(x.headers.end(), given.begin(), given.end());

    std::chrono::milliseconds pause{0};
    std::optional<ApiError> failure;
    try {
      Response response = exchange(x);
      if (response.status / 100 == 2) return response;
      failure = presigned ? storageError(response)
                          : parseApiError(response.status, response.header(":reason"),
                                          response.header("content-type"), response.body);
      if (response.status == 429 || response.status == 503) {
        pause = retryAfter(response) + jitter();
      } else if (!presigned && response.status == 401 && !reauthenticated && options_.auth &&
                 options_.auth->kind() == "oauth-m2m") {
        // A cached OAuth token may have been revoked or expired early: fetch a new one once.
        options_.auth->invalidate();
        reauthenticated = true;
        continue;
      } else if (!presigned && idempotent && response.status != 500 &&
                 transientMessage(response.body)) {
        // Only for idempotent requests: a gateway page saying "Unexpected error" does not prove
        // that a statement, an update or a command was not carried out.
        pause = std::chrono::seconds(std::min(10, attempt)) + jitter();
      } else {
        throw *failure;
      }
    } catch (const ApiError& e) {
      if (e.status() != 0 || delivered > 0) throw;
      if (!idempotent) {
        throw ApiError(0, e.errorCode(),
                       e.message() +
                           ". The request may or may not have been carried out; check "
                           "before repeating it");
      }
      failure = e;
      pause = std::chrono::seconds(std::min(10, attempt)) + jitter();
    }
    if (std::chrono::steady_clock::now() + pause > deadline) {
      throw ApiError(
          failure->status(), failure->errorCode(),
          failure->message() + " (gave up after " + std::to_string(attempt) + " attempts)",
          failure->requestId(), failure->reason());
    }
    wait(pause);
  }
}

json RestClient::get(const std::string& path, const Query& query) {
  Request r;
  r.path = path;
  r.query = query;
  return send(r).json();
}

json RestClient::post(const std::string& path, const json& body, bool idempotent) {
  Request r;
  r.method = "POST";
  r.path = path;
  r.body = body;
  r.idempotent = idempotent;
  return send(r).json();
}

json RestClient::put(const std::string& path, const json& body) {
  Request r;
  r.method = "PUT";
  r.path = path;
  r.body = body;
  return send(r).json();
}

json RestClient::patch(const std::string& path, const json& body) {
  Request r;
  r.method = "PATCH";
  r.path = path;
  r.body = body;
  r.idempotent = false;
  return send(r).json();
}

json RestClient::del(const std::string& path, const Query& query) {
  Request r;
  r.method = "DELETE";
  r.path = path;
  r.query = query;
  return send(r).json();
}

json RestClient::getAllPages(const std::string& path, Query query, const std::string& itemsKey,
                             size_t maxItems, bool* truncated, const std::string& tokenParam) {
  json items = json::array();
  if (truncated != nullptr) *truncated = false;
  std::string token;
  // A server that keeps answering with the same token would loop forever.
  for (int page = 0; page < 10000; ++page) {
    Query q = query;
    if (!token.empty()) q.emplace_back(tokenParam, token);
    const json response = get(path, q);
    if (const auto it = response.find(itemsKey); it != response.end() && it->is_array()) {
      for (const auto& item : *it) {
        if (items.size() >= maxItems) {
          if (truncated != nullptr) *truncated = true;
          return items;
        }
        items.push_back(item);
      }
    }
    const auto next = response.find("next_page_token");
    if (next == response.end() || !next->is_string() || next->get<std::string>().empty() ||
        next->get<std::string>() == token) {
      return items;
    }
    token = next->get<std::string>();
  }
  if (truncated != nullptr) *truncated = true;
  return items;
}

int RestClient::download(const std::string& url,
                         const std::vector<std::pair<std::string, std::string>>& headers,
                         const std::function<bool(const char*, size_t)>& sink) {
  Exchange x;
  x.method = "GET";
  x.url = url;
  x.timeout = options_.timeout;
  x.headers = headers;
  x.sink = &sink;
  return retrying(x, /*idempotent=*/true, /*presigned=*/true).status;
}

}  // namespace devkit::databricks
