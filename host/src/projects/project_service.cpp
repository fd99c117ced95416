#include "projects/project_service.hpp"

#include <Poco/String.h>
#include <Poco/UUIDGenerator.h>

#include <algorithm>
#include <fstream>
#include <random>
#include <set>

#include "core/failure.hpp"
#include "core/text.hpp"
#include "logging/logging.hpp"
#include "projects/claude_md.hpp"
#include "projects/project_settings.hpp"

namespace devkit::projects {
namespace {

namespace fs = std::filesystem;
using core::Failure;
using core::FailureKind;
using core::StorageOp;
using nlohmann::json;

constexpr size_t kMaxNameBytes = 200;

// A path id that cannot name a project is simply not found (no hint about what ids look like).
void requireId(const std::string& id) {
  if (!ProjectPaths::validId(id)) throw Failure::notFound("project");
}

fs::path uniqueTemp(const fs::path& root, const std::string& what) {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  fs::create_directories(root);
  return root / (what + "-" + std::to_string(rng()));
}

void removeQuietly(const fs::path& p) {
  std::error_code ec;
  fs::remove_all(p, ec);
  if (ec) logging::get("projects")->warn("cannot remove {}: {}", p.string(), ec.message());
}

// Moves a dir out of the way (one atomic rename), then deletes it: a failure half way never
// leaves a half-deleted project where the API could serve it.
void discardDir(const fs::path& dir, const fs::path& tempRoot) {
  std::error_code ec;
  if (!fs::exists(fs::symlink_status(dir, ec))) return;
  const fs::path trash = uniqueTemp(tempRoot, "deleted");
  fs::rename(dir, trash, ec);
  removeQuietly(ec ? dir : trash);
}

// `enabled` lists: null (every skill) or an array of names.
void checkEnabledShape(const json& enabled, const std::string& field) {
  if (!enabled.is_null() &&
      !(enabled.is_array() &&
        std::all_of(enabled.begin(), enabled.end(), [](const json& e) { return e.is_string(); }))) {
    throw Failure::invalid(field, "\"" + field + "\" must be an array of skill names or null");
  }
}

// The list sorted and without duplicates; every name must be a skill of `listing`.
json normaliseEnabled(const json& enabled, const SkillsInstaller::Listing& listing,
                      const std::string& field) {
  if (!enabled.is_array()) return nullptr;
  std::set<std::string> known;
  for (const auto& s : listing.skills) known.insert(s.name);
  std::set<std::string> chosen;
  for (const json& name : enabled) {
    if (known.count(name.get<std::string>()) == 0) {
      std::string list;
      for (const auto& k : known) list += (list.empty() ? "" : ", ") + k;
      throw Failure::invalid(
          field, "unknown skill \"" + name.get<std::string>() + "\" (available: " + list + ")");
    }
    chosen.insert(name.get<std::string>());
  }
  return json(std::vector<std::string>(chosen.begin(), chosen.end()));
}

}  // namespace

std::string newId() { return Poco::UUIDGenerator::defaultGenerator().createRandom().toString(); }

std::string validateText(const json& value, const std::string& field, size_t maxBytes,
                         bool allowEmpty) {
  if (!value.is_string()) throw Failure::invalid(field, "\"" + field + "\" must be a string");
  const std::string text = Poco::trim(value.get<std::string>());
  if (text.empty() && !allowEmpty) {
    throw Failure::invalid(field, "\"" + field + "\" must not be empty");
  }
  if (text.size() > maxBytes) {
    throw Failure::invalid(field, "\"" + field + "\" must be at most " + std::to_string(maxBytes) +
                                      " bytes (got " + std::to_string(text.size()) + ")");
  }
  if (core::hasControlCharacters(text)) {
    throw Failure::invalid(field, "\"" + field + "\" must not contain control characters");
  }
  return text;
}

ProjectService::ProjectService(store::Store& store, ProjectPaths paths,
                               const SkillsInstaller& skills, runs::LiveRuns& runs,
                               BackupService* backups, Options options)
    : store_(store),
      paths_(std::move(paths)),
      skills_(skills),
      runs_(runs),
      backups_(backups),
      options_(std::move(options)) {}

std::shared_ptr<std::mutex> ProjectService::lockFor(const std::string& id) {
  std::lock_guard guard(locksMutex_);
  if (locks_.size() > 4096) {  // drop entries nobody holds any more
    std::erase_if(locks_, [](const auto& entry) { return entry.second.expired(); });
  }
  auto& weak = locks_[id];
  auto lock = weak.lock();
  if (!lock) {
    lock = std::make_shared<std::mutex>();
    weak = lock;
  }
  return lock;
}

json ProjectService::store(json project) {
  return store_.call(StorageOp::kPutProject, project, "project");
}

json ProjectService::defaultsFor(const json& project) const {
  return settings::defaults(project.value("owner", ""), project.value("name", ""),
                            options_.defaultCatalog);
}

void ProjectService::populate(const fs::path& dir, const std::string& name,
                              const json& enabledSkills) {
  fs::create_directories(dir);
  const fs::path notes = dir / "CLAUDE.md";
  if (!fs::exists(notes)) {
    std::ofstream out(notes, std::ios::binary);
    out << claudeMdTemplate(name);
    if (!out) throw std::runtime_error("cannot write " + notes.string());
  }
  skills_.sync(dir, skills_.list(), enabledSkills);
}

json ProjectService::create(const identity::User& user, const json& nameValue,
                            const json& enabledSkills) {
  const std::string name = validateText(nameValue, "name", kMaxNameBytes, false);
  checkEnabledShape(enabledSkills, "enabled_skills");
  json enabled = nullptr;  // all
  if (enabledSkills.is_array() && !enabledSkills.empty()) {
    const SkillsInstaller::Listing listing = skills_.list();
    if (!listing.unavailable.empty()) {
      throw Failure(FailureKind::kUnavailable, "skills_unavailable", listing.unavailable);
    }
    enabled = normaliseEnabled(enabledSkills, listing, "enabled_skills");
  } else if (enabledSkills.is_array()) {
    enabled = json::array();  // none: needs no skills source
  }
  const std::string id = newId();
  json project = {{"id", id},
                  {"owner", user.email},
                  {"name", name},
                  {"settings", settings::defaults(user.email, name, options_.defaultCatalog)}};
  project["settings"]["enabled_skills"] = enabled;
  // Files first, in a temp dir renamed into place: storage is the source of truth, so a project
  // that fails half way leaves at most a temp dir behind, never metadata without files.
  const fs::path dir = paths_.projectDir(id);
  const fs::path temp = uniqueTemp(paths_.tempRoot(), "new-" + id);
  try {
    populate(temp, name, enabled);
    fs::create_directories(dir.parent_path());
    fs::rename(temp, dir);
    fs::create_directories(paths_.stateDir(id));
  } catch (const std::exception& e) {
    removeQuietly(temp);
    logging::get("projects")->error("cannot create the dir of project {}: {}", id, e.what());
    throw Failure(FailureKind::kInternal, "io_error",
                  "cannot create the project's directory; see the server log");
  }
  json stored;
  try {
    stored = store(project);
  } catch (...) {
    discardDir(dir, paths_.tempRoot());
    discardDir(paths_.stateDir(id), paths_.tempRoot());
    throw;
  }
  if (backups_) backups_->markDirty({user.email, id});
  logging::get("projects")->info("project {} created by {}", id, user.email);
  return stored;
}

json ProjectService::get(const std::string& owner, const std::string& id) {
  requireId(id);
  return store_.call(StorageOp::kGetProject, {{"owner", owner}, {"id", id}}, "project");
}

store::Page ProjectService::list(const std::string& owner, int limit,
                                 const std::optional<std::string>& cursor) {
  return store_.list(StorageOp::kListProjects, {{"owner", owner}, {"limit", limit}}, cursor,
                     "project");
}

json ProjectService::rename(const std::string& owner, const std::string& id,
                            const json& nameValue) {
  const std::string name = validateText(nameValue, "name", kMaxNameBytes, false);
  const auto lock = lockFor(id);
  std::lock_guard guard(*lock);
  json project = get(owner, id);
  project["name"] = name;
  project.erase("updated_us");
  project.erase("conversation_count");
  return store(project);
}

void ProjectService::remove(const std::string& owner, const std::string& id) {
  requireId(id);
  const auto deleting = runs_.beginProjectDelete(id);
  if (!deleting) {
    get(owner, id);  // another user's project is 404, not 409
    throw Failure(FailureKind::kConflict, "run_in_progress",
                  "a run is in progress in this project; stop it before deleting the project");
  }
  const auto lock = lockFor(id);
  std::lock_guard guard(*lock);
  store_.call(StorageOp::kDeleteProject, {{"owner", owner}, {"id", id}}, "project");
  auto removeFiles = [&] {
    discardDir(paths_.projectDir(id), paths_.tempRoot());
    discardDir(paths_.stateDir(id), paths_.tempRoot());
  };
  if (backups_) {
    backups_->forget({owner, id}, removeFiles);
  } else {
    removeFiles();
  }
  logging::get("projects")->info("project {} deleted by {}", id, owner);
}

json ProjectService::settings(const std::string& owner, const std::string& id) {
  return settingsOf(get(owner, id));
}

json ProjectService::settingsOf(const json& project) const {
  const json stored = project.value("settings", json::object());
  // Every project the host created stores all members: deriving defaults (the costly part, 11% of
  // a project list in the load benchmark) is only needed for older or hand-made rows.
  if (settings::complete(stored)) return settings::view(stored, json::object());
  return settings::view(stored, defaultsFor(project));
}

json ProjectService::putSettings(const std::string& owner, const std::string& id,
                                 const json& body) {
  const auto lock = lockFor(id);
  std::lock_guard guard(*lock);
  json project = get(owner, id);
  const json base = defaultsFor(project);
  const json validated = settings::validate(body, base);
  json stored = project.value("settings", json::object());
  if (!stored.is_object()) stored = json::object();
  for (const auto& [key, value] : validated.items()) stored[key] = value;
  project["settings"] = stored;
  project.erase("updated_us");
  project.erase("conversation_count");
  const json saved = store(project);
  return settings::view(saved.value("settings", json::object()), base);
}

json ProjectService::skills(const std::string& owner, const std::string& id) {
  const json project = get(owner, id);
  return skillsOf(project, openDir(project), skills_.list());
}

json ProjectService::reloadSkills(const std::string& owner, const std::string& id) {
  const json project = get(owner, id);
  const fs::path dir = openDir(project);
  if (const std::string failed = skills_.reload(); !failed.empty()) {
    throw Failure(FailureKind::kUnavailable, "skills_unavailable", failed);
  }
  const SkillsInstaller::Listing listing = skills_.list();
  if (!listing.unavailable.empty()) {
    throw Failure(FailureKind::kUnavailable, "skills_unavailable", listing.unavailable);
  }
  {
    const auto lock = lockFor(id);
    std::lock_guard guard(*lock);
    skills_.sync(dir, listing,
                 project.value("settings", json::object()).value("enabled_skills", json()));
  }
  touched(owner, id);
  return skillsOf(project, dir, listing);
}

json ProjectService::skillsOf(const json& project, const fs::path& dir,
                              const SkillsInstaller::Listing& listing) const {
  const json enabled = project.value("settings", json::object()).value("enabled_skills", json());
  json items = json::array();
  int enabledCount = 0;
  for (const auto& skill : listing.skills) {
    const bool on = SkillsInstaller::isEnabled(enabled, skill.name);
    enabledCount += on ? 1 : 0;
    std::error_code ec;
    items.push_back({{"name", skill.name},
                     {"description", skill.description},
                     {"enabled", on},
                     {"installed", fs::is_directory(dir / ".claude" / "skills" / skill.name, ec)}});
  }
  json source = {{"available", listing.unavailable.empty()}};
  if (!listing.unavailable.empty()) source["detail"] = listing.unavailable;
  json invalid = json::array();
  for (const auto& bad : listing.invalid) {
    invalid.push_back({{"folder", bad.folder}, {"file", bad.file}, {"reason", bad.reason}});
  }
  source["invalid"] = std::move(invalid);
  return {{"skills", std::move(items)},
          {"all_enabled", !enabled.is_array()},
          {"enabled_count", enabledCount},
          {"total_count", listing.skills.size()},
          {"source", std::move(source)}};
}

json ProjectService::putSkills(const std::string& owner, const std::string& id,
                               const json& enabled) {
  // Bad input first (400), then the project (404), and only then whether skills can be listed.
  checkEnabledShape(enabled, "enabled");
  const fs::path dir = openDir(get(owner, id));
  const SkillsInstaller::Listing listing = skills_.list();
  if (!listing.unavailable.empty()) {
    throw Failure(FailureKind::kUnavailable, "skills_unavailable", listing.unavailable);
  }
  const json normalised = normaliseEnabled(enabled, listing, "enabled");
  json saved;
  {
    const auto lock = lockFor(id);
    std::lock_guard guard(*lock);
    json project = get(owner, id);  // again under the lock: read, modify, write
    project["settings"]["enabled_skills"] = normalised;
    project.erase("updated_us");
    project.erase("conversation_count");
    saved = store(project);
    skills_.sync(dir, listing, normalised);
  }
  touched(owner, id);
  return skillsOf(saved, dir, listing);
}

ProjectService::TurnContext ProjectService::prepareTurn(const std::string& owner,
                                                        const std::string& id, SkillsSync sync) {
  TurnContext turn;
  turn.project = get(owner, id);
  turn.dir = openDir(turn.project);
  turn.stateDir = paths_.stateDir(id);
  turn.settings = settingsOf(turn.project);
  const SkillsInstaller::Listing listing = skills_.list();
  const json stored = turn.project.value("settings", json::object());
  if (!listing.unavailable.empty()) {
    // The project's own list applies even when skills cannot gate anything.
    turn.disabledTools =
        ToolGate(stored.value("disabled_tools", json()), {}, stored.value("enabled_skills", json()))
            .disabledTools();
    // Without a skills plugin there is nothing to sync; a failing one is worth a warning.
    if (skills_.hasSource()) {
      logging::get("projects")
          ->warn("project {}: skills not re-synced before the turn: {}", id, listing.unavailable);
    }
    return turn;
  }
  const json enabled =
      turn.project.value("settings", json::object()).value("enabled_skills", json());
  if (sync == SkillsSync::kYes) {
    const auto lock = lockFor(id);
    std::lock_guard guard(*lock);
    skills_.sync(turn.dir, listing, enabled);
  }
  for (const auto& skill : listing.skills) {
    if (SkillsInstaller::isEnabled(enabled, skill.name)) turn.enabledSkills.push_back(skill);
  }
  turn.disabledTools =
      ToolGate(stored.value("disabled_tools", json()), listing.skills, enabled).disabledTools();
  return turn;
}

ToolGate ProjectService::toolGate(const std::string& owner, const std::string& id) {
  const json project = get(owner, id);
  const json stored = project.value("settings", json::object());
  const SkillsInstaller::Listing listing = skills_.list();
  return ToolGate(
      stored.value("disabled_tools", json()),
      listing.unavailable.empty() ? listing.skills : std::vector<SkillsInstaller::Skill>{},
      stored.value("enabled_skills", json()));
}

void ProjectService::putDisabledTools(const std::string& owner, const std::string& id,
                                      const std::vector<std::string>& names) {
  const auto lock = lockFor(id);
  std::lock_guard guard(*lock);
  json project = get(owner, id);  // under the lock: read, modify, write
  if (!project["settings"].is_object()) project["settings"] = json::object();
  project["settings"]["disabled_tools"] = names;
  project.erase("updated_us");
  project.erase("conversation_count");
  store(project);
}

fs::path ProjectService::openDir(const std::string& owner, const std::string& id) {
  return openDir(get(owner, id));
}

fs::path ProjectService::openDir(const json& project) {
  const std::string owner = project.value("owner", "");
  const std::string id = project.value("id", "");
  const fs::path dir = paths_.projectDir(id);
  if (backups_) {
    try {
      backups_->ensureRestored({owner, id});
    } catch (const RestoreError& e) {
      if (e.status() == DK_ERR_UNAVAILABLE) {
        throw Failure(FailureKind::kUnavailable, "storage_unavailable",
                      std::string("the project's files cannot be restored right now: ") + e.what());
      }
      throw Failure(FailureKind::kInternal, "restore_failed",
                    std::string("the project's backup cannot be restored: ") + e.what());
    }
  }
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    // No backup to restore from (never backed up, or backups off): start the dir afresh rather
    // than fail every request for the project.
    const auto lock = lockFor(id);
    std::lock_guard guard(*lock);
    if (!fs::is_directory(dir, ec)) {
      logging::get("projects")
          ->warn("project {} had no files and no backup; recreating its dir", id);
      populate(dir, project.value("name", ""),
               project.value("settings", json::object()).value("enabled_skills", json()));
      fs::create_directories(paths_.stateDir(id));
    }
  }
  return dir;
}

json ProjectService::backupNow(const std::string& owner, const std::string& id) {
  if (!backups_) {
    get(owner, id);
    throw Failure(FailureKind::kConflict, "backup_disabled",
                  "backups are disabled ([backup] enabled = no)");
  }
  openDir(owner, id);
  const BackupResult result = backups_->backupNow({owner, id});
  if (result.state == BackupResult::State::kFailed) {
    throw Failure(FailureKind::kUnavailable, "backup_failed", "the backup failed: " + result.error);
  }
  json out = backupStatus(owner, id);
  out["result"] = backupStateName(result.state);
  return out;
}

json ProjectService::backupStatus(const std::string& owner, const std::string& id) {
  if (!backups_) return {{"state", "disabled"}, {"last_backup_us", nullptr}};
  return backups_->status({owner, id});
}

void ProjectService::touched(const std::string& owner, const std::string& id) {
  if (backups_) backups_->markDirty({owner, id});
}

}  // namespace devkit::projects
