#include "projects/tool_gate.hpp"

namespace devkit::projects {

using nlohmann::json;

ToolGate::ToolGate(const json& disabledTools, const std::vector<SkillsInstaller::Skill>& skills,
                   const json& enabledSkills) {
  if (disabledTools.is_array()) {
    for (const json& name : disabledTools) {
      if (name.is_string()) disabledBySettings_.insert(name.get<std::string>());
    }
  }
  for (const auto& skill : skills) {
    const bool on = SkillsInstaller::isEnabled(enabledSkills, skill.name);
    for (const std::string& tool : skill.tools) {
      gatingSkills_[tool].push_back(skill.name);
      if (on) onBySkills_.insert(tool);
    }
  }
}

std::string ToolGate::offBecause(const std::string& tool) const {
  if (disabledBySettings_.count(tool) != 0) return "settings";
  if (gatingSkills_.count(tool) != 0 && onBySkills_.count(tool) == 0) return "skills";
  return "";
}

std::vector<std::string> ToolGate::gatingSkills(const std::string& tool) const {
  const auto it = gatingSkills_.find(tool);
  return it == gatingSkills_.end() ? std::vector<std::string>{} : it->second;
}

std::set<std::string> ToolGate::disabledTools() const {
  std::set<std::string> out = disabledBySettings_;
  for (const auto& [tool, skills] : gatingSkills_) {
    if (onBySkills_.count(tool) == 0) out.insert(tool);
  }
  return out;
}

}  // namespace devkit::projects
