#pragma once

#include <devkit/abi.h>

#include <memory>
#include <string>

#include "core/plugin_interfaces.hpp"
#include "plugins/plugin_loader.hpp"

namespace devkit::plugins {

/// Largest output the host accepts from one plugin call before refusing further writes (the plugin
/// sees DK_ERR_CANCELLED from its sink). Archive bytes are streamed and not subject to it.
inline constexpr size_t kMaxCallOutputBytes = 64 * 1024 * 1024;

/// Creates one instance of each kind the library provides, through its factory, with the validated
/// config JSON. Each proxy holds the library handle as its FIRST member (destroyed last), calls the
/// plugin's destroy in its destructor, and contains misbehaviour: an invalid status becomes
/// DK_ERR_INTERNAL, an exception escaping a (non-SDK) plugin is caught, invalid health JSON is
/// reported as "down". Throws PluginError when a factory fails or returns a malformed vtable.
std::shared_ptr<core::ToolProvider> createToolProvider(const std::shared_ptr<LoadedLibrary>& lib,
                                                       const std::string& configJson);
std::shared_ptr<core::AgentBackend> createAgentBackend(const std::shared_ptr<LoadedLibrary>& lib,
                                                       const std::string& configJson);
std::shared_ptr<core::SkillsSource> createSkillsSource(const std::shared_ptr<LoadedLibrary>& lib,
                                                       const std::string& configJson);
std::shared_ptr<core::Storage> createStorage(const std::shared_ptr<LoadedLibrary>& lib,
                                             const std::string& configJson);

/// Name of a status for messages ("DK_ERR_NOT_FOUND").
const char* statusName(dk_status status);

}  // namespace devkit::plugins
