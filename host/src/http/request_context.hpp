#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <nlohmann/json.hpp>

namespace devkit::http {

class ShutdownSignal;
class StreamLimiter;

/// Per-server limits a handler needs.
struct RequestLimits {
  int64_t maxBodyBytes = 1 << 20;
  int sendTimeoutS = 30;
  int heartbeatS = 15;
};

/// Everything a handler sees of one request. THREADING: used by one worker thread.
class RequestContext {
 public:
  RequestContext(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response,
                 std::string path, const RequestLimits& limits, ShutdownSignal& shutdown,
                 StreamLimiter& streams)
      : request(request),
        response(response),
        path(std::move(path)),
        limits(limits),
        shutdown(shutdown),
        streams(streams) {}

  /// Reads the whole body once, within limits.maxBodyBytes. 413 when larger (by Content-Length or
  /// while reading), 411 for chunked uploads (Poco 1.11.0 can hang reading them, #3147).
  const std::string& body();

  /// The body parsed as a JSON object: 415 unless Content-Type is application/json, 400 (code
  /// invalid_json) when malformed or not an object.
  nlohmann::json jsonBody();

  /// A path parameter captured by the route ({id}); empty when absent.
  std::string param(const std::string& name) const;

  /// A query string parameter, decoded; nullopt when absent.
  std::optional<std::string> query(const std::string& name) const;

  Poco::Net::HTTPServerRequest& request;
  Poco::Net::HTTPServerResponse& response;
  std::string path;  // decoded path, no query string
  std::map<std::string, std::string> params;
  const RequestLimits& limits;
  ShutdownSignal& shutdown;
  StreamLimiter& streams;
  /// Set when the request was refused with its body unread (411, or a 413 too large to drain):
  /// the dispatcher then closes the connection gracefully, so the client still reads the answer.
  bool bodyUnread = false;

 private:
  std::optional<std::string> body_;
};

}  // namespace devkit::http
