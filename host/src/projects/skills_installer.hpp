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
    /// MCP tools the skill gates (SKILL.md `devkit-tools`): off in a project where no skill
    /// naming them is enabled.
    std::vector<std::string> tools;
  };
  /// A folder of the source that is not a valid skill (the source says why).
  struct Invalid {
    std::string folder;  // the folder's name (not its path: users see it)
    std::string file;    // relative to the folder; may be empty
    std::string reason;
  };
  struct Listing {
    std::vector<Skill> skills;
    std::vector<Invalid> invalid;
    /// Why the source could not list (no skills plugin, plugin down); empty when it could.
    std::string unavailable;
  };

  /// `source` may be null (no skills plugin enabled).
  explicit SkillsInstaller(std::shared_ptr<core::SkillsSource> source)
      : source_(std::move(source)) {}

  Listing list() const;
  /// Whether a skills source is enabled at all.
  bool hasSource() const { return source_ != nullptr; }

  /// Makes the source read its folder again (an operator changed the skills). Empty on success,
  /// else why it could not.
  std::string reload() const;

  /// Makes .claude/skills hold exactly the enabled skills of `listing`: copies missing ones and
  /// ones whose source changed since they were copied (into a temp dir, then rename: never half
  /// installed), removes disabled ones and ones this host installed that the source no longer has.
  /// Folders that are not the source's (the user's own) are left alone. `enabled`: null = all, or
  /// an array of names.
  void sync(const std::filesystem::path& projectDir, const Listing& listing,
            const nlohmann::json& enabled) const;

  static bool isEnabled(const nlohmann::json& enabled, const std::string& name);

 private:
  std::shared_ptr<core::SkillsSource> source_;
};

}  // namespace devkit::projects
