// agent-claude: the agent backend that drives the Claude Code CLI over stream-json
// (README.md in this directory; the events it writes are docs/events.md).
#include <devkit/sdk.hpp>

#include "claude_agent.hpp"
#include "config.hpp"

DK_DEFINE_PLUGIN("agent-claude", "0.2.0", "Claude Code CLI agent backend",
                 devkit::agent_claude::kConfigSchema, devkit::agent_claude::ClaudeAgent)
