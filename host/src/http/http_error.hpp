#pragma once

#include <stdexcept>
#include <string>

#include <Poco/Net/HTTPServerResponse.h>
#include <nlohmann/json.hpp>

namespace devkit::http {

/// Thrown by handlers for an error answer; the dispatcher turns it into the one JSON error shape
/// {"error": {"code": "...", "message": "..."}} with `status`.
class HttpError : public std::runtime_error {
 public:
  HttpError(int status, std::string code, const std::string& message)
      : std::runtime_error(message), status_(status), code_(std::move(code)) {}
  int status() const { return status_; }
  const std::string& code() const { return code_; }

 private:
  int status_;
  std::string code_;
};

/// Sends `body` as application/json with `status`. Does nothing if the response was already sent.
void sendJson(Poco::Net::HTTPServerResponse& response, int status, const nlohmann::json& body);

/// Sends the JSON error shape.
void sendError(Poco::Net::HTTPServerResponse& response, int status, const std::string& code,
               const std::string& message);

}  // namespace devkit::http
