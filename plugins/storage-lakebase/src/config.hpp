// The plugin's configuration: the [plugin.storage-lakebase] keys (kConfigSchema) with the PG* and
// DATABRICKS_* environment variables filling what is left empty, resolved once at create.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace devkit::lakebase {

/// The JSON Schema of the plugin's INI section (the host validates it and fills the defaults).
extern const char* const kConfigSchema;

/// Looks up an environment variable; empty values count as unset. Injectable for tests.
using EnvLookup = std::function<std::optional<std::string>(const std::string& name)>;

/// The process environment.
EnvLookup processEnv();

/// How the plugin authenticates to PostgreSQL.
enum class CredentialMode {
  kStatic,    // the DSN's or libpq's own password (PGPASSWORD, ~/.pgpass) or none (trust)
  kInstance,  // Lakebase provisioned: POST /api/2.0/database/credentials per rotation
  kEndpoint,  // Lakebase autoscaling: POST /api/2.0/postgres/credentials per rotation
};

struct LakebaseConfig {
  // Where to connect. `dsn` (config or LAKEBASE_PG_URL) wins over the single keys; keys left empty
  // in both are left to libpq, which reads the PG* variables itself.
  std::string dsn;  // secret
  std::string host;
  int port = 0;  // 0: the DSN's, PGPORT's or libpq's default
  std::string database;
  std::string user;
  std::string sslmode;
  std::string applicationName = "devkit";
  std::string schema = "devkit";
  int poolSize = 8;
  int connectTimeoutS = 5;

  // Lakebase credentials (password = a short-lived OAuth token).
  CredentialMode mode = CredentialMode::kStatic;
  std::string instanceName;
  std::string endpoint;
  std::string databricksHost;  // normalised: https://host without a trailing slash
  std::string workspaceToken;  // secret: DATABRICKS_TOKEN style bearer token
  std::string clientId;        // OAuth M2M service principal
  std::string clientSecret;    // secret
  int tokenRefreshS = 0;       // 0: automatic (expiry - 10 min, or half the lifetime)

  /// Values that must never appear in a log line or an error message.
  std::vector<std::string> secrets() const;
};

/// Resolves the plugin's config JSON plus the environment. Throws devkit::sdk::Error with
/// DK_ERR_INVALID_ARGUMENT and a message naming the key when the config is unusable, including
/// when nothing at all says where the database is.
LakebaseConfig parseConfig(std::string_view configJson, const EnvLookup& env);

/// "https://host" from "host", "https://host/", "https://host:443" (the SDKs' normalisation).
std::string normaliseWorkspaceHost(std::string host);

}  // namespace devkit::lakebase
