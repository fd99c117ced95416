#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "config/raw_config.hpp"
#include "config/schema_validator.hpp"

namespace devkit::config {

struct ServerSettings {
  std::string host = "127.0.0.1";
  int port = 8000;
  std::string webroot;
  int maxThreads = 128;
  int maxStreams = 64;
  int64_t maxBodyBytes = 1 << 20;
  int keepAliveTimeoutS = 5;
  int requestTimeoutS = 20;
  int sendTimeoutS = 30;
  int shutdownTimeoutS = 10;
  int sseHeartbeatS = 15;
};

struct LoggingSettings {
  std::string level = "info";
  std::string format = "text";
};

struct BackupSettings {
  bool enabled = true;
  int intervalS = 600;
};

enum class AuthMode { kDev, kDatabricksApps };

struct AuthSettings {
  AuthMode mode = AuthMode::kDev;
  std::string devUserEmail = "developer@localhost";  // lower-cased
  std::string devUserName;                           // empty: the e-mail's local part
  std::string workspaceUrl;  // normalised https://host, no trailing slash; may be empty
};

struct McpSettings {
  bool external = false;     // /mcp also for outside clients with their own Databricks token
  int operationAfterS = 45;  // a longer call becomes an operation (check_operation_status); 0: off
};

struct ProjectsSettings {
  std::string baseDir;  // absolute
  std::string defaultCatalog = "main";
  int64_t maxFileBytes = 10 << 20;
  int maxTreeEntries = 20000;
};

/// One [plugin.<id>] section: the keys the host consumes, and the rest for the plugin's own schema.
struct PluginSettings {
  std::string id;
  std::string section;  // "plugin.<id>"
  bool enabled = false;
  bool required = true;
  std::string path;   // absolute or relative to the plugin dir
  RawSection values;  // the plugin's own keys, validated when the plugin's schema is known
};

/// The whole validated configuration. Immutable after startup (Poco's config is not thread-safe to
/// reload, and nothing needs it to be).
struct HostConfig {
  std::string file;  // the INI file read
  std::string home;  // ${host.home}: the directory above the executable's bin/
  ServerSettings server;
  LoggingSettings logging;
  BackupSettings backup;
  AuthSettings auth;
  McpSettings mcp;
  ProjectsSettings projects;
  std::string dataDir;
  std::string pluginDir;
  std::vector<PluginSettings> plugins;
  nlohmann::json sections = nlohmann::json::object();  // every host section, typed
  std::vector<std::string> secrets;                    // to redact from logs
  Expander expand;  // resolves ${...} like the file does (for plugin schema defaults)
};

}  // namespace devkit::config
