#pragma once

#include <devkit/abi.h>

#include <memory>
#include <string>

#include <spdlog/logger.h>

namespace devkit::plugins {

/// The dk_host_api handed to one plugin: its log callback writes to the spdlog logger
/// "plugin.<id>", so every line names the plugin. OWNERSHIP: must outlive every call the plugin
/// makes, i.e. the process while the library is loaded; the loader keeps it beside the library.
/// THREADING: the callbacks are thread-safe.
class PluginHostApi {
 public:
  PluginHostApi(const std::string& pluginId, std::string hostVersion);
  PluginHostApi(const PluginHostApi&) = delete;
  PluginHostApi& operator=(const PluginHostApi&) = delete;

  const dk_host_api* api() const { return &api_; }

  /// Longest log message accepted from a plugin; longer ones are cut (a plugin must not flood).
  static constexpr size_t kMaxMessageBytes = 16 * 1024;

 private:
  dk_host_api api_{};
  std::shared_ptr<spdlog::logger> logger_;
  std::string hostVersion_;
};

}  // namespace devkit::plugins
