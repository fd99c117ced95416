// The skills of the configured dir, scanned once per reload and kept as an immutable snapshot, so
// list_skills answers from memory and concurrent callers see one whole scan or the next, never a
// mix.
#pragma once

#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "skill_validator.hpp"

namespace devkit::skills {

struct Snapshot {
  std::filesystem::path dir;
  std::string dirProblem;  // why the dir cannot be listed (missing, not a dir); empty when it can
  std::vector<SkillReport> skills;   // valid, sorted by folder name
  std::vector<SkillReport> invalid;  // refused, sorted by folder name
  std::string listingJson;           // the list_skills answer
};

/// An absolute, normalised path without a trailing separator (what "dir" members carry).
std::filesystem::path normalisedDir(const std::filesystem::path& p);

/// THREADING: every member is thread-safe.
class SkillCatalog {
 public:
  explicit SkillCatalog(std::filesystem::path dir) : dir_(normalisedDir(dir)) {}

  const std::filesystem::path& dir() const { return dir_; }

  /// The last scan (null before the first reload).
  std::shared_ptr<const Snapshot> current() const;

  /// Scans the dir again and makes that scan current; reloads run one at a time.
  std::shared_ptr<const Snapshot> reload();

  /// {"status": "ok"|"degraded"|"down", "detail", "dir", "skills": n, "invalid": n}: down when
  /// the dir is missing now, degraded when some folder was refused.
  std::string healthJson() const;

  /// Each skill folder of `dir` (hidden ones and plain files skipped), validated.
  static std::shared_ptr<const Snapshot> scan(const std::filesystem::path& dir);

  /// The validate_skill answer for one report: {"valid", "name"?, "description"?, "errors"}.
  static std::string reportJson(const SkillReport& report);

 private:
  const std::filesystem::path dir_;
  mutable std::mutex mutex_;  // guards current_
  std::mutex reloadMutex_;    // one scan at a time, so the last one started is the one kept
  std::shared_ptr<const Snapshot> current_;
};

}  // namespace devkit::skills
