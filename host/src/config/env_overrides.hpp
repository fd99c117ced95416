#pragma once

#include <set>
#include <string>
#include <vector>

#include "config/raw_config.hpp"

namespace devkit::config {

inline constexpr const char* kEnvPrefix = "DEVKIT__";

/// Merges environment overrides into `raw`. A variable DEVKIT__SECTION__KEY sets [section] key, and
/// DEVKIT__PLUGIN__<ID>__KEY sets [plugin.<id>] key, where <ID> is the plugin id upper-cased with
/// '-' and '.' written as '_' (so DEVKIT__PLUGIN__AGENT_CLAUDE__LLM sets [plugin.agent-claude]
/// llm). Names are case-insensitive. `pluginIds` are the plugin sections the INI file declares; an
/// override for any other plugin is an error, as is a malformed name. Throws ConfigError naming the
/// variable.
void applyEnvironment(const std::vector<std::string>& environment,
                      const std::set<std::string>& pluginIds, RawConfig& raw);

/// The environment variable that overrides [section] key (for messages and the README table).
std::string envNameFor(const std::string& section, const std::string& key);

}  // namespace devkit::config
