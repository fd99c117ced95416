// The warm CLI sessions, one per conversation: reuse, LRU cap, idle reaping, and the map from
// live run ids to their sessions.
//
// Locks: sessionsMutex_ may be held while a session's own lock is taken; runsMutex_ is a leaf
// (sessions take it with their lock held, when a run ends).
#pragma once

#include <devkit/sdk.hpp>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "config.hpp"
#include "session.hpp"
#include "turn_request.hpp"

namespace devkit::agent_claude {

/// Which idle sessions close_sessions closes (all given conditions must hold).
struct CloseFilter {
  std::optional<std::string> conversationId;
  std::optional<int> idleForS;
};

class SessionManager {
 public:
  using SpecFactory = std::function<LaunchSpec(const std::string& resumeId)>;

  SessionManager(const sdk::Host& host, const Config& config);
  /// Ends every live turn (error + done failed), stops every CLI and joins every thread.
  ~SessionManager();
  SessionManager(const SessionManager&) = delete;
  SessionManager& operator=(const SessionManager&) = delete;

  /// Runs the turn on the conversation's warm session when its fingerprint matches, else on a new
  /// CLI from makeSpec(resume id). Throws sdk::Error: DK_ERR_CONFLICT (a turn of the conversation
  /// or this run id is live), DK_ERR_UNAVAILABLE (the CLI could not start).
  void startTurn(const TurnRequest& request, const std::string& fingerprint,
                 const SpecFactory& makeSpec, std::vector<std::string> secrets, sdk::Sink events);

  void interrupt(const std::string& runId);
  void answerPermission(const std::string& runId, const std::string& requestId,
                        const std::string& decision, bool remember);
  /// Closes the matching idle sessions and waits until their processes are gone.
  void close(const CloseFilter& filter);

  size_t sessionCount() const;
  size_t liveTurns() const;
  std::string claudeVersion() const;

 private:
  std::shared_ptr<Session> sessionOfRun(const std::string& runId) const;
  void registerRun(const std::string& runId, const std::shared_ptr<Session>& session);
  void unregisterRun(const std::string& runId);
  void enforceCap();  // sessionsMutex_ held
  void reap();
  void log(sdk::LogLevel level, const std::string& message) const;

  const sdk::Host host_;
  const Config config_;

  mutable std::mutex sessionsMutex_;
  std::condition_variable reaperCv_;
  std::map<std::string, std::shared_ptr<Session>> sessions_;  // by conversation id
  std::set<std::string> starting_;  // conversations whose CLI is being started
  bool stopping_ = false;
  std::string lastVersion_;

  mutable std::mutex runsMutex_;
  std::map<std::string, std::weak_ptr<Session>> runs_;  // weak: a run never keeps a session alive

  std::thread reaper_;
};

}  // namespace devkit::agent_claude
