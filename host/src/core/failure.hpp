#pragma once

#include <stdexcept>
#include <string>

namespace devkit::core {

/// Why an operation on user data failed, independent of the transport. The HTTP layer maps each
/// kind to one status (api/error_mapping.cpp); the MCP and run layers reuse the same kinds.
enum class FailureKind {
  kInvalid,      // bad input: names the field (400)
  kNotFound,     // absent, or another user's (404)
  kConflict,     // the state forbids it, e.g. a live run (409)
  kTooLarge,     // over a configured size limit (413)
  kUnavailable,  // a dependency (storage, plugin) is down right now; retry later (503)
  kInternal,     // a defect or corrupt data on our side (500)
};

/// Thrown by services. `code` is a stable machine-readable token ("invalid_field", "not_found"),
/// `field` the request member at fault (empty when none); what() is the message for people.
class Failure : public std::runtime_error {
 public:
  Failure(FailureKind kind, std::string code, const std::string& message, std::string field = {})
      : std::runtime_error(message),
        kind_(kind),
        code_(std::move(code)),
        field_(std::move(field)) {}

  FailureKind kind() const { return kind_; }
  const std::string& code() const { return code_; }
  const std::string& field() const { return field_; }

  static Failure invalid(std::string field, const std::string& message) {
    return Failure(FailureKind::kInvalid, "invalid_field", message, std::move(field));
  }
  static Failure notFound(const std::string& what) {
    return Failure(FailureKind::kNotFound, "not_found", what + " not found");
  }

 private:
  FailureKind kind_;
  std::string code_;
  std::string field_;
};

}  // namespace devkit::core
