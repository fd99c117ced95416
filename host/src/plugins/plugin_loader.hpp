#pragma once

#include <devkit/abi.h>

#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#ifndef BOOST_DLL_USE_STD_FS
#error "host targets must define BOOST_DLL_USE_STD_FS in every translation unit (ODR)"
#endif
#include <boost/dll/shared_library.hpp>

#include "plugins/host_api.hpp"

namespace devkit::plugins {

/// A plugin that cannot be loaded; what() is one line naming the plugin, its file and the reason.
class PluginError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Whether a library may be unmapped when its last handle goes. The host never unloads (static
/// destructors inside a plugin running after host objects that point into it is a classic crash);
/// the ABI tests do, to prove that create/destroy leave nothing behind.
enum class UnloadPolicy { kNever, kOnRelease };

/// One opened plugin library and its validated descriptor.
/// OWNERSHIP: every proxy keeps a shared_ptr to it as its first member, so the library outlives
/// every object the plugin created.
struct LoadedLibrary {
  // Declared before `library` so it is destroyed after it: a plugin's static destructors (run by
  // dlclose) may still log. With UnloadPolicy::kNever both are kept until the process exits, as
  // abi.h promises for the host API.
  std::unique_ptr<PluginHostApi> hostApi;
  std::shared_ptr<boost::dll::shared_library> library;
  dk_plugin_descriptor descriptor{};  // copy of the fields this host knows
  std::string id;
  std::string path;  // canonical
  std::string version;
  std::string description;
  std::string configSchema;  // may be empty
  std::vector<std::string> kinds;

  ~LoadedLibrary();
  UnloadPolicy unloadPolicy = UnloadPolicy::kNever;
};

/// Loads the plugin `id` from `file` (absolute, or relative to `pluginDir`). Checks, in order: the
/// path lies inside the plugin dir after resolving symlinks; it is a regular file, not writable by
/// others, owned by root or by this user; dlopen with RTLD_NOW | RTLD_LOCAL (undefined symbols fail
/// here, with dlerror's text); it exports dk_plugin_entry; the entry returns a descriptor; the
/// descriptor's size, ABI major (equal) and minor (not newer), id (equal to `id`), version and
/// per-kind interface versions. Throws PluginError. THREADING: main thread, during startup.
std::shared_ptr<LoadedLibrary> loadPlugin(const std::string& pluginDir, const std::string& id,
                                          const std::string& file, const std::string& hostVersion,
                                          UnloadPolicy policy = UnloadPolicy::kNever);

/// "1.0" style text for messages.
std::string abiVersionText(uint32_t major, uint32_t minor);

}  // namespace devkit::plugins
