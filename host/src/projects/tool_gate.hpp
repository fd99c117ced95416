#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "projects/skills_installer.hpp"

namespace devkit::projects {

/// Which MCP tools a project has off, and why. Two sources:
///   - the project's own list (settings "disabled_tools", PUT /api/projects/{id}/tools);
///   - skills: a tool that some skill of the source names in its SKILL.md `devkit-tools` is on
///     only while one of those skills is enabled in the project, so a skill can bring its tools.
/// A value type; computed from what storage and the skills source said at one moment.
class ToolGate {
 public:
  ToolGate() = default;
  /// `disabledTools`: the stored settings member (an array of names, or null/absent for none).
  /// `skills`: every valid skill of the source; `enabledSkills`: the project's enabled list (null
  /// for all), as SkillsInstaller::isEnabled reads it.
  ToolGate(const nlohmann::json& disabledTools, const std::vector<SkillsInstaller::Skill>& skills,
           const nlohmann::json& enabledSkills);

  /// "settings", "skills" or "" (the tool is on).
  std::string offBecause(const std::string& tool) const;
  bool enabled(const std::string& tool) const { return offBecause(tool).empty(); }
  /// The skills of the source that gate `tool` (empty when none does).
  std::vector<std::string> gatingSkills(const std::string& tool) const;
  /// Every tool this gate has off (those it knows of: named by settings or by a skill).
  std::set<std::string> disabledTools() const;
  const std::set<std::string>& disabledBySettings() const { return disabledBySettings_; }

 private:
  std::set<std::string> disabledBySettings_;
  std::map<std::string, std::vector<std::string>> gatingSkills_;  // tool -> skill names
  std::set<std::string> onBySkills_;  // gated tools an enabled skill names
};

}  // namespace devkit::projects
