// Shared helpers of the ABI suite: where the plugins are, how to inspect a built .so, and how to
// load one through the host's real loader.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/plugin_interfaces.hpp"
#include "plugins/plugin_loader.hpp"

namespace devkit::abi_test {

inline constexpr const char* kPluginDir = DEVKIT_PLUGIN_OUTPUT_DIR;
inline constexpr const char* kFixtureDir = DEVKIT_TEST_PLUGIN_DIR;
inline constexpr const char* kHostVersion = "0.0.0-abi-test";

/// The ids of every plugin the build produces into kPluginDir (first-party and hello-tools).
std::vector<std::string> builtPluginIds();

/// `dir`/`id`.so
std::string pluginFile(const std::string& dir, const std::string& id);

/// Loads `id` from `dir` with UnloadPolicy::kOnRelease, so that dropping the last reference really
/// unmaps the library. Throws PluginError like the host's loader.
std::shared_ptr<plugins::LoadedLibrary> load(const std::string& dir, const std::string& id);

/// Creates an instance of `kind` ("tool_provider", ...) through the host's proxies.
std::shared_ptr<core::PluginInstance> createKind(const std::shared_ptr<plugins::LoadedLibrary>& lib,
                                                 const std::string& kind,
                                                 const std::string& configJson);

/// Runs a shell command and returns its stdout; `exitCode` gets its exit status.
std::string runCommand(const std::string& command, int& exitCode);

/// Names of the dynamic symbols `file` defines (`nm -D --defined-only`).
std::vector<std::string> definedDynamicSymbols(const std::string& file);

/// True while the dynamic linker still has `path` mapped (dlopen with RTLD_NOLOAD).
bool isMapped(const std::string& path);

/// A config object made of every property's "default" in `schema`, with the host's ${data.dir} and
/// ${host.home} references pointed at `dir`, so that no plugin touches a real data dir.
nlohmann::json defaultConfig(const nlohmann::json& schema, const std::string& dir);

/// A fresh directory under the temp dir, removed with the object.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

}  // namespace devkit::abi_test
