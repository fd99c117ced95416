#include "projects/project_paths.hpp"

#include <algorithm>
#include <stdexcept>

namespace devkit::projects {

bool ProjectPaths::validId(const std::string& id) {
  // No leading dot: ".", ".." and the host's own ".tmp" can never be an id.
  if (id.empty() || id.size() > 128 || id.front() == '.') {
    return false;
  }
  return std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-' || c == '.';
  });
}

std::filesystem::path ProjectPaths::projectDir(const std::string& id) const {
  if (!validId(id)) throw std::invalid_argument("invalid project id");
  return projectsRoot_ / id;
}

std::filesystem::path ProjectPaths::stateDir(const std::string& id) const {
  if (!validId(id)) throw std::invalid_argument("invalid project id");
  return stateRoot_ / id;
}

}  // namespace devkit::projects
