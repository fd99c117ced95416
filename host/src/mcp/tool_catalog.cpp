#include "mcp/tool_catalog.hpp"

#include <algorithm>
#include <map>

#include "logging/logging.hpp"
#include "plugins/plugin_loader.hpp"

namespace devkit::mcp {

namespace {

using Providers = std::vector<std::pair<std::string, std::shared_ptr<core::ToolProvider>>>;

Providers providersOf(const plugins::PluginRegistry& registry) {
  Providers out;
  for (const auto& record : registry.plugins()) {
    if (record.state == plugins::PluginState::kLoaded && record.toolProvider) {
      out.emplace_back(record.id, record.toolProvider);
    }
  }
  return out;
}

}  // namespace

ToolCatalog::ToolCatalog(const plugins::PluginRegistry& registry) { build(providersOf(registry)); }

ToolCatalog::ToolCatalog(const Providers& providers) { build(providers); }

void ToolCatalog::build(const Providers& providers) {
  const auto log = logging::get("mcp");
  std::map<std::string, ToolEntry> byName;
  for (const auto& [pluginId, provider] : providers) {
    const core::CallOutcome outcome = provider->listTools();
    if (!outcome.ok()) {
      log->warn("plugin {}: list_tools failed ({}); its tools are not served", pluginId,
                outcome.error);
      continue;
    }
    const nlohmann::json list = nlohmann::json::parse(outcome.output, nullptr, false);
    if (!list.is_array()) {
      log->warn("plugin {}: list_tools did not write a JSON array; its tools are not served",
                pluginId);
      continue;
    }
    for (const nlohmann::json& tool : list) {
      if (!tool.is_object() || !tool.contains("name") || !tool["name"].is_string() ||
          !tool.contains("inputSchema") || !tool["inputSchema"].is_object()) {
        log->warn("plugin {}: a tool without a string name or an inputSchema object; skipped",
                  pluginId);
        continue;
      }
      const std::string name = tool["name"].get<std::string>();
      if (const auto it = byName.find(name); it != byName.end()) {
        // Silently preferring one would hand the agent a different tool than it was told about.
        throw plugins::PluginError("tool name clash: plugins " + it->second.pluginId + " and " +
                                   pluginId + " both provide the tool '" + name +
                                   "'; disable one of them");
      }
      byName.emplace(name, ToolEntry{pluginId, provider, tool});
    }
  }
  tools_.reserve(byName.size());
  for (auto& [name, entry] : byName) tools_.push_back(std::move(entry));
}

const ToolEntry* ToolCatalog::find(const std::string& name) const {
  const auto it = std::lower_bound(
      tools_.begin(), tools_.end(), name,
      [](const ToolEntry& entry, const std::string& key) { return entry.tool["name"] < key; });
  return it != tools_.end() && it->tool["name"] == name ? &*it : nullptr;
}

}  // namespace devkit::mcp
