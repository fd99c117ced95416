#include "config/env_overrides.hpp"

#include <algorithm>
#include <cctype>

#include <Poco/String.h>

#include "config/config_error.hpp"

namespace devkit::config {
namespace {

std::string envIdFor(const std::string& pluginId) {
  std::string out = Poco::toUpper(pluginId);
  std::replace(out.begin(), out.end(), '-', '_');
  std::replace(out.begin(), out.end(), '.', '_');
  return out;
}

std::vector<std::string> splitOnDoubleUnderscore(const std::string& s) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (true) {
    const size_t pos = s.find("__", start);
    if (pos == std::string::npos) {
      parts.push_back(s.substr(start));
      return parts;
    }
    parts.push_back(s.substr(start, pos - start));
    start = pos + 2;
  }
}

}  // namespace

std::string envNameFor(const std::string& section, const std::string& key) {
  constexpr std::string_view kPluginPrefix = "plugin.";
  if (section.rfind(kPluginPrefix, 0) == 0) {
    return std::string(kEnvPrefix) + "PLUGIN__" + envIdFor(section.substr(kPluginPrefix.size())) +
           "__" + Poco::toUpper(key);
  }
  return std::string(kEnvPrefix) + Poco::toUpper(section) + "__" + Poco::toUpper(key);
}

void applyEnvironment(const std::vector<std::string>& environment,
                      const std::set<std::string>& pluginIds, RawConfig& raw) {
  for (const std::string& entry : environment) {
    const size_t eq = entry.find('=');
    if (eq == std::string::npos) {
      continue;
    }
    const std::string name = entry.substr(0, eq);
    if (Poco::toUpper(name).rfind(kEnvPrefix, 0) != 0) {
      continue;
    }
    const std::string origin = "environment variable " + name;
    const std::vector<std::string> parts =
        splitOnDoubleUnderscore(name.substr(std::string(kEnvPrefix).size()));
    std::string section;
    std::string key;
    if (parts.size() == 2 && !parts[0].empty() && !parts[1].empty() &&
        Poco::toLower(parts[0]) != "plugin") {
      section = Poco::toLower(parts[0]);
      key = Poco::toLower(parts[1]);
    } else if (parts.size() == 3 && Poco::toLower(parts[0]) == "plugin" && !parts[1].empty() &&
               !parts[2].empty()) {
      const std::string wanted = Poco::toUpper(parts[1]);
      for (const std::string& id : pluginIds) {
        if (envIdFor(id) != wanted) continue;
        if (!section.empty()) {
          // e.g. [plugin.a-b] and [plugin.a.b] both read DEVKIT__PLUGIN__A_B__*: refuse to guess.
          throw ConfigError(origin, "", "",
                            "ambiguous: both [" + section + "] and [plugin." + id +
                                "] match; rename one of the plugin sections");
        }
        section = "plugin." + id;
      }
      if (section.empty()) {
        throw ConfigError(origin, "", "",
                          "no [plugin.*] section in the INI file matches '" + parts[1] +
                              "'; declare the plugin's section in the file first");
      }
      key = Poco::toLower(parts[2]);
    } else {
      throw ConfigError(origin, "", "",
                        "malformed override name; use DEVKIT__SECTION__KEY or "
                        "DEVKIT__PLUGIN__<ID>__KEY");
    }
    raw.sections[section][key] = RawValue{entry.substr(eq + 1), origin, true};
  }
}

}  // namespace devkit::config
