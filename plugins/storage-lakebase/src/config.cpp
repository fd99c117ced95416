#include "config.hpp"

#include <devkit/sdk.hpp>

#include <cstdlib>
#include <utility>

namespace devkit::lakebase {

const char* const kConfigSchema = R"({
  "type": "object",
  "additionalProperties": false,
  "properties": {
    "dsn": {
      "type": "string", "default": "", "secret": true,
      "description": "postgresql:// URL or key=value string; empty: LAKEBASE_PG_URL or the keys."},
    "schema": {
      "type": "string", "default": "devkit", "pattern": "^[a-z_][a-z0-9_]{0,62}$",
      "description": "PostgreSQL schema that holds the tables (created when missing)."},
    "instance_name": {
      "type": "string", "default": "",
      "description": "Lakebase provisioned instance; its OAuth token is the password."},
    "endpoint": {
      "type": "string", "default": "",
      "description": "Lakebase autoscaling endpoint name (instead of instance_name)."},
    "pool_size": {
      "type": "integer", "default": 8, "minimum": 1, "maximum": 256,
      "description": "Connections kept open at most."},
    "host": {
      "type": "string", "default": "",
      "description": "Server host; empty: the DSN's or PGHOST (Lakebase: looked up)."},
    "port": {
      "type": "integer", "default": 0, "minimum": 0, "maximum": 65535,
      "description": "Server port; 0: the DSN's, PGPORT or 5432."},
    "database": {
      "type": "string", "default": "",
      "description": "Database; empty: the DSN's or PGDATABASE (Lakebase: databricks_postgres)."},
    "user": {
      "type": "string", "default": "",
      "description": "Role; empty: the DSN's or PGUSER (Lakebase with M2M: the client id)."},
    "sslmode": {
      "type": "string", "default": "",
      "enum": ["", "disable", "allow", "prefer", "require", "verify-ca", "verify-full"],
      "description": "libpq sslmode; empty: the DSN's or PGSSLMODE (Lakebase: require)."},
    "databricks_host": {
      "type": "string", "default": "",
      "description": "Workspace URL for Lakebase credentials; empty: DATABRICKS_HOST."},
    "client_id": {
      "type": "string", "default": "",
      "description": "OAuth M2M client id; empty: DATABRICKS_CLIENT_ID."},
    "client_secret": {
      "type": "string", "default": "", "secret": true,
      "description": "OAuth M2M client secret; empty: DATABRICKS_CLIENT_SECRET."},
    "token": {
      "type": "string", "default": "", "secret": true,
      "description": "Workspace token used instead of OAuth M2M; empty: DATABRICKS_TOKEN."},
    "token_refresh_s": {
      "type": "integer", "default": 0, "minimum": 0, "maximum": 86400,
      "description": "Rotate the Lakebase token after at most this long; 0: 10 min before expiry."},
    "connect_timeout_s": {
      "type": "integer", "default": 5, "minimum": 1, "maximum": 300,
      "description": "Seconds a new connection may take; then DK_ERR_UNAVAILABLE."}
  }
})";

namespace {

using devkit::sdk::Error;
using nlohmann::json;

[[noreturn]] void configError(const std::string& message) {
  throw Error(DK_ERR_INVALID_ARGUMENT, "storage-lakebase: " + message);
}

class Reader {
 public:
  Reader(const json& config, const EnvLookup& env) : config_(config), env_(env) {}

  std::string text(const char* key) const {
    const auto it = config_.find(key);
    if (it == config_.end() || it->is_null()) {
      return "";
    }
    if (!it->is_string()) {
      configError(std::string("\"") + key + "\" must be a string");
    }
    return it->get<std::string>();
  }
  /// The key, else the environment variable.
  std::string textOrEnv(const char* key, const char* var) const {
    std::string value = text(key);
    if (value.empty() && var != nullptr) {
      value = env_(var).value_or("");
    }
    return value;
  }
  int integer(const char* key, int fallback, int min, int max) const {
    const auto it = config_.find(key);
    if (it == config_.end() || it->is_null()) {
      return fallback;
    }
    if (!it->is_number_integer() || it->get<int64_t>() < min || it->get<int64_t>() > max) {
      configError(std::string("\"") + key + "\" must be an integer from " + std::to_string(min) +
                  " to " + std::to_string(max));
    }
    return static_cast<int>(it->get<int64_t>());
  }

 private:
  const json& config_;
  const EnvLookup& env_;
};

// ^[a-z_][a-z0-9_]{0,62}$ (no <regex>: GCC 12 warns inside it under -fsanitize).
bool isSchemaName(const std::string& name) {
  if (name.empty() || name.size() > 63 || (name[0] >= '0' && name[0] <= '9')) {
    return false;
  }
  for (char ch : name) {
    if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_')) {
      return false;
    }
  }
  return true;
}

}  // namespace

EnvLookup processEnv() {
  return [](const std::string& name) -> std::optional<std::string> {
    const char* value = std::getenv(name.c_str());
    if (value == nullptr || *value == '\0') {
      return std::nullopt;
    }
    return std::string(value);
  };
}

std::string normaliseWorkspaceHost(std::string host) {
  while (!host.empty() && (host.back() == '/' || host.back() == ' ')) {
    host.pop_back();
  }
  if (host.empty()) {
    return host;
  }
  if (host.find("://") == std::string::npos) {
    host = "https://" + host;
  }
  if (host.size() > 4 && host.compare(0, 8, "https://") == 0 &&
      host.compare(host.size() - 4, 4, ":443") == 0) {
    host.resize(host.size() - 4);
  }
  return host;
}

std::vector<std::string> LakebaseConfig::secrets() const {
  std::vector<std::string> out;
  for (const std::string* s : {&workspaceToken, &clientSecret}) {
    if (!s->empty()) {
      out.push_back(*s);
    }
  }
  return out;
}

LakebaseConfig parseConfig(std::string_view configJson, const EnvLookup& env) {
  json config = json::object();
  if (!configJson.empty()) {
    try {
      config = json::parse(configJson.begin(), configJson.end());
    } catch (const json::parse_error&) {
      configError("the config is not valid JSON");
    }
  }
  if (!config.is_object()) {
    configError("the config must be a JSON object");
  }
  const Reader r(config, env);
  LakebaseConfig c;
  c.dsn = r.textOrEnv("dsn", "LAKEBASE_PG_URL");
  // With a DSN the keys only override it; without one the PG* variables stand in for the keys.
  const bool noDsn = c.dsn.empty();
  c.host = r.textOrEnv("host", noDsn ? "PGHOST" : nullptr);
  c.port = r.integer("port", 0, 0, 65535);
  if (c.port == 0 && noDsn) {
    if (auto port = env("PGPORT")) {
      try {
        c.port = std::stoi(*port);
      } catch (const std::exception&) {
        configError("PGPORT must be a port number");
      }
      if (c.port < 1 || c.port > 65535) {
        configError("PGPORT must be a port number");
      }
    }
  }
  c.database = r.textOrEnv("database", noDsn ? "PGDATABASE" : nullptr);
  c.user = r.textOrEnv("user", noDsn ? "PGUSER" : nullptr);
  c.sslmode = r.textOrEnv("sslmode", noDsn ? "PGSSLMODE" : nullptr);
  c.applicationName = env("PGAPPNAME").value_or("devkit");
  c.schema = r.text("schema");
  if (c.schema.empty()) {
    c.schema = "devkit";
  }
  // Embedded in SQL as an identifier, so the pattern is a safety check, not only a style rule.
  if (!isSchemaName(c.schema)) {
    configError("\"schema\" must match ^[a-z_][a-z0-9_]{0,62}$");
  }
  c.poolSize = r.integer("pool_size", 8, 1, 256);
  c.connectTimeoutS = r.integer("connect_timeout_s", 5, 1, 300);
  c.tokenRefreshS = r.integer("token_refresh_s", 0, 0, 86400);

  c.instanceName = r.text("instance_name");
  c.endpoint = r.text("endpoint");
  if (!c.instanceName.empty() && !c.endpoint.empty()) {
    configError(
        "set either \"instance_name\" (provisioned) or \"endpoint\" (autoscaling), not both");
  }
  c.mode = !c.instanceName.empty() ? CredentialMode::kInstance
           : !c.endpoint.empty()   ? CredentialMode::kEndpoint
                                   : CredentialMode::kStatic;

  if (c.mode == CredentialMode::kStatic) {
    if (c.dsn.empty() && c.host.empty()) {
      configError(
          "no database configured: set \"dsn\" (or LAKEBASE_PG_URL), or \"host\" (or PGHOST), or "
          "\"instance_name\" / \"endpoint\" for Databricks Lakebase");
    }
    return c;
  }

  // Lakebase: the password is an OAuth token minted by the workspace.
  c.databricksHost = normaliseWorkspaceHost(r.textOrEnv("databricks_host", "DATABRICKS_HOST"));
  if (c.databricksHost.empty()) {
    configError(
        "Lakebase credentials need the workspace: set \"databricks_host\" or DATABRICKS_HOST");
  }
  // Explicit keys win over the environment as a pair, so a configured service principal is not
  // mixed with an unrelated DATABRICKS_TOKEN from the environment.
  const std::string keyToken = r.text("token");
  const std::string keyClientId = r.text("client_id");
  const std::string keyClientSecret = r.text("client_secret");
  if (!keyToken.empty()) {
    c.workspaceToken = keyToken;
  } else if (!keyClientId.empty() || !keyClientSecret.empty()) {
    c.clientId = keyClientId;
    c.clientSecret = keyClientSecret;
  } else if (auto token = env("DATABRICKS_TOKEN")) {
    c.workspaceToken = *token;
  } else {
    c.clientId = env("DATABRICKS_CLIENT_ID").value_or("");
    c.clientSecret = env("DATABRICKS_CLIENT_SECRET").value_or("");
  }
  if (c.workspaceToken.empty() && (c.clientId.empty() || c.clientSecret.empty())) {
    configError(
        "Lakebase credentials need a workspace identity: set \"token\" (DATABRICKS_TOKEN) or "
        "\"client_id\" and \"client_secret\" (DATABRICKS_CLIENT_ID / DATABRICKS_CLIENT_SECRET)");
  }
  if (c.mode == CredentialMode::kEndpoint && c.host.empty() && c.dsn.empty()) {
    configError("a Lakebase \"endpoint\" needs \"host\" (or PGHOST, or a dsn)");
  }
  return c;
}

}  // namespace devkit::lakebase
