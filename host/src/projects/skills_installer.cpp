#include "projects/skills_installer.hpp"

#include <random>

#include "logging/logging.hpp"
#include "projects/project_paths.hpp"

namespace devkit::projects {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

}  // namespace

SkillsInstaller::Listing SkillsInstaller::list() const {
  Listing out;
  if (!source_) {
    out.unavailable = "no skills plugin is enabled";
    return out;
  }
  const core::CallOutcome listed = source_->listSkills();
  if (!listed.ok()) {
    out.unavailable = "the skills plugin cannot list skills: " + listed.error;
    return out;
  }
  const json doc = json::parse(listed.output, nullptr, false);
  if (!doc.is_object() || !doc.contains("skills") || !doc["skills"].is_array()) {
    out.unavailable = "the skills plugin answered without a \"skills\" array";
    return out;
  }
  for (const json& s : doc["skills"]) {
    if (!s.is_object() || !s.value("name", json()).is_string() ||
        !s.value("dir", json()).is_string()) {
      continue;
    }
    Skill skill{s["name"], s.value("description", ""), fs::path(s["dir"].get<std::string>())};
    // The name becomes a directory: the same rule as project ids.
    if (!ProjectPaths::validId(skill.name)) {
      logging::get("skills")->warn("skipping skill with unusable name '{}'", skill.name);
      continue;
    }
    out.skills.push_back(std::move(skill));
  }
  return out;
}

bool SkillsInstaller::isEnabled(const json& enabled, const std::string& name) {
  if (!enabled.is_array()) return true;
  for (const json& e : enabled) {
    if (e.is_string() && e.get<std::string>() == name) return true;
  }
  return false;
}

void SkillsInstaller::sync(const fs::path& projectDir, const Listing& listing,
                           const json& enabled) const {
  static const auto log = logging::get("skills");
  const fs::path skillsDir = projectDir / ".claude" / "skills";
  fs::create_directories(skillsDir);
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  for (const Skill& skill : listing.skills) {
    const fs::path target = skillsDir / skill.name;
    std::error_code ec;
    const bool present = fs::exists(fs::symlink_status(target, ec));
    if (isEnabled(enabled, skill.name)) {
      if (present) continue;
      const fs::path temp = skillsDir / (".install-" + skill.name + "-" + std::to_string(rng()));
      fs::copy(skill.dir, temp, fs::copy_options::recursive, ec);
      if (!ec) fs::rename(temp, target, ec);
      if (ec) {
        std::error_code ignored;
        fs::remove_all(temp, ignored);
        log->warn("cannot install skill {} into {}: {}", skill.name, projectDir.string(),
                  ec.message());
      }
    } else if (present) {
      fs::remove_all(target, ec);
      if (ec) log->warn("cannot remove skill {}: {}", skill.name, ec.message());
    }
  }
}

}  // namespace devkit::projects
