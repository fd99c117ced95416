#include "config/config_loader.hpp"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <set>

#include <Poco/AutoPtr.h>
#include <Poco/Exception.h>
#include <Poco/String.h>
#include <Poco/Util/IniFileConfiguration.h>
#include <Poco/Util/LayeredConfiguration.h>
#include <Poco/Util/MapConfiguration.h>
#include <Poco/Util/SystemConfiguration.h>

#include "config/config_error.hpp"
#include "config/env_overrides.hpp"
#include "config/host_schema.hpp"

extern char** environ;

namespace devkit::config {
namespace {

namespace fs = std::filesystem;
using Poco::AutoPtr;

constexpr std::string_view kPluginPrefix = "plugin.";

// Collects every leaf key ("section.key") of the INI file.
void collectLeaves(const Poco::Util::AbstractConfiguration& ini, const std::string& prefix,
                   std::vector<std::string>& out) {
  Poco::Util::AbstractConfiguration::Keys keys;
  ini.keys(prefix, keys);
  if (keys.empty() && !prefix.empty()) {
    out.push_back(prefix);
    return;
  }
  for (const std::string& k : keys) {
    collectLeaves(ini, prefix.empty() ? k : prefix + "." + k, out);
  }
}

RawConfig readIni(const std::string& file) {
  if (!fs::is_regular_file(file)) {
    throw ConfigError(file, "", "", "cannot read the configuration file (missing or not a file)");
  }
  AutoPtr<Poco::Util::IniFileConfiguration> ini;
  try {
    ini = new Poco::Util::IniFileConfiguration(file);
  } catch (const Poco::Exception& e) {
    throw ConfigError(file, "", "", "cannot parse: " + e.displayText());
  }
  RawConfig raw;
  raw.file = file;
  std::vector<std::string> leaves;
  collectLeaves(*ini, "", leaves);
  for (const std::string& full : leaves) {
    const size_t dot = full.rfind('.');
    if (dot == std::string::npos) {
      throw ConfigError(file, "", full, "key outside any [section]");
    }
    const std::string section = Poco::toLower(full.substr(0, dot));
    raw.sections[section][Poco::toLower(full.substr(dot + 1))] =
        RawValue{ini->getRawString(full), file, false};
  }
  return raw;
}

bool isPluginSection(const std::string& section) {
  return section.rfind(kPluginPrefix, 0) == 0 && section.size() > kPluginPrefix.size();
}

bool validPluginId(const std::string& id) {
  if (id.empty() || id.size() > 64 || !(std::islower(id[0]) || std::isdigit(id[0]))) {
    return false;
  }
  return std::all_of(id.begin(), id.end(), [](char c) {
    return std::islower(static_cast<unsigned char>(c)) ||
           std::isdigit(static_cast<unsigned char>(c)) || c == '-' || c == '.';
  });
}

// "https://adb-1.2.azuredatabricks.net/" or "adb-1.2.azuredatabricks.net" ->
// "https://adb-1.2...net".
std::string normaliseWorkspaceUrl(std::string url) {
  while (!url.empty() &&
         (url.back() == '/' || std::isspace(static_cast<unsigned char>(url.back())))) {
    url.pop_back();
  }
  if (!url.empty() && url.find("://") == std::string::npos) {
    url = "https://" + url;
  }
  return url;
}

void loadAuth(HostConfig& config, const std::string& file) {
  const nlohmann::json& auth = config.sections["auth"];
  config.auth.mode = auth["mode"] == "databricks-apps" ? AuthMode::kDatabricksApps : AuthMode::kDev;
  const std::string email = Poco::toLower(auth["dev_user_email"].get<std::string>());
  const auto at = email.find('@');
  const bool printable = std::all_of(email.begin(), email.end(),
                                     [](unsigned char c) { return c > 0x20 && c != 0x7f; });
  if (at == std::string::npos || at == 0 || at + 1 == email.size() || !printable) {
    throw ConfigError(file, "auth", "dev_user_email",
                      "must be an e-mail address (name@domain, no spaces), got '" + email + "'");
  }
  config.auth.devUserEmail = email;
  config.auth.devUserName = auth["dev_user_name"];
  std::string url = auth["workspace_url"];
  if (url.empty()) {
    if (const char* env = std::getenv("DATABRICKS_HOST")) url = env;
  }
  config.auth.workspaceUrl = normaliseWorkspaceUrl(url);
  const std::string& u = config.auth.workspaceUrl;
  if (!u.empty() && u.rfind("https://", 0) != 0 && u.rfind("http://", 0) != 0) {
    throw ConfigError(file, "auth", "workspace_url", "must be an http(s) URL, got '" + u + "'");
  }
}

std::string absolutePath(const std::string& p) {
  return fs::absolute(fs::path(p)).lexically_normal().string();
}

}  // namespace

std::vector<std::string> processEnvironment() {
  std::vector<std::string> out;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    out.emplace_back(*e);
  }
  return out;
}

HostConfig loadConfig(const LoadOptions& options) {
  RawConfig raw = readIni(options.file);

  std::set<std::string> pluginIds;
  for (const auto& [section, _] : raw.sections) {
    if (isPluginSection(section)) {
      pluginIds.insert(section.substr(kPluginPrefix.size()));
    }
  }
  applyEnvironment(options.environment, pluginIds, raw);

  // ${...} resolution: the merged values themselves (so one key can name another), the host's own
  // properties, and Poco's system.* (system.env.NAME reads the environment).
  AutoPtr<Poco::Util::MapConfiguration> values = new Poco::Util::MapConfiguration;
  for (const auto& [section, keys] : raw.sections) {
    for (const auto& [key, value] : keys) {
      values->setString(section + "." + key, value.text);
    }
  }
  values->setString("host.home", options.home);
  values->setString("host.version", options.version);
  AutoPtr<Poco::Util::LayeredConfiguration> layered = new Poco::Util::LayeredConfiguration;
  layered->add(values, 0, false);
  layered->add(new Poco::Util::SystemConfiguration, 100, false);

  HostConfig config;
  config.file = options.file;
  config.home = options.home;
  config.expand = [layered](const std::string& text) {
    try {
      return layered->expand(text);
    } catch (const Poco::Exception&) {
      return text;  // e.g. a circular reference: reported as unresolved by the caller
    }
  };

  const nlohmann::json& schemas = hostSectionSchemas();
  for (const auto& [section, keys] : raw.sections) {
    if (isPluginSection(section)) {
      continue;
    }
    if (!schemas.contains(section)) {
      const RawValue& first = keys.begin()->second;
      std::string known;
      for (const auto& [name, _] : schemas.items()) known += (known.empty() ? "" : ", ") + name;
      throw ConfigError(first.origin, section, "",
                        "unknown section (known: " + known + ", plugin.<id>)");
    }
  }
  for (const auto& [section, schema] : schemas.items()) {
    static const RawSection kEmpty;
    const auto it = raw.sections.find(section);
    ValidatedSection v =
        validateSection(section, schema, it == raw.sections.end() ? kEmpty : it->second,
                        options.file, config.expand);
    // Defaults become visible to ${section.key} references in later sections and plugin schemas.
    for (const auto& [key, value] : v.values.items()) {
      if (!values->hasProperty(section + "." + key)) {
        values->setString(section + "." + key,
                          value.is_string() ? value.get<std::string>() : value.dump());
      }
    }
    config.secrets.insert(config.secrets.end(), v.secrets.begin(), v.secrets.end());
    config.sections[section] = std::move(v.values);
  }

  const nlohmann::json& server = config.sections["server"];
  config.server.host = server["host"];
  config.server.port = server["port"];
  config.server.webroot = absolutePath(server["webroot"]);
  config.server.maxThreads = server["max_threads"];
  config.server.maxStreams = server["max_streams"];
  config.server.maxBodyBytes = server["max_body_bytes"];
  config.server.keepAliveTimeoutS = server["keep_alive_timeout_s"];
  config.server.requestTimeoutS = server["request_timeout_s"];
  config.server.sendTimeoutS = server["send_timeout_s"];
  config.server.shutdownTimeoutS = server["shutdown_timeout_s"];
  config.server.sseHeartbeatS = server["sse_heartbeat_s"];
  if (config.server.maxStreams + 8 > config.server.maxThreads) {
    throw ConfigError(options.file, "server", "max_streams",
                      "must leave at least 8 of max_threads (" +
                          std::to_string(config.server.maxThreads) +
                          ") for ordinary requests; every open stream holds a thread");
  }
  config.logging.level = config.sections["logging"]["level"];
  config.logging.format = config.sections["logging"]["format"];
  config.backup.enabled = config.sections["backup"]["enabled"];
  config.backup.intervalS = config.sections["backup"]["interval_s"];
  config.dataDir = absolutePath(config.sections["data"]["dir"]);
  loadAuth(config, options.file);
  config.mcp.external = config.sections["mcp"]["external"];
  config.mcp.operationAfterS = config.sections["mcp"]["operation_after_s"];
  if (config.mcp.external && config.auth.workspaceUrl.empty()) {
    // External clients' tokens are checked against the workspace; without one nobody gets in.
    throw ConfigError(options.file, "mcp", "external",
                      "needs a workspace to check tokens against: set [auth] workspace_url "
                      "(or DATABRICKS_HOST)");
  }
  const nlohmann::json& projects = config.sections["projects"];
  config.projects.baseDir = absolutePath(projects["base_dir"]);
  config.projects.defaultCatalog = projects["default_catalog"];
  config.projects.maxFileBytes = projects["max_file_bytes"];
  config.projects.maxTreeEntries = projects["max_tree_entries"];
  config.sections["projects"]["base_dir"] = config.projects.baseDir;
  config.pluginDir = absolutePath(config.sections["plugins"]["dir"]);
  // Later references (plugin schema defaults such as ${data.dir}/devkit.sqlite) see absolute paths,
  // so a plugin never depends on the host's working directory.
  values->setString("data.dir", config.dataDir);
  values->setString("plugins.dir", config.pluginDir);
  values->setString("server.webroot", config.server.webroot);
  config.sections["data"]["dir"] = config.dataDir;
  config.sections["plugins"]["dir"] = config.pluginDir;
  config.sections["server"]["webroot"] = config.server.webroot;

  for (const std::string& id : pluginIds) {
    const std::string section = std::string(kPluginPrefix) + id;
    const RawSection& keys = raw.sections[section];
    if (!validPluginId(id)) {
      throw ConfigError(keys.begin()->second.origin, section, "",
                        "invalid plugin id (lower-case letters, digits, '-' and '.')");
    }
    RawSection common;
    RawSection own;
    for (const auto& [key, value] : keys) {
      (pluginCommonSchema()["properties"].contains(key) ? common : own)[key] = value;
    }
    ValidatedSection v =
        validateSection(section, pluginCommonSchema(), common, options.file, config.expand);
    PluginSettings plugin;
    plugin.id = id;
    plugin.section = section;
    plugin.enabled = v.values["enabled"];
    plugin.required = v.values["required"];
    plugin.path = v.values["path"];
    if (plugin.path.empty()) {
      plugin.path = id + ".so";
    }
    plugin.values = std::move(own);
    config.plugins.push_back(std::move(plugin));
  }
  return config;
}

nlohmann::json validatePluginSection(HostConfig& config, const PluginSettings& plugin,
                                     const nlohmann::json& schema) {
  ValidatedSection v = validateSection(plugin.section, schema, plugin.values, config.file,
                                       config.expand, {"enabled", "required", "path"});
  config.secrets.insert(config.secrets.end(), v.secrets.begin(), v.secrets.end());
  return v.values;
}

}  // namespace devkit::config
