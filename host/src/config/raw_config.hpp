#pragma once

#include <map>
#include <string>

namespace devkit::config {

/// One configuration value as written, before expansion and type conversion.
struct RawValue {
  std::string text;
  std::string origin;  // "/etc/devkit.ini" or "environment variable DEVKIT__SERVER__PORT"
  bool fromEnvironment = false;
};

/// Keys of one INI section (lower-case) to their raw values; the environment layer already merged
/// in (it wins over the file).
using RawSection = std::map<std::string, RawValue>;

/// Every section (lower-case name, e.g. "server", "plugin.agent-claude") of the file and the
/// environment, merged.
struct RawConfig {
  std::string file;
  std::map<std::string, RawSection> sections;
};

}  // namespace devkit::config
