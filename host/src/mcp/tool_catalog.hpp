#pragma once

#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/plugin_interfaces.hpp"
#include "plugins/plugin_registry.hpp"

namespace devkit::mcp {

/// One tool and the plugin that serves it.
struct ToolEntry {
  std::string pluginId;
  std::shared_ptr<core::ToolProvider> provider;
  nlohmann::json tool;  // the MCP Tool object as the provider listed it
};

/// The tools of every loaded tool provider, listed once at startup (plugins are never reloaded, so
/// the list cannot change while the host runs) and sorted by name for deterministic paging.
/// THREADING: immutable after construction.
class ToolCatalog {
 public:
  /// Throws plugins::PluginError when two providers list the same tool name (exit 78), naming
  /// both plugins. A provider whose listing fails or is malformed is skipped with a warning.
  explicit ToolCatalog(const plugins::PluginRegistry& registry);
  /// For tests: the given providers, as (plugin id, provider).
  explicit ToolCatalog(
      const std::vector<std::pair<std::string, std::shared_ptr<core::ToolProvider>>>& providers);

  const std::vector<ToolEntry>& tools() const { return tools_; }
  /// The tool named `name`, or null.
  const ToolEntry* find(const std::string& name) const;

 private:
  void build(
      const std::vector<std::pair<std::string, std::shared_ptr<core::ToolProvider>>>& providers);
  std::vector<ToolEntry> tools_;
};

}  // namespace devkit::mcp
