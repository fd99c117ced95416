// One warm Claude Code CLI process serving one conversation, turn after turn.
//
// Threads: a reader thread reads stdout (NDJSON; one line may be many MB), translates it and
// writes the run's events; it also runs the session's clocks (permission timeouts, the stop grace,
// closing) and reaps the process. A second thread forwards stderr to the host log. Every event of
// a run is written under mutex_, so writes for one run never overlap.
#pragma once

#include <devkit/sdk.hpp>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "command_line.hpp"
#include "config.hpp"
#include "process.hpp"
#include "translator.hpp"
#include "turn_request.hpp"

namespace devkit::agent_claude {

using Clock = std::chrono::steady_clock;

class Session {
 public:
  /// Called (with mutex_ held, so it must only take leaf locks) when a run's done was written.
  using TurnEnded = std::function<void(const std::string& runId)>;

  Session(const sdk::Host& host, const Config& config, std::string conversationId,
          std::string fingerprint, bool resumed, std::vector<std::string> secrets,
          TurnEnded onTurnEnded);
  /// Kills the process if it still runs and joins both threads.
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  /// Spawns the CLI and starts the threads. Throws sdk::Error(DK_ERR_UNAVAILABLE).
  void start(const LaunchSpec& spec);

  /// Starts a turn: writes the user line. False when this process cannot take it (it is closing
  /// or gone, or already busy); then nothing was written to `events`.
  bool beginTurn(const TurnRequest& request, sdk::Sink events, bool warm);

  /// send_input for the live run `runId`; throws sdk::Error(DK_ERR_NOT_FOUND / INVALID_ARGUMENT).
  void interrupt(const std::string& runId);
  void answerPermission(const std::string& runId, const std::string& requestId,
                        const std::string& decision, bool remember);

  /// Closes an idle session gently: stdin is closed, then SIGTERM and SIGKILL follow if the CLI
  /// lingers. False (and nothing done) while a turn runs.
  bool beginClose();
  /// For the plugin's destroy: ends a live turn (error + done failed), then closes as above but
  /// with SIGTERM at once.
  void terminate(const std::string& why);
  /// Escalates to SIGKILL now.
  void kill();
  /// Waits until the reader thread has seen the process end; false on timeout.
  bool waitFinished(std::chrono::milliseconds timeout);

  const std::string& conversationId() const { return conversationId_; }
  const std::string& fingerprint() const { return fingerprint_; }
  /// Takes turns: running, not closing, not ended.
  bool usable() const;
  bool hasLiveTurn() const;
  bool closing() const;
  bool finished() const;
  Clock::time_point lastUsed() const;
  std::string claudeSessionId() const;
  std::string claudeVersion() const;

 private:
  struct Turn {
    std::string runId;
    sdk::Sink events;
    bool warm = false;
    bool sessionSent = false;
    bool interrupted = false;
    bool protocolErrorSent = false;
    Clock::time_point stopDeadline{};  // SIGTERM when the interrupt has not ended the turn
  };
  struct Pending {
    std::string toolName;
    nlohmann::json input;
    Clock::time_point deadline;
  };

  void readStdout();
  void readStderr();
  void handleLine(std::string_view line);
  void handleControlRequest(const nlohmann::json& message);
  void tick(Clock::time_point now);
  void handleExit();

  // The rest run with mutex_ held.
  void emit(nlohmann::json event);
  void emitSession();
  void finishTurn(const std::string& status);
  void resolvePending(const std::string& requestId, const std::string& decision,
                      const std::string& reason);
  void respond(const std::string& requestId, const nlohmann::json& response);
  void respondError(const std::string& requestId, const std::string& message);
  void startKill(Clock::time_point now, int firstSignal);
  std::string redact(std::string text) const;
  void log(sdk::LogLevel level, const std::string& message) const;

  const sdk::Host host_;
  const Config config_;
  const std::string conversationId_;
  const std::string fingerprint_;
  const std::vector<std::string> secrets_;  // redacted from stderr lines before logging
  const TurnEnded onTurnEnded_;

  std::unique_ptr<ChildProcess> process_;
  std::thread stdoutThread_;
  std::thread stderrThread_;

  mutable std::mutex mutex_;
  std::condition_variable finishedCv_;
  std::optional<Turn> turn_;
  std::map<std::string, Pending> pending_;
  Translator translator_;
  bool resumedStart_;
  int turnsStarted_ = 0;
  std::string claudeSessionId_;
  std::string model_;
  std::string version_;
  bool closing_ = false;
  bool signalled_ = false;  // we sent SIGTERM/SIGKILL on purpose
  std::optional<Clock::time_point> termAt_;
  std::optional<Clock::time_point> killAt_;
  bool finished_ = false;
  Clock::time_point lastUsed_ = Clock::now();
  int requestCounter_ = 0;

  // stderr side: its own lock, so logging never waits for an event write.
  mutable std::mutex stderrMutex_;
  std::condition_variable stderrCv_;
  std::string lastStderrLine_;
  std::string stderrRunId_;
  bool stderrDone_ = false;
  bool stopStderr_ = false;
};

}  // namespace devkit::agent_claude
