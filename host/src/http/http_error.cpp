#include "http/http_error.hpp"

namespace devkit::http {

void sendJson(Poco::Net::HTTPServerResponse& response, int status, const nlohmann::json& body) {
  if (response.sent()) {
    return;
  }
  const std::string text = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  response.setStatusAndReason(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(status));
  response.setContentType("application/json; charset=utf-8");
  response.set("Cache-Control", "no-store");
  response.set("X-Content-Type-Options", "nosniff");
  response.setContentLength(static_cast<std::streamsize>(text.size()));
  std::ostream& out = response.send();
  out << text;
  out.flush();  // on the wire now: a lingering close may follow (http_server.cpp)
}

void sendError(Poco::Net::HTTPServerResponse& response, int status, const std::string& code,
               const std::string& message, const std::string& field) {
  nlohmann::json error = {{"code", code}, {"message", message}};
  if (!field.empty()) error["field"] = field;
  sendJson(response, status, {{"error", std::move(error)}});
}

}  // namespace devkit::http
