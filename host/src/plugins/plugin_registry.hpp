#pragma once

#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "config/host_config.hpp"
#include "core/plugin_interfaces.hpp"
#include "plugins/plugin_loader.hpp"

namespace devkit::plugins {

enum class PluginState { kDisabled, kLoaded, kFailed };

const char* stateName(PluginState state);

/// One [plugin.<id>] section and what became of it.
struct PluginRecord {
  std::string id;
  PluginState state = PluginState::kDisabled;
  bool required = true;
  std::string file;   // as resolved for loading
  std::string error;  // why it failed (state kFailed)
  std::shared_ptr<LoadedLibrary> library;
  std::shared_ptr<core::AgentBackend> agentBackend;
  std::shared_ptr<core::ToolProvider> toolProvider;
  std::shared_ptr<core::SkillsSource> skillsSource;
  std::shared_ptr<core::Storage> storage;
};

/// Loads the enabled plugins and owns their instances.
///
/// A required plugin that fails (missing file, wrong ABI, bad config, failing factory) makes
/// loadAll throw PluginError (the host exits 78 with that one line); with `required = no` it is
/// recorded as failed, logged at warn, and shown on /healthz. Disabled plugins are never opened.
/// At most one storage, one agent backend and one skills source may be enabled.
/// THREADING: loadAll and shutdown on the main thread; the accessors and health() are thread-safe
/// once loadAll has returned (the set never changes afterwards).
class PluginRegistry {
 public:
  explicit PluginRegistry(UnloadPolicy policy = UnloadPolicy::kNever) : policy_(policy) {}
  ~PluginRegistry();
  PluginRegistry(const PluginRegistry&) = delete;
  PluginRegistry& operator=(const PluginRegistry&) = delete;

  void loadAll(config::HostConfig& config, const std::string& hostVersion);

  const std::vector<PluginRecord>& plugins() const { return records_; }
  std::vector<std::shared_ptr<core::ToolProvider>> toolProviders() const;
  std::shared_ptr<core::AgentBackend> agentBackend() const;
  std::shared_ptr<core::SkillsSource> skillsSource() const;
  std::shared_ptr<core::Storage> storage() const;
  /// The id of the storage plugin, or empty.
  std::string storageId() const;

  /// Each plugin's id, kinds, version, state, error and its instances' health.
  nlohmann::json health() const;

  /// Destroys every instance in reverse load order (each destroy joins the plugin's threads). The
  /// libraries stay mapped (UnloadPolicy::kNever) until the process exits.
  void shutdown();

 private:
  void loadOne(config::HostConfig& config, const config::PluginSettings& settings,
               const std::string& hostVersion, PluginRecord& record);

  UnloadPolicy policy_;
  std::vector<PluginRecord> records_;
};

}  // namespace devkit::plugins
