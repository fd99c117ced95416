// Unified auth, the subset of ../shared/reference/databricks-api.md §1.4 a C++ tool needs:
// explicit values (the plugin's config), then DATABRICKS_* environment variables, then a
// ~/.databrickscfg profile; then one method: pat or oauth-m2m (DATABRICKS_AUTH_TYPE / auth_type
// forces one; attributes of both without it is "validate: more than one authorization method
// configured: oauth and pat").
//
// Per tool call the credential is chosen in this order (credentials_for in the plugin):
//   1. the signed-in user's token from the call context (on behalf of the user);
//   2. the app's own credentials resolved here (service principal M2M, or a PAT).
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>

#include "client/rest_client.hpp"

namespace devkit::databricks {

/// Bad or contradictory auth configuration; the message names the key/variable/profile/file.
class AuthConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Attributes as any one source gives them; empty means unset.
struct AuthAttributes {
  std::string host;
  std::string token;
  std::string clientId;
  std::string clientSecret;
  std::string authType;     // "pat" | "oauth-m2m" | "" (DATABRICKS_AUTH_TYPE / auth_type)
  std::string profile;      // DATABRICKS_CONFIG_PROFILE / the plugin's `profile`
  std::string configFile;   // DATABRICKS_CONFIG_FILE; default $HOME/.databrickscfg
  std::string warehouseId;  // DATABRICKS_WAREHOUSE_ID / warehouse_id
  std::string clusterId;    // DATABRICKS_CLUSTER_ID / cluster_id
};

/// What resolveAuth found.
struct ResolvedAuth {
  std::string host;  // normalised; empty when none was found anywhere
  std::string
      method;  // "pat" | "oauth-m2m" | "" (no credentials: tools answer with how to set them)
  std::string token;         // pat only; secret
  std::string clientId;      // oauth-m2m
  std::string clientSecret;  // oauth-m2m; secret
  std::string warehouseId;
  std::string clusterId;
  /// Where the values came from, for health and the log, never a secret: e.g.
  /// "config", "environment", "profile DEFAULT of /root/.databrickscfg".
  std::string origin;
};

using GetEnv = std::function<std::optional<std::string>(const std::string& name)>;
/// The process environment.
GetEnv processEnv();

/// explicit values > environment > config file (read only when a profile was requested or
/// neither a host nor any auth attribute is set yet; an explicitly requested profile that is
/// missing is an error, a missing default profile is not). Throws AuthConfigError.
ResolvedAuth resolveAuth(const AuthAttributes& explicitValues, const GetEnv& env);

/// A service principal's OAuth M2M token: POST {host}/oidc/v1/token (Basic client_id:secret,
/// grant_type=client_credentials&scope=all-apis), cached until 40 s before it expires, one
/// fetch at a time. A refused secret throws ApiError with the OAuth error text.
/// `now` is injectable for tests.
std::shared_ptr<TokenSource> oauthM2M(
    std::string host, std::string clientId, std::string clientSecret, std::string userAgent,
    std::chrono::seconds timeout,
    std::function<std::chrono::steady_clock::time_point()> now = nullptr);

/// The app's own TokenSource for a ResolvedAuth (nullptr when method is empty).
std::shared_ptr<TokenSource> tokenSourceFor(const ResolvedAuth& auth, const std::string& userAgent,
                                            std::chrono::seconds timeout);

}  // namespace devkit::databricks
