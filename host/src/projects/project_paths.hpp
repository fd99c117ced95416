#pragma once

#include <filesystem>
#include <string>

namespace devkit::projects {

/// Where a project lives on disk (ARCHITECTURE.md §4):
///   <projects>/<id>/          the agent's working dir (cwd of the CLI)
///   <state>/<id>/             that project's CLI state (CLAUDE_CONFIG_DIR lives under it)
/// Ids are validated before they ever become a path component.
class ProjectPaths {
 public:
  ProjectPaths(std::filesystem::path projectsRoot, std::filesystem::path stateRoot,
               std::filesystem::path tempRoot)
      : projectsRoot_(std::move(projectsRoot)),
        stateRoot_(std::move(stateRoot)),
        tempRoot_(std::move(tempRoot)) {}

  /// 1-128 characters of [A-Za-z0-9_.-], not starting with ".": safe as one path component.
  static bool validId(const std::string& id);

  /// Throws std::invalid_argument for an invalid id.
  std::filesystem::path projectDir(const std::string& id) const;
  std::filesystem::path stateDir(const std::string& id) const;
  /// Scratch space on the same filesystem as the project dirs (renames stay atomic).
  const std::filesystem::path& tempRoot() const { return tempRoot_; }

 private:
  std::filesystem::path projectsRoot_;
  std::filesystem::path stateRoot_;
  std::filesystem::path tempRoot_;
};

}  // namespace devkit::projects
