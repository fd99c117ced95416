#include "transcripts.hpp"

#include <filesystem>

namespace devkit::agent_claude {

bool transcriptExists(const std::string& stateDir, const std::string& sessionId) {
  namespace fs = std::filesystem;
  std::error_code ec;
  // The directory name is the cwd, mangled by rules the CLI may change; the session id is unique.
  const fs::path projects = fs::path(stateDir) / "claude" / "projects";
  for (fs::directory_iterator it(projects, ec), end; !ec && it != end; it.increment(ec)) {
    if (fs::is_regular_file(it->path() / (sessionId + ".jsonl"), ec)) return true;
  }
  return false;
}

}  // namespace devkit::agent_claude
