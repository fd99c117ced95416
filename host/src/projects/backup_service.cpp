#include "projects/backup_service.hpp"

#include <filesystem>
#include <fstream>
#include <random>

#include "core/clock.hpp"
#include "logging/logging.hpp"
#include "projects/project_archive.hpp"

namespace devkit::projects {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr const char* kDirtyKey = "backup.dirty";

std::string hashKey(const std::string& projectId) { return "backup.hash." + projectId; }

json request(const ProjectRef& p) { return {{"owner", p.owner}, {"project_id", p.projectId}}; }

// A unique scratch path under the temp root (on the data filesystem, so renames are atomic).
fs::path scratch(const fs::path& root, const std::string& what, const std::string& projectId) {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  fs::create_directories(root);
  return root / (what + "-" + projectId + "-" + std::to_string(rng()));
}

// Removes a scratch file or tree whatever happens to the operation that made it.
struct ScratchGuard {
  fs::path path;
  ~ScratchGuard() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

}  // namespace

const char* backupStateName(BackupResult::State state) {
  switch (state) {
    case BackupResult::State::kStored:
      return "stored";
    case BackupResult::State::kUnchanged:
      return "unchanged";
    case BackupResult::State::kSkipped:
      return "skipped";
    case BackupResult::State::kFailed:
      return "failed";
  }
  return "unknown";
}

BackupService::BackupService(std::shared_ptr<core::Storage> storage, ProjectPaths paths,
                             Options options)
    : storage_(std::move(storage)), paths_(std::move(paths)), options_(options) {}

BackupService::~BackupService() { stop(); }

void BackupService::start() {
  loadDirty();
  if (options_.worker && !worker_.joinable()) {
    worker_ = std::thread([this] { workerLoop(); });
  }
}

void BackupService::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (worker_.joinable()) {
    worker_.join();
  }
}

void BackupService::workerLoop() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    wake_.wait_for(lock, options_.interval, [&] { return stopping_; });
    if (stopping_) break;
    lock.unlock();
    runPass();
    lock.lock();
  }
}

void BackupService::loadDirty() {
  const core::CallOutcome o =
      storage_->call(core::StorageOp::kGetState, json{{"key", kDirtyKey}}.dump());
  std::lock_guard lock(mutex_);
  if (o.status == DK_ERR_NOT_FOUND) {
    dirtyLoaded_ = true;
    return;
  }
  if (!o.ok()) {
    // Storage is down: keep what is marked in memory and merge the stored set on a later pass.
    lastError_ = "cannot read the dirty set: " + o.error;
    return;
  }
  const json value = json::parse(o.output, nullptr, false);
  if (value.is_object() && value.contains("value") && value["value"].is_array()) {
    for (const json& item : value["value"]) {
      if (item.is_object() && item.contains("owner") && item.contains("project_id") &&
          item["owner"].is_string() && item["project_id"].is_string()) {
        dirty_.emplace(ProjectRef{item["owner"], item["project_id"]}, ++generation_);
      }
    }
  }
  dirtyLoaded_ = true;
}

void BackupService::persistDirty() {
  json items = json::array();
  {
    std::lock_guard lock(mutex_);
    for (const auto& [ref, _] : dirty_) {
      items.push_back({{"owner", ref.owner}, {"project_id", ref.projectId}});
    }
  }
  const core::CallOutcome o =
      storage_->putState(json{{"key", kDirtyKey}, {"value", std::move(items)}}.dump());
  if (!o.ok()) {
    std::lock_guard lock(mutex_);
    lastError_ = "cannot save the dirty set: " + o.error;  // retried after the next pass
  }
}

void BackupService::markDirty(const ProjectRef& project) {
  bool added = false;
  {
    std::lock_guard lock(mutex_);
    auto [it, inserted] = dirty_.try_emplace(project, 0);
    it->second = ++generation_;
    added = inserted;
  }
  if (added) {
    persistDirty();
  }
}

void BackupService::forget(const ProjectRef& project, const std::function<void()>& whileLocked) {
  std::lock_guard projectGuard(*projectLock(project.projectId));
  bool removed = false;
  {
    std::lock_guard lock(mutex_);
    removed = dirty_.erase(project) != 0;
    lastFailure_.erase(project.projectId);
  }
  if (removed) persistDirty();
  storage_->putState(json{{"key", hashKey(project.projectId)}, {"value", nullptr}}.dump());
  if (whileLocked) whileLocked();
}

std::vector<ProjectRef> BackupService::dirty() const {
  std::lock_guard lock(mutex_);
  std::vector<ProjectRef> out;
  for (const auto& [ref, _] : dirty_) out.push_back(ref);
  return out;
}

std::shared_ptr<std::mutex> BackupService::projectLock(const std::string& projectId) {
  std::lock_guard lock(mutex_);
  auto& m = projectLocks_[projectId];
  if (!m) m = std::make_shared<std::mutex>();
  return m;
}

BackupResult BackupService::backupProject(const ProjectRef& project) {
  BackupResult result;
  const fs::path projectDir = paths_.projectDir(project.projectId);
  const fs::path stateDir = paths_.stateDir(project.projectId);
  std::lock_guard projectGuard(*projectLock(project.projectId));
  std::error_code ec;
  if (!fs::is_directory(projectDir, ec)) {
    // Nothing on this host to save (never restored here, or deleted): the archive stays as it is.
    result.state = BackupResult::State::kSkipped;
    return result;
  }
  try {
    const std::string content = contentHash(projectDir, stateDir);
    const core::CallOutcome known = storage_->call(
        core::StorageOp::kGetState, json{{"key", hashKey(project.projectId)}}.dump());
    if (known.ok()) {
      const json k = json::parse(known.output, nullptr, false);
      const core::CallOutcome stat =
          storage_->call(core::StorageOp::kStatArchive, request(project).dump());
      const json s = stat.ok() ? json::parse(stat.output, nullptr, false) : json();
      if (k.is_object() && s.is_object() && s.value("exists", false) &&
          k["value"].value("content", "") == content &&
          k["value"].value("sha256", "") == s.value("sha256", "")) {
        result.state = BackupResult::State::kUnchanged;
        result.size = s.value("size", int64_t{0});
        result.sha256 = s.value("sha256", "");
        result.createdUs = s.value("created_us", int64_t{0});
        return result;
      }
    } else if (known.status == DK_ERR_UNAVAILABLE) {
      result.error = "storage unavailable: " + known.error;
      return result;
    }

    const ScratchGuard zip{scratch(paths_.tempRoot(), "backup", project.projectId)};
    writeProjectArchive(projectDir, stateDir, zip.path);
    std::ifstream in(zip.path, std::ios::binary);
    const core::CallOutcome put =
        storage_->putArchive(request(project).dump(), [&in](char* buffer, size_t capacity) {
          in.read(buffer, static_cast<std::streamsize>(capacity));
          if (in.bad()) return int64_t{-1};
          return static_cast<int64_t>(in.gcount());
        });
    if (!put.ok()) {
      result.error = put.error.empty() ? "put_archive failed" : put.error;
      return result;
    }
    const json info = json::parse(put.output, nullptr, false);
    result.state = BackupResult::State::kStored;
    result.size = info.value("size", int64_t{0});
    result.sha256 = info.value("sha256", "");
    result.createdUs = info.value("created_us", int64_t{0});
    // Best effort: without it the next pass merely archives an unchanged project again.
    storage_->putState(json{{"key", hashKey(project.projectId)},
                            {"value", {{"content", content}, {"sha256", result.sha256}}}}
                           .dump());
  } catch (const std::exception& e) {
    result.state = BackupResult::State::kFailed;
    result.error = e.what();
  }
  return result;
}

BackupResult BackupService::backupNow(const ProjectRef& project) {
  uint64_t generation = 0;
  {
    std::lock_guard lock(mutex_);
    const auto it = dirty_.find(project);
    generation = it == dirty_.end() ? 0 : it->second;
  }
  BackupResult result = backupProject(project);
  bool persist = false;
  {
    std::lock_guard lock(mutex_);
    if (result.state == BackupResult::State::kFailed) {
      lastFailure_[project.projectId] = result.error;
      lastError_ = "project " + project.projectId + ": " + result.error;
    } else {
      lastFailure_.erase(project.projectId);
      const auto it = dirty_.find(project);
      // Marked again while it was being archived: keep it for the next pass.
      if (it != dirty_.end() && it->second == generation) {
        dirty_.erase(it);
        persist = true;
      }
    }
  }
  if (persist) persistDirty();
  if (result.state == BackupResult::State::kFailed) {
    logging::get("backup")->warn("backup of project {} failed: {}", project.projectId,
                                 result.error);
  } else if (result.state == BackupResult::State::kStored) {
    logging::get("backup")->info("project {} backed up: {} bytes", project.projectId, result.size);
  }
  return result;
}

int BackupService::runPass() {
  bool needLoad = false;
  {
    std::lock_guard lock(mutex_);
    needLoad = !dirtyLoaded_;
  }
  if (needLoad) {
    loadDirty();
  }
  int done = 0;
  bool failed = false;
  for (const ProjectRef& project : dirty()) {
    const BackupResult r = backupNow(project);
    if (r.state == BackupResult::State::kFailed) {
      failed = true;
    } else {
      ++done;
    }
  }
  std::lock_guard lock(mutex_);
  lastPassUs_ = core::nowUs();
  if (!failed) lastError_.clear();
  return done;
}

RestoreOutcome BackupService::ensureRestored(const ProjectRef& project) {
  const fs::path projectDir = paths_.projectDir(project.projectId);
  std::error_code ec;
  if (fs::is_directory(projectDir, ec)) {
    return RestoreOutcome::kPresent;
  }
  std::lock_guard projectGuard(*projectLock(project.projectId));
  if (fs::is_directory(projectDir, ec)) {
    return RestoreOutcome::kPresent;  // restored by the caller we waited for
  }
  const core::CallOutcome stat =
      storage_->call(core::StorageOp::kStatArchive, request(project).dump());
  if (stat.status == DK_ERR_NOT_FOUND) {
    return RestoreOutcome::kNoArchive;
  }
  if (!stat.ok()) {
    throw RestoreError(DK_ERR_UNAVAILABLE, "cannot reach storage to restore project " +
                                               project.projectId + ": " + stat.error);
  }
  if (!json::parse(stat.output, nullptr, false).value("exists", false)) {
    return RestoreOutcome::kNoArchive;
  }

  const ScratchGuard zip{scratch(paths_.tempRoot(), "restore", project.projectId) += ".zip"};
  {
    std::ofstream out(zip.path, std::ios::binary | std::ios::trunc);
    const core::CallOutcome get =
        storage_->getArchive(request(project).dump(), [&out](std::string_view chunk) {
          out.write(chunk.data(), static_cast<std::streamsize>(chunk.size()));
          return static_cast<bool>(out);
        });
    out.flush();
    if (!get.ok() || !out) {
      throw RestoreError(get.status == DK_ERR_UNAVAILABLE ? DK_ERR_UNAVAILABLE : DK_ERR_INTERNAL,
                         "cannot read the backup of project " + project.projectId + ": " +
                             (get.ok() ? "local disk full?" : get.error));
    }
  }
  const ScratchGuard tree{scratch(paths_.tempRoot(), "restore-tree", project.projectId)};
  try {
    extractProjectArchive(zip.path, tree.path);
  } catch (const ArchiveError& e) {
    logging::get("backup")->error("refusing the backup of project {}: {}", project.projectId,
                                  e.what());
    throw RestoreError(DK_ERR_INTERNAL, "the backup of project " + project.projectId +
                                            " cannot be restored: " + e.what());
  }
  // Renames within one filesystem are atomic: a reader sees no dir, or the whole restored one.
  fs::create_directories(projectDir.parent_path());
  const fs::path stateDir = paths_.stateDir(project.projectId);
  if (!fs::exists(stateDir, ec)) {
    fs::create_directories(stateDir.parent_path());
    fs::rename(tree.path / "state", stateDir);
  }
  fs::rename(tree.path / "project", projectDir);
  logging::get("backup")->info("project {} restored from its backup", project.projectId);
  return RestoreOutcome::kRestored;
}

json BackupService::status(const ProjectRef& project) {
  json out = {{"state", "clean"}};
  {
    std::lock_guard lock(mutex_);
    if (dirty_.count(project) != 0) out["state"] = "dirty";
    const auto failure = lastFailure_.find(project.projectId);
    if (failure != lastFailure_.end()) {
      out["state"] = "failed";
      out["error"] = failure->second;
    }
  }
  const core::CallOutcome stat =
      storage_->call(core::StorageOp::kStatArchive, request(project).dump());
  const json s = stat.ok() ? json::parse(stat.output, nullptr, false) : json();
  if (s.is_object() && s.value("exists", false)) {
    out["last_backup_us"] = s.value("created_us", int64_t{0});
    out["size"] = s.value("size", int64_t{0});
    out["sha256"] = s.value("sha256", "");
  } else {
    out["last_backup_us"] = nullptr;
  }
  return out;
}

json BackupService::health() const {
  std::lock_guard lock(mutex_);
  json out = {{"dirty", dirty_.size()},
              {"last_pass_us", lastPassUs_ == 0 ? json() : json(lastPassUs_)}};
  if (!lastError_.empty()) out["last_error"] = lastError_;
  return out;
}

}  // namespace devkit::projects
