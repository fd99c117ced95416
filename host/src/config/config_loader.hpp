#pragma once

#include <string>
#include <vector>

#include "config/host_config.hpp"

namespace devkit::config {

/// Inputs of loading, passed in (not read from globals) so tests can run many loads in one process.
struct LoadOptions {
  std::string file;                      // the INI file; must exist
  std::vector<std::string> environment;  // "NAME=value" entries (environ)
  std::string home;                      // value of ${host.home}
  std::string version;                   // value of ${host.version}
};

/// Reads the INI file (Poco's IniFileConfiguration) and the DEVKIT__ environment overrides, checks
/// every host section and the host-consumed keys of every plugin section, and returns the typed
/// configuration. Plugin-specific keys are validated later, against each plugin's own schema
/// (validatePluginSection). Throws ConfigError (one line: origin, section, key, reason).
HostConfig loadConfig(const LoadOptions& options);

/// Validates a plugin's own keys against the schema its descriptor declared; returns the typed JSON
/// object handed to the plugin's factories. Adds secrets to config.secrets. Throws ConfigError.
nlohmann::json validatePluginSection(HostConfig& config, const PluginSettings& plugin,
                                     const nlohmann::json& schema);

/// Collects `environ` into "NAME=value" strings.
std::vector<std::string> processEnvironment();

}  // namespace devkit::config
