// A failed Databricks REST call, parsed from every error body shape the platform sends
// (docs: ../shared/reference/databricks-api.md §1.5): the standard {"error_code","message",
// "details"}, API 1.2's {"error"}, SCIM's {"detail","status"}, OAuth's {"error",
// "error_description"}, plain "CODE: message", an HTML <pre> page from a gateway, and an empty
// body (the HTTP reason phrase).
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>

namespace devkit::databricks {

class ApiError : public std::runtime_error {
 public:
  /// status 0 means no HTTP answer (connection refused, timeout, TLS failure).
  ApiError(int status, std::string errorCode, std::string message, std::string requestId = "",
           std::string reason = "");

  int status() const noexcept { return status_; }
  /// e.g. RESOURCE_DOES_NOT_EXIST; for status 0: NETWORK_ERROR or TIMEOUT; never empty.
  const std::string& errorCode() const noexcept { return errorCode_; }
  const std::string& message() const noexcept { return message_; }
  /// From a google.rpc.RequestInfo detail, when present.
  const std::string& requestId() const noexcept { return requestId_; }
  /// From a google.rpc.ErrorInfo detail (e.g. FILES_API_DIRECTORY_IS_NOT_EMPTY), when present.
  const std::string& reason() const noexcept { return reason_; }

  /// True for "does not exist": 404, RESOURCE_DOES_NOT_EXIST / *_DOES_NOT_EXIST, and the 400
  /// quirks of clusters/get, jobs/get and runs/get ("... does not exist").
  bool notFound() const;
  /// True for 409 / RESOURCE_ALREADY_EXISTS / ALREADY_EXISTS, and 400 "already exists".
  bool alreadyExists() const;

  /// The text a tool puts in its isError result: "<error_code> (HTTP <status>): <message>" plus
  /// one sentence on what to do next (check the id, sign in again, ask for permission, retry
  /// later, ...). Never contains a credential.
  std::string toolText() const;

 private:
  int status_;
  std::string errorCode_;
  std::string message_;
  std::string requestId_;
  std::string reason_;
};

/// Builds the ApiError for a non-2xx response. `reasonPhrase` is the HTTP reason ("Not Found"),
/// used when the body says nothing.
ApiError parseApiError(int status, std::string_view reasonPhrase, std::string_view contentType,
                       std::string_view body);

}  // namespace devkit::databricks
