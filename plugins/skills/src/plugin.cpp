// skills: the skills source. Serves the skill folders of one directory (each a SKILL.md with YAML
// front matter plus reference files), validated against the rules in plugins/skills/README.md.
// The host installs them into a project's .claude/skills/<name>/.
#include <devkit/json.hpp>
#include <devkit/sdk.hpp>

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "skill_catalog.hpp"
#include "skill_validator.hpp"

namespace {

namespace fs = std::filesystem;
namespace json = devkit::sdk::json;
using devkit::sdk::Error;
using devkit::skills::SkillCatalog;
using devkit::skills::Snapshot;

constexpr const char* kConfigSchema = R"({
  "type": "object",
  "additionalProperties": false,
  "properties": {
    "dir": {"type": "string", "default": "${host.home}/share/devkit/skills", "minLength": 1,
            "description": "Directory of skill folders, each with a SKILL.md."}
  }
})";

std::string dirSetting(std::string_view configJson) {
  const json::Value config = json::parse(configJson.empty() ? "{}" : configJson);
  const json::Value* dir = config.find("dir");
  if (dir == nullptr || !dir->isString() || dir->asString().empty()) {
    throw Error(DK_ERR_INVALID_ARGUMENT, "\"dir\" must be a non-empty path");
  }
  // The host expands ${...}; a leftover one means the value never went through the host.
  if (dir->asString().find("${") != std::string::npos) {
    throw Error(DK_ERR_INVALID_ARGUMENT,
                "\"dir\" holds an unexpanded variable: " + dir->asString());
  }
  return dir->asString();
}

class Skills final : public devkit::sdk::SkillsSource {
 public:
  Skills(const devkit::sdk::Host& host, std::string_view configJson)
      : host_(host), catalog_(dirSetting(configJson)) {
    report(*catalog_.reload());
  }

  std::string listSkills() override {
    const std::shared_ptr<const Snapshot> s = catalog_.current();
    if (!s->dirProblem.empty()) throw Error(DK_ERR_UNAVAILABLE, s->dirProblem);
    return s->listingJson;
  }

  std::string validateSkill(std::string_view skillDir) override {
    const fs::path dir(skillDir);
    if (skillDir.empty() || !dir.is_absolute()) {
      throw Error(DK_ERR_INVALID_ARGUMENT, "validate_skill needs an absolute folder path");
    }
    return SkillCatalog::reportJson(
        devkit::skills::validateSkillDir(devkit::skills::normalisedDir(dir)));
  }

  void reload() override {
    const std::shared_ptr<const Snapshot> s = catalog_.reload();
    report(*s);
    if (!s->dirProblem.empty()) throw Error(DK_ERR_UNAVAILABLE, s->dirProblem);
  }

  std::string health() override { return catalog_.healthJson(); }

 private:
  // One line per scan, one warning per refused folder: an operator sees why a skill is missing.
  void report(const Snapshot& s) const {
    if (!s.dirProblem.empty()) {
      host_.warn(s.dirProblem + "; no skills are served (set [plugin.skills] dir)");
      return;
    }
    // debug: a healthy start stays quiet (a failing one prints exactly its one error line);
    // /healthz shows the counts.
    host_.debug("serving " + std::to_string(s.skills.size()) + " skills from " + s.dir.string() +
                (s.invalid.empty() ? "" : "; " + std::to_string(s.invalid.size()) + " refused"));
    for (const auto& r : s.invalid) {
      std::string reasons;
      for (const auto& e : r.errors)
        reasons += (reasons.empty() ? "" : "; ") + e.file + ": " + e.reason;
      host_.warn("skill folder " + r.dir.string() + " refused: " + reasons);
    }
  }

  devkit::sdk::Host host_;
  SkillCatalog catalog_;
};

}  // namespace

DK_DEFINE_PLUGIN("skills", "0.2.0", "Databricks skill folders installed into projects",
                 kConfigSchema, Skills)
