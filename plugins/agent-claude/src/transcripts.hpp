// Where the CLI keeps a session's transcript, so a resume is only attempted when there is
// something to resume.
#pragma once

#include <string>

namespace devkit::agent_claude {

/// True when <stateDir>/claude/projects/*/<sessionId>.jsonl exists. The CLI writes a transcript
/// only once a first answer completed; a CLI killed during its first turn leaves none, and
/// --resume of that id fails with "No conversation found".
bool transcriptExists(const std::string& stateDir, const std::string& sessionId);

}  // namespace devkit::agent_claude
