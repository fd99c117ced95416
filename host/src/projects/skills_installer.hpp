#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/plugin_interfaces.hpp"

namespace devkit::projects {

/// The skills a project can use (from the skills source plugin) and their installation into the
/// project's .claude/skills/<name>/, where Claude Code finds them.
/// THREADING: thread-safe; sync() of one project must not run concurrently with itself (the
/// project service serialises per project).
class SkillsInstaller {
 public:
  struct Skill {
    std::string name;
    std::string description;
    std::filesystem::path dir;  // the source folder
  };
  struct Listing {
    std::vector<Skill> skills;
    /// Why the source could not list (no skills plugin, plugin down); empty when it could.
    std::string unavailable;
  };

  /// `source` may be null (no skills plugin enabled).
  explicit SkillsInstaller(std::shared_ptr<core::SkillsSource> source)
      : source_(std::move(source)) {}

  Listing list() const;

  /// Makes .claude/skills hold exactly the enabled skills of `listing`: copies missing ones
  /// (into a temp dir, then rename: never half installed) and removes disabled ones. Folders that
  /// are not skills of the source (the user's own) are left alone. `enabled`: null = all, or an
  /// array of names.
  void sync(const std::filesystem::path& projectDir, const Listing& listing,
            const nlohmann::json& enabled) const;

  static bool isEnabled(const nlohmann::json& enabled, const std::string& name);

 private:
  std::shared_ptr<core::SkillsSource> source_;
};

}  // namespace devkit::projects
