#include "client/api_error.hpp"

#include <algorithm>
#include <cctype>
#include <regex>

#include <nlohmann/json.hpp>

namespace devkit::databricks {

namespace {

std::string member(const nlohmann::json& body, const char* key) {
  const auto it = body.find(key);
  if (it == body.end()) return "";
  if (it->is_string()) return it->get<std::string>();
  if (it->is_number()) return it->dump();
  return "";
}

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

std::string trim(std::string_view text) {
  size_t b = 0;
  size_t e = text.size();
  while (b < e && std::isspace(static_cast<unsigned char>(text[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(text[e - 1]))) --e;
  return std::string(text.substr(b, e - b));
}

// The class an HTTP status stands for when the body names no error_code (§1.5).
std::string codeForStatus(int status) {
  switch (status) {
    case 400:
      return "BAD_REQUEST";
    case 401:
      return "UNAUTHENTICATED";
    case 403:
      return "PERMISSION_DENIED";
    case 404:
      return "NOT_FOUND";
    case 409:
      return "RESOURCE_CONFLICT";
    case 429:
      return "TOO_MANY_REQUESTS";
    case 499:
      return "CANCELLED";
    case 500:
      return "INTERNAL_ERROR";
    case 501:
      return "NOT_IMPLEMENTED";
    case 503:
      return "TEMPORARILY_UNAVAILABLE";
    case 504:
      return "DEADLINE_EXCEEDED";
    default:
      return status >= 500 ? "INTERNAL_ERROR" : "BAD_REQUEST";
  }
}

// Text of an HTML page: the first <pre> block (gateways), else the tags stripped.
std::string htmlText(std::string_view body) {
  static const std::regex kPre("<pre>([\\s\\S]*?)</pre>", std::regex::icase);
  std::match_results<std::string_view::const_iterator> m;
  if (std::regex_search(body.begin(), body.end(), m, kPre)) return trim(m[1].str());
  static const std::regex kTag("<[^>]*>");
  std::string text = std::regex_replace(std::string(body), kTag, " ");
  static const std::regex kSpace("\\s+");
  return trim(std::regex_replace(text, kSpace, " "));
}

}  // namespace

ApiError::ApiError(int status, std::string errorCode, std::string message, std::string requestId,
                   std::string reason)
    : std::runtime_error(errorCode + (status > 0 ? " (HTTP " + std::to_string(status) + ")" : "") +
                         ": " + message),
      status_(status),
      errorCode_(std::move(errorCode)),
      message_(std::move(message)),
      requestId_(std::move(requestId)),
      reason_(std::move(reason)) {}

bool ApiError::notFound() const {
  if (status_ == 404 || errorCode_ == "RESOURCE_DOES_NOT_EXIST" || errorCode_ == "NOT_FOUND") {
    return true;
  }
  if (errorCode_.size() > 15 && errorCode_.ends_with("_DOES_NOT_EXIST")) return true;
  // clusters/get, jobs/get and runs/get answer 400 INVALID_PARAMETER_VALUE "... does not exist".
  return status_ == 400 && lower(message_).find("does not exist") != std::string::npos;
}

bool ApiError::alreadyExists() const {
  if (status_ == 409 || errorCode_ == "RESOURCE_ALREADY_EXISTS" || errorCode_ == "ALREADY_EXISTS") {
    return true;
  }
  return status_ == 400 && lower(message_).find("already exists") != std::string::npos;
}

std::string ApiError::toolText() const {
  std::string text = errorCode_;
  if (status_ > 0) text += " (HTTP " + std::to_string(status_) + ")";
  text += ": " + message_;
  std::string next;
  if (status_ == 0) {
    next =
        "The workspace could not be reached; check the workspace URL and the network, then "
        "retry.";
  } else if (notFound()) {
    next = "Check the name or id; list the objects first to find the right one.";
  } else if (alreadyExists()) {
    next = "It already exists or conflicts with its current state; read its current state first.";
  } else if (status_ == 401) {
    next =
        "The Databricks credentials were refused or have expired; sign in again (or configure "
        "a valid token).";
  } else if (status_ == 403) {
    next =
        "The caller lacks permission on this object; ask its owner or a workspace admin for "
        "access, or use an object you own.";
  } else if (status_ == 429) {
    next = "Databricks is rate-limiting this workspace; wait a minute and retry.";
  } else if (status_ >= 500) {
    next = "Databricks failed on its side; retry later.";
  } else if (status_ >= 400) {
    next = "Check the arguments against the tool's description.";
  }
  if (!next.empty()) text += "\n" + next;
  if (!requestId_.empty()) text += " (request id " + requestId_ + ")";
  return text;
}

ApiError parseApiError(int status, std::string_view reasonPhrase, std::string_view contentType,
                       std::string_view body) {
  const std::string fallbackCode = codeForStatus(status);
  const std::string fallbackMessage =
      reasonPhrase.empty() ? "HTTP " + std::to_string(status) : std::string(reasonPhrase);
  const std::string text = trim(body);
  if (text.empty()) return ApiError(status, fallbackCode, fallbackMessage);

  const auto json = nlohmann::json::parse(text, nullptr, false);
  if (json.is_object()) {
    std::string code = member(json, "error_code");
    std::string message = member(json, "message");
    std::string requestId;
    std::string reason;
    if (const auto details = json.find("details"); details != json.end() && details->is_array()) {
      for (const auto& d : *details) {
        if (!d.is_object()) continue;
        const std::string type = member(d, "@type");
        if (type.ends_with("RequestInfo")) requestId = member(d, "request_id");
        if (type.ends_with("ErrorInfo")) reason = member(d, "reason");
      }
    }
    if (code.empty() && json.contains("detail")) {  // SCIM
      const std::string scimStatus = member(json, "status");
      code = "SCIM_" + (scimStatus.empty() ? std::to_string(status) : scimStatus);
      message = member(json, "detail");
    }
    if (code.empty() && json.contains("error")) {
      if (json.contains("error_description")) {  // OAuth
        code = member(json, "error");
        message = member(json, "error_description");
      } else {  // API 1.2
        message = member(json, "error");
      }
    }
    if (code.empty() && json.contains("errorCode")) {  // OAuth, other spelling
      code = member(json, "errorCode");
      message = member(json, "errorSummary");
    }
    if (code.empty()) code = fallbackCode;
    if (message.empty()) message = fallbackMessage;
    return ApiError(status, code, message, requestId, reason);
  }
  if (lower(std::string(contentType)).find("html") != std::string::npos || text.front() == '<') {
    std::string message = htmlText(text);
    return ApiError(status, fallbackCode,
                    message.empty() ? fallbackMessage : message.substr(0, 500));
  }
  // Plain text "ERROR_CODE: message".
  static const std::regex kPlain("^([A-Z][A-Z_]+): ([\\s\\S]*)$");
  std::smatch m;
  if (std::regex_match(text, m, kPlain)) return ApiError(status, m[1].str(), trim(m[2].str()));
  return ApiError(status, fallbackCode, text.substr(0, 500));
}

}  // namespace devkit::databricks
