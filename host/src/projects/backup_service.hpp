#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/plugin_interfaces.hpp"
#include "projects/project_paths.hpp"

namespace devkit::projects {

/// A project as the backup service knows it: its owner scopes every storage call.
struct ProjectRef {
  std::string owner;
  std::string projectId;
  bool operator<(const ProjectRef& o) const {
    return owner != o.owner ? owner < o.owner : projectId < o.projectId;
  }
  bool operator==(const ProjectRef& o) const {
    return owner == o.owner && projectId == o.projectId;
  }
};

/// A project's files cannot be restored (storage down, corrupt or malicious archive). what() says
/// why; existing files were left alone.
class RestoreError : public std::runtime_error {
 public:
  RestoreError(dk_status status, const std::string& message)
      : std::runtime_error(message), status_(status) {}
  /// DK_ERR_UNAVAILABLE when storage is down (retry later), DK_ERR_INTERNAL for a bad archive.
  dk_status status() const { return status_; }

 private:
  dk_status status_;
};

struct BackupResult {
  enum class State { kStored, kUnchanged, kSkipped, kFailed };
  State state = State::kFailed;
  int64_t size = 0;
  std::string sha256;
  int64_t createdUs = 0;
  std::string error;
};

const char* backupStateName(BackupResult::State state);

enum class RestoreOutcome { kPresent, kRestored, kNoArchive };

/// Backs projects up into the storage plugin and restores them on access.
///
/// A project is marked dirty when a turn ends or its files change; the dirty set is kept in storage
/// (state key "backup.dirty") so it survives a restart. A worker archives dirty projects every
/// interval: the project dir and its state dir, zipped to a temporary file and streamed into
/// put_archive (memory stays bounded whatever the project's size). A content hash skips projects
/// whose files did not change since their last archive. When storage is down a project stays
/// dirty and the next pass tries again.
///
/// THREADING: every public method is thread-safe. ensureRestored blocks concurrent callers for one
/// project until its files are back, so a request never sees a half-restored or empty dir.
class BackupService {
 public:
  struct Options {
    std::chrono::milliseconds interval{std::chrono::seconds(600)};
    bool worker = true;  // false: passes run only when asked (tests, --check-config)
  };

  BackupService(std::shared_ptr<core::Storage> storage, ProjectPaths paths, Options options);
  ~BackupService();
  BackupService(const BackupService&) = delete;
  BackupService& operator=(const BackupService&) = delete;

  /// Loads the persisted dirty set and starts the worker.
  void start();
  /// Stops the worker (a pass in progress finishes its current project first).
  void stop();

  void markDirty(const ProjectRef& project);
  /// The project is being deleted: drops its dirty mark and remembered hash, and runs `whileLocked`
  /// (removing its files) while no backup or restore of it can run.
  void forget(const ProjectRef& project, const std::function<void()>& whileLocked = {});
  std::vector<ProjectRef> dirty() const;

  /// Archives one project now (whether dirty or not) and clears its dirty mark on success.
  BackupResult backupNow(const ProjectRef& project);
  /// One pass over the dirty projects; returns how many were stored or found unchanged.
  int runPass();

  /// Restores the project's files when its dir is missing. Throws RestoreError.
  RestoreOutcome ensureRestored(const ProjectRef& project);

  /// {"state": "clean" | "dirty" | "failed", "last_backup_us", "size", "sha256", "error"?}
  nlohmann::json status(const ProjectRef& project);
  /// {"dirty": n, "last_pass_us", "last_error"?}
  nlohmann::json health() const;

 private:
  BackupResult backupProject(const ProjectRef& project);
  void loadDirty();
  void persistDirty();
  std::shared_ptr<std::mutex> projectLock(const std::string& projectId);
  void workerLoop();

  std::shared_ptr<core::Storage> storage_;
  ProjectPaths paths_;
  Options options_;

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::map<ProjectRef, uint64_t> dirty_;  // value: generation, bumped on every mark
  uint64_t generation_ = 0;
  bool dirtyLoaded_ = false;
  bool stopping_ = false;
  int64_t lastPassUs_ = 0;
  std::string lastError_;
  std::map<std::string, std::string> lastFailure_;  // project id -> error of its last attempt
  std::map<std::string, std::shared_ptr<std::mutex>> projectLocks_;
  std::thread worker_;
};

}  // namespace devkit::projects
