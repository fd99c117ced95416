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
  HttpError(int status, std::string code, const std::string& message, std::string field = {})
      : std::runtime_error(message),
        status_(status),
        code_(std::move(code)),
        field_(std::move(field)) {}
  int status() const { return status_; }
  const std::string& code() const { return code_; }
  /// The request member at fault (400s); empty when none.
  const std::string& field() const { return field_; }

 private:
  int status_;
  std::string code_;
  std::string field_;
};

/// Sends `body` as application/json with `status`. Does nothing if the response was already sent.
void sendJson(Poco::Net::HTTPServerResponse& response, int status, const nlohmann::json& body);

/// Sends the JSON error shape; "field" is included when not empty.
void sendError(Poco::Net::HTTPServerResponse& response, int status, const std::string& code,
               const std::string& message, const std::string& field = {});

}  // namespace devkit::http
