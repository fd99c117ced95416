#include "plugins/plugin_loader.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cstddef>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <system_error>

namespace devkit::plugins {
namespace {

namespace fs = std::filesystem;

// Libraries the host never unloads, with the host API each was given: kept here, never destroyed
// (see UnloadPolicy).
void keepForever(std::shared_ptr<boost::dll::shared_library> library,
                 std::unique_ptr<PluginHostApi> hostApi) {
  struct Kept {
    std::shared_ptr<boost::dll::shared_library> library;
    std::unique_ptr<PluginHostApi> hostApi;
  };
  static std::mutex mutex;
  static auto* kept = new std::vector<Kept>;
  std::lock_guard lock(mutex);
  kept->push_back(Kept{std::move(library), std::move(hostApi)});
}

[[noreturn]] void fail(const std::string& id, const std::string& path, const std::string& reason) {
  throw PluginError("plugin '" + id + "' (" + path + "): " + reason);
}

bool isInside(const fs::path& child, const fs::path& dir) {
  const std::string c = child.string();
  std::string d = dir.string();
  if (!d.empty() && d.back() != '/') d += '/';
  return c.rfind(d, 0) == 0;
}

struct KindCheck {
  const char* name;
  uint32_t version;
  bool hasFactory;
  uint32_t hostVersion;
};

}  // namespace

std::string abiVersionText(uint32_t major, uint32_t minor) {
  return std::to_string(major) + "." + std::to_string(minor);
}

LoadedLibrary::~LoadedLibrary() {
  if (unloadPolicy == UnloadPolicy::kNever && library) {
    keepForever(std::move(library), std::move(hostApi));
  }
}

std::shared_ptr<LoadedLibrary> loadPlugin(const std::string& pluginDir, const std::string& id,
                                          const std::string& file, const std::string& hostVersion,
                                          UnloadPolicy policy) {
  std::error_code ec;
  const fs::path dir = fs::weakly_canonical(fs::path(pluginDir), ec);
  fs::path requested = fs::path(file);
  if (requested.is_relative()) {
    requested = fs::path(pluginDir) / requested;
  }
  const std::string shown = requested.lexically_normal().string();
  if (ec || !fs::is_directory(dir)) {
    fail(id, shown, "the plugin dir " + pluginDir + " does not exist");
  }
  if (!fs::exists(requested, ec)) {
    fail(id, shown, "no such file (is the plugin built, and [plugins] dir right?)");
  }
  const fs::path canonical = fs::canonical(requested, ec);
  if (ec || !isInside(canonical, dir)) {
    fail(id, shown, "refusing to load a file outside the plugin dir " + dir.string());
  }
  struct stat st {};
  if (::stat(canonical.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) {
    fail(id, shown, "not a regular file");
  }
  if ((st.st_mode & S_IWOTH) != 0) {
    fail(id, shown, "refusing to load a world-writable file");
  }
  if (st.st_uid != 0 && st.st_uid != ::geteuid()) {
    fail(id, shown,
         "refusing to load a file owned by another user (uid " + std::to_string(st.st_uid) + ")");
  }

  auto loaded = std::make_shared<LoadedLibrary>();
  loaded->unloadPolicy = policy;
  loaded->id = id;
  loaded->path = canonical.string();
  try {
    // The throwing constructor keeps dlerror()'s text; RTLD_NOW makes undefined symbols fail here
    // rather than at the first call, and RTLD_LOCAL keeps plugins from resolving each other.
    loaded->library = std::make_shared<boost::dll::shared_library>(
        canonical, boost::dll::load_mode::rtld_now | boost::dll::load_mode::rtld_local);
  } catch (const std::system_error& e) {
    // what() is dlerror()'s text plus ": <errno text>", and the errno part is noise ("Bad file
    // descriptor" for every failure in Boost 1.74): keep dlerror's text only.
    std::string reason = e.what();
    const std::string noise = ": " + e.code().message();
    if (reason.size() > noise.size() &&
        reason.compare(reason.size() - noise.size(), noise.size(), noise) == 0) {
      reason.resize(reason.size() - noise.size());
    }
    fail(id, shown, "cannot be loaded: " + reason);
  } catch (const std::exception& e) {
    fail(id, shown, std::string("cannot be loaded: ") + e.what());
  }
  if (!loaded->library->has(DK_PLUGIN_ENTRY_SYMBOL)) {
    fail(id, shown, "does not export dk_plugin_entry (not a devkit plugin?)");
  }
  auto entry =
      loaded->library->get<const dk_plugin_descriptor*(const dk_host_api*)>(DK_PLUGIN_ENTRY_SYMBOL);
  loaded->hostApi = std::make_unique<PluginHostApi>(id, hostVersion);

  const dk_plugin_descriptor* d = nullptr;
  try {
    d = entry(loaded->hostApi->api());
  } catch (...) {
    fail(id, shown, "dk_plugin_entry threw an exception");
  }
  if (d == nullptr) {
    fail(id, shown, "refused to start (dk_plugin_entry returned NULL; see its log lines above)");
  }
  // The version fields come first and never move: read them before judging the rest, so that a
  // plugin of another major gets the version message, whatever its descriptor looks like.
  constexpr size_t kVersionFieldsSize =
      offsetof(dk_plugin_descriptor, abi_minor) + sizeof(uint32_t);
  if (d->struct_size < kVersionFieldsSize) {
    fail(id, shown,
         "descriptor too small to hold an ABI version (" + std::to_string(d->struct_size) +
             " bytes)");
  }
  if (d->abi_major != DK_ABI_MAJOR) {
    fail(id, shown,
         "built for plugin ABI " + abiVersionText(d->abi_major, d->abi_minor) +
             ", this host speaks ABI " + abiVersionText(DK_ABI_MAJOR, DK_ABI_MINOR) +
             "; rebuild the plugin against this host's SDK");
  }
  if (d->abi_minor > DK_ABI_MINOR) {
    fail(id, shown,
         "built for plugin ABI " + abiVersionText(d->abi_major, d->abi_minor) +
             ", newer than this host's " + abiVersionText(DK_ABI_MAJOR, DK_ABI_MINOR) +
             "; upgrade the host or use an older build of the plugin");
  }
  constexpr size_t kMinimumSize = offsetof(dk_plugin_descriptor, create_storage) +
                                  sizeof(dk_create_storage_fn);  // every field of ABI 1.0
  if (d->struct_size < kMinimumSize) {
    fail(id, shown,
         "descriptor too small (" + std::to_string(d->struct_size) + " bytes, ABI 1.0 has " +
             std::to_string(kMinimumSize) + ")");
  }
  std::memcpy(&loaded->descriptor, d,
              std::min<size_t>(d->struct_size, sizeof(dk_plugin_descriptor)));
  const dk_plugin_descriptor& desc = loaded->descriptor;
  if (desc.id == nullptr || id != desc.id) {
    fail(id, shown,
         std::string("declares the id '") + (desc.id ? desc.id : "(null)") +
             "', but its INI section is [plugin." + id + "]");
  }
  if (desc.version == nullptr || *desc.version == '\0') {
    fail(id, shown, "declares no version");
  }
  loaded->version = desc.version;
  loaded->description = desc.description ? desc.description : "";
  loaded->configSchema = desc.config_schema_json ? desc.config_schema_json : "";

  const KindCheck kinds[] = {
      {"agent_backend", desc.agent_backend_version, desc.create_agent_backend != nullptr,
       DK_AGENT_BACKEND_INTERFACE_VERSION},
      {"tool_provider", desc.tool_provider_version, desc.create_tool_provider != nullptr,
       DK_TOOL_PROVIDER_INTERFACE_VERSION},
      {"skills_source", desc.skills_source_version, desc.create_skills_source != nullptr,
       DK_SKILLS_SOURCE_INTERFACE_VERSION},
      {"storage", desc.storage_version, desc.create_storage != nullptr,
       DK_STORAGE_INTERFACE_VERSION},
  };
  for (const KindCheck& k : kinds) {
    if (k.version == 0 && !k.hasFactory) {
      continue;
    }
    if (k.version == 0 || !k.hasFactory) {
      fail(id, shown,
           std::string("declares the ") + k.name +
               " kind inconsistently (interface version and factory must both be set)");
    }
    if (k.version > k.hostVersion) {
      fail(id, shown,
           std::string(k.name) + " interface version " + std::to_string(k.version) +
               " is newer than this host's " + std::to_string(k.hostVersion));
    }
    loaded->kinds.emplace_back(k.name);
  }
  if (loaded->kinds.empty()) {
    fail(id, shown, "provides no kind (agent backend, tool provider, skills source or storage)");
  }
  return loaded;
}

}  // namespace devkit::plugins
