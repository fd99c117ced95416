#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "identity/user.hpp"
#include "projects/backup_service.hpp"
#include "projects/project_paths.hpp"
#include "projects/skills_installer.hpp"
#include "projects/tool_gate.hpp"
#include "runs/live_runs.hpp"
#include "store/store.hpp"

namespace devkit::projects {

/// Projects: their metadata (in the storage plugin) and their working dirs (on disk), kept in step.
/// Every method takes the owner (the signed-in user's e-mail): another user's project is
/// kNotFound, exactly like one that does not exist. Errors are core::Failure.
/// THREADING: thread-safe; updates of one project are serialised.
class ProjectService {
 public:
  struct Options {
    std::string defaultCatalog = "main";
  };

  /// `backups` may be null (backups disabled): then a missing dir is recreated empty.
  ProjectService(store::Store& store, ProjectPaths paths, const SkillsInstaller& skills,
                 runs::LiveRuns& runs, BackupService* backups, Options options);

  /// Validates the name (trimmed, 1-200 bytes, no control characters), creates the project dir
  /// with CLAUDE.md and the skills, then the metadata with default settings. Returns the project.
  /// `enabledSkills`: null for every skill of the source (the default), or an array of names ([]
  /// for none).
  nlohmann::json create(const identity::User& user, const nlohmann::json& name,
                        const nlohmann::json& enabledSkills = nullptr);
  nlohmann::json get(const std::string& owner, const std::string& id);
  store::Page list(const std::string& owner, int limit, const std::optional<std::string>& cursor);
  nlohmann::json rename(const std::string& owner, const std::string& id,
                        const nlohmann::json& name);
  /// kConflict while a run is live in it; otherwise removes metadata, conversations, archive,
  /// the project dir and its state dir.
  void remove(const std::string& owner, const std::string& id);

  nlohmann::json settings(const std::string& owner, const std::string& id);
  /// The settings view of a stored project (defaults filled in, without enabled_skills).
  nlohmann::json settingsOf(const nlohmann::json& project) const;
  nlohmann::json putSettings(const std::string& owner, const std::string& id,
                             const nlohmann::json& body);

  /// {"skills": [{"name", "description", "enabled", "installed"}], "all_enabled", "enabled_count",
  ///  "total_count", "source": {"available": bool, "detail"?}}
  nlohmann::json skills(const std::string& owner, const std::string& id);
  /// Makes the skills source re-read its folder, then re-syncs this project's .claude/skills with
  /// it (new, changed and removed skills). Answers like skills(). kUnavailable when the source
  /// cannot reload.
  nlohmann::json reloadSkills(const std::string& owner, const std::string& id);
  /// `enabled`: array of known skill names, or null for all. Applies it to .claude/skills.
  nlohmann::json putSkills(const std::string& owner, const std::string& id,
                           const nlohmann::json& enabled);

  /// The project's dir, restored from its backup first when it is missing (the call waits; it
  /// never returns an empty dir for a project that has a backup). kUnavailable when storage is
  /// down, kInternal for an archive that cannot be restored.
  std::filesystem::path openDir(const std::string& owner, const std::string& id);

  /// Backs the project up now: {"state", "size", "sha256", "last_backup_us"}. kConflict when
  /// backups are disabled; kUnavailable when storage refused.
  nlohmann::json backupNow(const std::string& owner, const std::string& id);
  /// {"state": "clean"|"dirty"|"failed"|"disabled", "last_backup_us", "size"?, "sha256"?, "error"?}
  nlohmann::json backupStatus(const std::string& owner, const std::string& id);
  /// Marks the project's files as changed (for the next backup pass).
  void touched(const std::string& owner, const std::string& id);

  /// Which MCP tools the project has off and why (its settings, its skills). When the skills
  /// source cannot list, only the project's own list applies.
  ToolGate toolGate(const std::string& owner, const std::string& id);
  /// Stores the project's own list of tools that are off ("disabled_tools" in its settings
  /// object). The names are the caller's to check against the tool catalog.
  void putDisabledTools(const std::string& owner, const std::string& id,
                        const std::vector<std::string>& names);

  /// What an agent turn needs of its project, made ready: the dir (restored if missing), its
  /// installed skills re-synced with the source and the project's enabled list (so a change made
  /// since the last turn applies), and the settings view. Skills that cannot be listed leave the
  /// installed ones as they are (the turn still runs).
  struct TurnContext {
    nlohmann::json project;
    std::filesystem::path dir;
    std::filesystem::path stateDir;
    nlohmann::json settings;
    std::vector<SkillsInstaller::Skill> enabledSkills;
    /// MCP tools off in this project (ToolGate): the turn's /mcp token does not see them.
    std::set<std::string> disabledTools;
  };
  /// kNo only reads: the enabled skills as the source lists them, the installed ones untouched.
  enum class SkillsSync { kYes, kNo };
  TurnContext prepareTurn(const std::string& owner, const std::string& id,
                          SkillsSync sync = SkillsSync::kYes);

  const ProjectPaths& paths() const { return paths_; }

 private:
  nlohmann::json store(nlohmann::json project);
  /// openDir() for a project already read from storage.
  std::filesystem::path openDir(const nlohmann::json& project);
  nlohmann::json skillsOf(const nlohmann::json& project, const std::filesystem::path& dir,
                          const SkillsInstaller::Listing& listing) const;
  nlohmann::json defaultsFor(const nlohmann::json& project) const;
  void populate(const std::filesystem::path& dir, const std::string& name,
                const nlohmann::json& enabledSkills);
  std::shared_ptr<std::mutex> lockFor(const std::string& id);

  store::Store& store_;
  ProjectPaths paths_;
  const SkillsInstaller& skills_;
  runs::LiveRuns& runs_;
  BackupService* backups_;
  Options options_;
  std::mutex locksMutex_;
  std::map<std::string, std::weak_ptr<std::mutex>> locks_;
};

/// Validates a display name or title: a JSON string, trimmed, at most `maxBytes`, no control
/// characters; `allowEmpty` for titles. Throws core::Failure naming `field`.
std::string validateText(const nlohmann::json& value, const std::string& field, size_t maxBytes,
                         bool allowEmpty);

/// A new random UUID (v4) as text.
std::string newId();

}  // namespace devkit::projects
