// Helpers of the skills suite: temporary skill dirs, and the built skills.so opened with dlopen and
// driven through its C vtable with the SDK's fake host, exactly as the host would.
#pragma once

#include <dlfcn.h>
#include <unistd.h>

#include <devkit/abi.h>
#include <devkit/testing/fake_host.hpp>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <random>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "../unit/test_files.hpp"

namespace devkit::skills_test {

inline constexpr const char* kPluginDir = DEVKIT_PLUGIN_OUTPUT_DIR;
inline constexpr const char* kContentDir = DEVKIT_SKILLS_CONTENT_DIR;
inline constexpr const char* kBuiltSkillsDir = DEVKIT_BUILT_SKILLS_DIR;

using devkit::testing::TempDir;  // tests/unit/test_files.hpp

inline void writeFile(const std::filesystem::path& path, std::string_view text) {
  std::filesystem::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  if (!out) throw std::runtime_error("cannot write " + path.string());
}

/// A SKILL.md with the given front matter lines and a short body.
inline std::string skillMd(std::string_view frontMatter,
                           std::string_view body = "# Use it\n\nDo the thing.\n") {
  return "---\n" + std::string(frontMatter) + "---\n" + std::string(body);
}

/// A valid skill folder `root`/`name` whose description is `description`.
inline std::filesystem::path writeSkill(const std::filesystem::path& root, const std::string& name,
                                        const std::string& description =
                                            "Does a thing. Use it "
                                            "when the user asks.") {
  const std::filesystem::path dir = root / name;
  writeFile(dir / "SKILL.md", skillMd("name: " + name + "\ndescription: " + description + "\n"));
  return dir;
}

/// The built skills.so, opened once for the whole suite (a plugin keeps the host api it was
/// given in a static, so it is entered once).
class SkillsPlugin {
 public:
  static SkillsPlugin& get() {
    static SkillsPlugin plugin;
    return plugin;
  }
  const dk_plugin_descriptor* descriptor() const { return descriptor_; }
  devkit::testing::FakeHost& host() { return host_; }

 private:
  SkillsPlugin() {
    const std::string file = std::string(kPluginDir) + "/skills.so";
    handle_ = ::dlopen(file.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (handle_ == nullptr) throw std::runtime_error("dlopen " + file + ": " + ::dlerror());
    auto entry = reinterpret_cast<dk_plugin_entry_fn>(::dlsym(handle_, DK_PLUGIN_ENTRY_SYMBOL));
    if (entry == nullptr) throw std::runtime_error("skills.so has no dk_plugin_entry");
    descriptor_ = entry(host_.api());
    if (descriptor_ == nullptr) throw std::runtime_error("skills.so refused to start");
  }
  devkit::testing::FakeHost host_;
  void* handle_ = nullptr;  // never closed: the host never unloads plugins either
  const dk_plugin_descriptor* descriptor_ = nullptr;
};

/// One skills source instance of the real plugin.
class SkillsHandle : public devkit::testing::InstanceHandle<dk_skills_source_vtbl> {
 public:
  /// Creates an instance serving `dir`; throws std::runtime_error with the plugin's message.
  static SkillsHandle create(const std::string& configJson) {
    auto h =
        InstanceHandle::create(SkillsPlugin::get().descriptor()->create_skills_source, configJson);
    SkillsHandle out;
    static_cast<InstanceHandle&>(out) = std::move(h);
    return out;
  }
  static SkillsHandle forDir(const std::filesystem::path& dir) {
    return create(nlohmann::json{{"dir", dir.string()}}.dump());
  }

  devkit::testing::CallResult list() const {
    devkit::testing::CollectingSink out, err;
    devkit::testing::CallResult r;
    r.status = vtbl_->list_skills(self_, out.get(), err.get());
    r.output = out.text();
    r.error = err.text();
    return r;
  }
  /// The parsed list_skills answer; fails the calling test on a non-OK status.
  nlohmann::json listJson() const {
    const auto r = list();
    if (r.status != DK_OK) {
      throw std::runtime_error("list_skills: status " + std::to_string(r.status) + ": " + r.error);
    }
    return nlohmann::json::parse(r.output);
  }
  devkit::testing::CallResult validate(std::string_view dir) const {
    devkit::testing::CollectingSink out, err;
    devkit::testing::CallResult r;
    r.status = vtbl_->validate_skill(self_, devkit::testing::str(dir), out.get(), err.get());
    r.output = out.text();
    r.error = err.text();
    return r;
  }
  nlohmann::json validateJson(const std::filesystem::path& dir) const {
    const auto r = validate(dir.string());
    if (r.status != DK_OK) {
      throw std::runtime_error("validate_skill: status " + std::to_string(r.status) + ": " +
                               r.error);
    }
    return nlohmann::json::parse(r.output);
  }
  devkit::testing::CallResult reload() const {
    devkit::testing::CollectingSink err;
    devkit::testing::CallResult r;
    r.status = vtbl_->reload(self_, err.get());
    r.error = err.text();
    return r;
  }
  nlohmann::json healthJson() const { return nlohmann::json::parse(health()); }
};

/// The names of the skills in a list_skills answer.
inline std::vector<std::string> namesOf(const nlohmann::json& listing) {
  std::vector<std::string> names;
  for (const auto& s : listing["skills"]) names.push_back(s["name"]);
  return names;
}

}  // namespace devkit::skills_test
