// The agent backend itself: checks a turn's request, the CLI and the LLM credentials, builds the
// CLI's command line and hands the turn to the session manager.
#pragma once

#include <devkit/sdk.hpp>

#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "config.hpp"
#include "llm_routing.hpp"
#include "session_manager.hpp"

namespace devkit::agent_claude {

class ClaudeAgent final : public sdk::AgentBackend {
 public:
  ClaudeAgent(const sdk::Host& host, std::string_view configJson);
  /// For tests: an explicit host environment instead of the process's.
  ClaudeAgent(const sdk::Host& host, std::string_view configJson, HostEnvironment env);
  ~ClaudeAgent() override;

  void startTurn(std::string_view requestJson, sdk::Sink events) override;
  void sendInput(std::string_view runId, std::string_view inputJson) override;
  void closeSessions(std::string_view optionsJson) override;
  std::string health() override;

 private:
  /// The CLI's absolute path, or "" with `problem` set; re-checked at most every few seconds.
  std::string executable(std::string& problem);

  const sdk::Host host_;
  const Config config_;
  const HostEnvironment env_;
  const LlmRoute startupRoute_;  // from the host environment alone, for health

  std::mutex mutex_;
  std::string executable_;
  std::string executableProblem_;
  std::chrono::steady_clock::time_point executableCheckedAt_{};
  std::string lastRouteKind_;  // of the last turn that found credentials
  std::string claudeVersion_;  // from the last system/init seen; outlives the sessions

  std::unique_ptr<SessionManager> manager_;
};

}  // namespace devkit::agent_claude
