#include "projects/skills_installer.hpp"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <random>
#include <set>
#include <vector>

#include "logging/logging.hpp"
#include "projects/project_paths.hpp"

namespace devkit::projects {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// Written into each installed skill: the fingerprint of the source folder it was copied from, so a
// sync re-copies a skill whose source changed (an operator's edit, a reload) and leaves an
// unchanged one alone without reading its files.
constexpr const char* kMarker = ".devkit-source";

/// Every file's relative path, size and modification time, hashed (FNV-1a, 64 bits).
std::string fingerprint(const fs::path& dir) {
  std::vector<std::string> entries;
  std::error_code ec;
  for (fs::recursive_directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    if (!it->is_regular_file(ec)) continue;
    const auto size = it->file_size(ec);
    const auto time = it->last_write_time(ec).time_since_epoch().count();
    entries.push_back(fs::relative(it->path(), dir, ec).generic_string() + "\t" +
                      std::to_string(size) + "\t" + std::to_string(time));
  }
  std::sort(entries.begin(), entries.end());
  uint64_t hash = 14695981039346656037ull;
  for (const auto& entry : entries) {
    for (const char c : entry + "\n") {
      hash = (hash ^ static_cast<unsigned char>(c)) * 1099511628211ull;
    }
  }
  char out[17];
  std::snprintf(out, sizeof out, "%016llx", static_cast<unsigned long long>(hash));
  return out;
}

std::string readMarker(const fs::path& installed) {
  std::ifstream in(installed / kMarker);
  std::string text;
  std::getline(in, text);
  return text;
}

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
    Skill skill{s["name"], s.value("description", ""), fs::path(s["dir"].get<std::string>()), {}};
    for (const json& tool : s.value("tools", json::array())) {
      if (tool.is_string()) skill.tools.push_back(tool.get<std::string>());
    }
    // The name becomes a directory: the same rule as project ids.
    if (!ProjectPaths::validId(skill.name)) {
      logging::get("skills")->warn("skipping skill with unusable name '{}'", skill.name);
      continue;
    }
    out.skills.push_back(std::move(skill));
  }
  for (const json& bad : doc.value("invalid", json::array())) {
    if (!bad.is_object()) continue;
    const std::string path = bad.value("path", bad.value("dir", std::string()));
    out.invalid.push_back({fs::path(path).filename().string(), bad.value("file", std::string()),
                           bad.value("reason", std::string())});
  }
  return out;
}

std::string SkillsInstaller::reload() const {
  if (!source_) return "no skills plugin is enabled";
  const core::CallOutcome reloaded = source_->reload();
  return reloaded.ok() ? std::string() : "the skills plugin cannot reload: " + reloaded.error;
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
      const std::string print = fingerprint(skill.dir);
      if (present && readMarker(target) == print) continue;
      const fs::path temp = skillsDir / (".install-" + skill.name + "-" + std::to_string(rng()));
      fs::copy(skill.dir, temp, fs::copy_options::recursive, ec);
      if (!ec) std::ofstream(temp / kMarker) << print << "\n";
      // An outdated copy is moved aside first, so the new one appears in one rename.
      const fs::path old = skillsDir / (".old-" + skill.name + "-" + std::to_string(rng()));
      if (!ec && present) fs::rename(target, old, ec);
      if (!ec) fs::rename(temp, target, ec);
      std::error_code ignored;
      fs::remove_all(old, ignored);
      if (ec) {
        fs::remove_all(temp, ignored);
        log->warn("cannot install skill {} into {}: {}", skill.name, projectDir.string(),
                  ec.message());
      } else if (present) {
        log->info("updated skill {} in {} (its source changed)", skill.name, projectDir.string());
      }
    } else if (present) {
      fs::remove_all(target, ec);
      if (ec) log->warn("cannot remove skill {}: {}", skill.name, ec.message());
    }
  }
  // Skills this host installed (they carry the marker) that the source no longer has.
  std::set<std::string> known;
  for (const Skill& skill : listing.skills) known.insert(skill.name);
  std::error_code ec;
  for (fs::directory_iterator it(skillsDir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    std::error_code statEc;
    if (name.empty() || name[0] == '.' || known.count(name) != 0 ||
        !fs::is_regular_file(it->path() / kMarker, statEc)) {
      continue;
    }
    std::error_code removeEc;
    fs::remove_all(it->path(), removeEc);
    if (removeEc) {
      log->warn("cannot remove skill {} (gone from the source): {}", name, removeEc.message());
    } else {
      log->info("removed skill {} from {} (gone from the source)", name, projectDir.string());
    }
  }
}

}  // namespace devkit::projects
