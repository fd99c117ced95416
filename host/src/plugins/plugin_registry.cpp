#include "plugins/plugin_registry.hpp"

#include "config/config_error.hpp"
#include "config/config_loader.hpp"
#include "config/schema_validator.hpp"
#include "logging/logging.hpp"
#include "plugins/proxies.hpp"

namespace devkit::plugins {

const char* stateName(PluginState state) {
  switch (state) {
    case PluginState::kDisabled:
      return "disabled";
    case PluginState::kLoaded:
      return "loaded";
    case PluginState::kFailed:
      return "failed";
  }
  return "unknown";
}

PluginRegistry::~PluginRegistry() { shutdown(); }

void PluginRegistry::loadAll(config::HostConfig& config, const std::string& hostVersion) {
  auto log = logging::get("plugins");
  records_.clear();
  for (const config::PluginSettings& settings : config.plugins) {
    PluginRecord record;
    record.id = settings.id;
    record.required = settings.required;
    record.file = settings.path;
    if (!settings.enabled) {
      log->debug("plugin '{}' is disabled; not opened", settings.id);
      records_.push_back(std::move(record));
      continue;
    }
    try {
      loadOne(config, settings, hostVersion, record);
      record.state = PluginState::kLoaded;
      log->debug("plugin '{}' {} loaded from {} ({})", record.id, record.library->version,
                 record.library->path, [&] {
                   std::string kinds;
                   for (const auto& k : record.library->kinds)
                     kinds += (kinds.empty() ? "" : ", ") + k;
                   return kinds;
                 }());
    } catch (const std::exception& e) {
      if (settings.required) {
        throw;  // startup stops: one line, exit 78
      }
      record = PluginRecord{};
      record.id = settings.id;
      record.required = false;
      record.file = settings.path;
      record.state = PluginState::kFailed;
      record.error = e.what();
      log->warn("{} (skipped: required = no)", e.what());
    }
    records_.push_back(std::move(record));
  }

  // One storage, one agent backend, one skills source: the host has a single place for each.
  const auto checkSingle = [&](const char* kind, auto member) {
    std::string first;
    for (const PluginRecord& r : records_) {
      if (r.state != PluginState::kLoaded || !(r.*member)) continue;
      if (!first.empty()) {
        throw PluginError("plugins '" + first + "' and '" + r.id + "' both provide the " + kind +
                          " kind; enable only one of them");
      }
      first = r.id;
    }
  };
  checkSingle("storage", &PluginRecord::storage);
  checkSingle("agent_backend", &PluginRecord::agentBackend);
  checkSingle("skills_source", &PluginRecord::skillsSource);
}

void PluginRegistry::loadOne(config::HostConfig& config, const config::PluginSettings& settings,
                             const std::string& hostVersion, PluginRecord& record) {
  record.library = loadPlugin(config.pluginDir, settings.id, settings.path, hostVersion, policy_);
  const LoadedLibrary& lib = *record.library;

  nlohmann::json schema = nullptr;
  if (!lib.configSchema.empty()) {
    schema = nlohmann::json::parse(lib.configSchema, nullptr, false);
    if (schema.is_discarded()) {
      throw PluginError("plugin '" + lib.id + "' (" + lib.path +
                        "): its config schema is not valid JSON");
    }
  }
  if (const std::string problem = config::checkSchema(schema); !problem.empty()) {
    throw PluginError("plugin '" + lib.id + "' (" + lib.path + "): " + problem);
  }
  nlohmann::json typed;
  try {
    typed = config::validatePluginSection(config, settings, schema);
  } catch (const config::ConfigError& e) {
    // Config errors name the file and key; keep them as they are.
    throw PluginError(e.what());
  }
  for (const std::string& secret : config.secrets) {
    logging::addSecret(secret);
  }
  const std::string configJson = typed.dump();
  if (lib.descriptor.create_storage != nullptr) {
    record.storage = createStorage(record.library, configJson);
  }
  if (lib.descriptor.create_agent_backend != nullptr) {
    record.agentBackend = createAgentBackend(record.library, configJson);
  }
  if (lib.descriptor.create_skills_source != nullptr) {
    record.skillsSource = createSkillsSource(record.library, configJson);
  }
  if (lib.descriptor.create_tool_provider != nullptr) {
    record.toolProvider = createToolProvider(record.library, configJson);
  }
}

std::vector<std::shared_ptr<core::ToolProvider>> PluginRegistry::toolProviders() const {
  std::vector<std::shared_ptr<core::ToolProvider>> out;
  for (const PluginRecord& r : records_) {
    if (r.toolProvider) out.push_back(r.toolProvider);
  }
  return out;
}

std::shared_ptr<core::AgentBackend> PluginRegistry::agentBackend() const {
  for (const PluginRecord& r : records_) {
    if (r.agentBackend) return r.agentBackend;
  }
  return nullptr;
}

std::shared_ptr<core::SkillsSource> PluginRegistry::skillsSource() const {
  for (const PluginRecord& r : records_) {
    if (r.skillsSource) return r.skillsSource;
  }
  return nullptr;
}

std::shared_ptr<core::Storage> PluginRegistry::storage() const {
  for (const PluginRecord& r : records_) {
    if (r.storage) return r.storage;
  }
  return nullptr;
}

std::string PluginRegistry::storageId() const {
  for (const PluginRecord& r : records_) {
    if (r.storage) return r.id;
  }
  return "";
}

nlohmann::json PluginRegistry::health() const {
  nlohmann::json list = nlohmann::json::array();
  for (const PluginRecord& r : records_) {
    nlohmann::json entry = {{"id", r.id}, {"state", stateName(r.state)}, {"required", r.required}};
    if (r.library) {
      entry["version"] = r.library->version;
      entry["description"] = r.library->description;
      entry["kinds"] = r.library->kinds;
      entry["path"] = r.library->path;
      entry["abi"] =
          abiVersionText(r.library->descriptor.abi_major, r.library->descriptor.abi_minor);
    }
    if (!r.error.empty()) {
      entry["error"] = r.error;
    }
    nlohmann::json health = nlohmann::json::object();
    if (r.agentBackend) health["agent_backend"] = r.agentBackend->health();
    if (r.toolProvider) health["tool_provider"] = r.toolProvider->health();
    if (r.skillsSource) health["skills_source"] = r.skillsSource->health();
    if (r.storage) health["storage"] = r.storage->health();
    if (!health.empty()) entry["health"] = std::move(health);
    list.push_back(std::move(entry));
  }
  return list;
}

void PluginRegistry::shutdown() {
  for (auto it = records_.rbegin(); it != records_.rend(); ++it) {
    it->toolProvider.reset();
    it->skillsSource.reset();
    it->agentBackend.reset();
    it->storage.reset();
    it->library.reset();
  }
  records_.clear();
}

}  // namespace devkit::plugins
