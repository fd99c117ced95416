#pragma once

#include <string>

namespace devkit::projects {

/// The CLAUDE.md a new project starts with: the agent's own notes (configuration it chose, the
/// Databricks resources it created, open points), which it reads at the start of every turn.
std::string claudeMdTemplate(const std::string& projectName);

}  // namespace devkit::projects
