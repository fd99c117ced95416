#include "abi_test_support.hpp"

#include <dlfcn.h>
#include <stdio.h>
#include <sys/wait.h>

#include <array>
#include <cstdlib>
#include <sstream>
#include <stdexcept>
#include <string_view>

#include "plugins/proxies.hpp"

namespace devkit::abi_test {

std::vector<std::string> builtPluginIds() {
  std::vector<std::string> ids;
  std::stringstream list(DEVKIT_ABI_PLUGINS);
  for (std::string id; std::getline(list, id, ',');) {
    if (!id.empty()) ids.push_back(id);
  }
  return ids;
}

std::string pluginFile(const std::string& dir, const std::string& id) {
  return dir + "/" + id + ".so";
}

std::shared_ptr<plugins::LoadedLibrary> load(const std::string& dir, const std::string& id) {
  return plugins::loadPlugin(dir, id, id + ".so", kHostVersion, plugins::UnloadPolicy::kOnRelease);
}

std::shared_ptr<core::PluginInstance> createKind(const std::shared_ptr<plugins::LoadedLibrary>& lib,
                                                 const std::string& kind,
                                                 const std::string& configJson) {
  if (kind == "agent_backend") return plugins::createAgentBackend(lib, configJson);
  if (kind == "tool_provider") return plugins::createToolProvider(lib, configJson);
  if (kind == "skills_source") return plugins::createSkillsSource(lib, configJson);
  if (kind == "storage") return plugins::createStorage(lib, configJson);
  throw std::invalid_argument("unknown kind '" + kind + "'");
}

std::string runCommand(const std::string& command, int& exitCode) {
  std::string output;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) {
    exitCode = -1;
    return output;
  }
  std::array<char, 4096> buffer{};
  for (size_t n; (n = std::fread(buffer.data(), 1, buffer.size(), pipe)) > 0;) {
    output.append(buffer.data(), n);
  }
  const int status = ::pclose(pipe);
  exitCode = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return output;
}

std::vector<std::string> definedDynamicSymbols(const std::string& file) {
  int exitCode = 0;
  const std::string output = runCommand(
      std::string("'") + DEVKIT_NM + "' -D --defined-only '" + file + "' 2>&1", exitCode);
  if (exitCode != 0) {
    throw std::runtime_error("nm failed on " + file + ": " + output);
  }
  // Lines are "<address> <type> <name>"; the name is the last field.
  std::vector<std::string> names;
  std::stringstream lines(output);
  for (std::string line; std::getline(lines, line);) {
    const size_t space = line.find_last_of(' ');
    if (!line.empty()) names.push_back(space == std::string::npos ? line : line.substr(space + 1));
  }
  return names;
}

bool isMapped(const std::string& path) {
  void* handle = ::dlopen(path.c_str(), RTLD_NOW | RTLD_NOLOAD);
  if (handle == nullptr) {
    return false;
  }
  ::dlclose(handle);  // RTLD_NOLOAD took a reference
  return true;
}

nlohmann::json defaultConfig(const nlohmann::json& schema, const std::string& dir) {
  nlohmann::json config = nlohmann::json::object();
  if (!schema.is_object() || !schema.contains("properties")) {
    return config;
  }
  for (const auto& [key, property] : schema["properties"].items()) {
    if (!property.contains("default")) continue;
    nlohmann::json value = property["default"];
    if (value.is_string()) {
      std::string text = value.get<std::string>();
      for (const std::string_view var : {"${data.dir}", "${host.home}"}) {
        for (size_t pos; (pos = text.find(var)) != std::string::npos;) {
          text.replace(pos, var.size(), dir);
        }
      }
      value = text;
    }
    config[key] = value;
  }
  return config;
}

TempDir::TempDir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "devkit-abi-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) {
    throw std::runtime_error("mkdtemp failed for " + pattern);
  }
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

}  // namespace devkit::abi_test
