// The plugin's validated configuration ([plugin.agent-claude]) and the host environment it reads.
#pragma once

#include <map>
#include <string>
#include <string_view>

namespace devkit::agent_claude {

/// The JSON Schema of [plugin.agent-claude], as the descriptor declares it.
extern const char* const kConfigSchema;

/// The environment variables of the host process the plugin looks at, captured once. Tests build
/// one by hand; nothing else of the host's environment reaches the CLI.
struct HostEnvironment {
  std::map<std::string, std::string, std::less<>> values;

  /// Captures PATH, TMPDIR, DATABRICKS_HOST, DATABRICKS_TOKEN and ANTHROPIC_API_KEY from environ.
  static HostEnvironment capture();
  /// The value, or "" when unset.
  std::string get(std::string_view name) const;
};

struct Config {
  std::string claudePath = "claude";
  std::string llm = "auto";
  std::string model;
  std::string permissionMode = "acceptEdits";
  bool allowBash = false;
  int idleTimeoutS = 900;
  int maxSessions = 16;
  std::string anthropicApiKey;  // secret: never logged
  int apiMaxRetries = 3;
  int stopGraceS = 5;
  int permissionTimeoutS = 300;
  bool isSandbox = false;

  /// Reads the host's validated config JSON (missing keys keep the defaults above). Throws
  /// devkit::sdk::Error(DK_ERR_INVALID_ARGUMENT) for a value the plugin cannot run with, e.g.
  /// bypassPermissions as root without is_sandbox.
  static Config parse(std::string_view configJson, bool runningAsRoot);
};

}  // namespace devkit::agent_claude
