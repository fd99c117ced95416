#pragma once

#include <Poco/Net/HTTPServerRequest.h>
#include <nlohmann/json.hpp>

#include "config/host_config.hpp"
#include "identity/user.hpp"

namespace devkit::identity {

/// Who is asking ([auth] mode):
/// - dev: always the one configured local user; forwarded headers are ignored (nothing on a
///   developer's machine vouches for them).
/// - databricks-apps: the user the Databricks Apps proxy forwards, X-Forwarded-Email first (an
///   app calling on behalf of a user sets it), then X-Forwarded-User. The proxy overwrites these
///   headers, so they are trusted only in this mode.
/// THREADING: immutable after construction; resolve() is thread-safe.
class Identity {
 public:
  explicit Identity(config::AuthSettings settings) : settings_(std::move(settings)) {}

  /// The user of a request. Throws http::HttpError 401 (code "unauthenticated") when
  /// databricks-apps mode finds no usable forwarded identity.
  User resolve(const Poco::Net::HTTPServerRequest& request) const;

  /// GET /api/config/user: {email, display_name, workspace_url, auth_mode}.
  nlohmann::json describe(const User& user) const;

  const config::AuthSettings& settings() const { return settings_; }

 private:
  config::AuthSettings settings_;
};

/// The e-mail's local part ("ana.lopez" of "ana.lopez@example.com"); the whole text without '@'.
std::string localPart(const std::string& email);

}  // namespace devkit::identity
