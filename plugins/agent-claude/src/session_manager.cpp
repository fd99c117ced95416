#include "session_manager.hpp"

#include <algorithm>

#include "transcripts.hpp"

namespace devkit::agent_claude {
namespace {

constexpr auto kReapEvery = std::chrono::milliseconds(500);
// A closing CLI gets stdin EOF, SIGTERM after 2 s and SIGKILL after 5 s (Session::beginClose).
constexpr auto kCloseWait = std::chrono::seconds(6);
constexpr auto kShutdownGrace = std::chrono::seconds(2);
constexpr const char* kShutdownMessage = "The agent was stopped because the host is shutting down.";

}  // namespace

SessionManager::SessionManager(const sdk::Host& host, const Config& config)
    : host_(host), config_(config) {
  reaper_ = std::thread([this] { reap(); });
}

SessionManager::~SessionManager() {
  std::vector<std::shared_ptr<Session>> all;
  {
    std::lock_guard<std::mutex> lock(sessionsMutex_);
    stopping_ = true;
    for (auto& [_, session] : sessions_) all.push_back(session);
    sessions_.clear();
  }
  reaperCv_.notify_all();
  if (reaper_.joinable()) reaper_.join();
  for (auto& session : all) session->terminate(kShutdownMessage);
  const auto deadline = Clock::now() + kShutdownGrace;
  for (auto& session : all) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (!session->waitFinished(std::max(left, std::chrono::milliseconds(0)))) {
      session->kill();
      session->waitFinished(kShutdownGrace);
    }
  }
  all.clear();  // joins every session's threads
}

void SessionManager::startTurn(const TurnRequest& request, const std::string& fingerprint,
                               const SpecFactory& makeSpec, std::vector<std::string> secrets,
                               sdk::Sink events) {
  const std::string& conversation = request.conversationId;
  std::shared_ptr<Session> retired;
  {
    std::lock_guard<std::mutex> lock(sessionsMutex_);
    if (stopping_) throw sdk::Error(DK_ERR_UNAVAILABLE, "the agent backend is shutting down");
    {
      std::lock_guard<std::mutex> runsLock(runsMutex_);
      if (runs_.count(request.runId) != 0) {
        throw sdk::Error(DK_ERR_CONFLICT, "run " + request.runId + " is already live");
      }
    }
    if (starting_.count(conversation) != 0) {
      throw sdk::Error(DK_ERR_CONFLICT,
                       "a turn of conversation " + conversation + " is already running");
    }
    if (const auto it = sessions_.find(conversation); it != sessions_.end()) {
      const std::shared_ptr<Session> session = it->second;
      if (session->hasLiveTurn()) {
        throw sdk::Error(DK_ERR_CONFLICT,
                         "a turn of conversation " + conversation + " is already running");
      }
      if (session->usable() && session->fingerprint() == fingerprint) {
        registerRun(request.runId, session);
        if (session->beginTurn(request, events, /*warm=*/true)) return;
        unregisterRun(request.runId);
      } else if (session->usable()) {
        log(sdk::LogLevel::kInfo,
            "conversation " + conversation + ": the turn's settings changed; restarting its CLI");
      }
      if (const std::string v = session->claudeVersion(); !v.empty()) lastVersion_ = v;
      retired = session;
      sessions_.erase(it);
    }
    starting_.insert(conversation);
  }
  struct StartingGuard {
    SessionManager* self;
    const std::string& conversation;
    ~StartingGuard() {
      std::lock_guard<std::mutex> lock(self->sessionsMutex_);
      self->starting_.erase(conversation);
    }
  } guard{this, conversation};

  std::string resumeId = request.claudeSessionId;
  if (retired) {
    if (resumeId.empty()) resumeId = retired->claudeSessionId();
    // Wait for the old process: two CLIs must never work on one transcript.
    retired->beginClose();
    if (!retired->waitFinished(kCloseWait)) {
      retired->kill();
      retired->waitFinished(kShutdownGrace);
    }
    retired.reset();
  }

  if (!resumeId.empty() && !transcriptExists(request.stateDir, resumeId)) {
    // Nothing was saved of that session (its CLI died during its first answer): a new session
    // loses nothing, while --resume would fail every turn from now on.
    log(sdk::LogLevel::kInfo, "conversation " + conversation + ": session " + resumeId +
                                  " has no transcript; starting a new one");
    resumeId.clear();
  }
  auto session = std::make_shared<Session>(
      host_, config_, conversation, fingerprint, !resumeId.empty(), std::move(secrets),
      [this](const std::string& runId) { unregisterRun(runId); });
  session->start(makeSpec(resumeId));
  registerRun(request.runId, session);
  if (!session->beginTurn(request, events, /*warm=*/false)) {
    unregisterRun(request.runId);
    throw sdk::Error(DK_ERR_UNAVAILABLE, "the Claude Code CLI ended right after it started");
  }
  std::lock_guard<std::mutex> lock(sessionsMutex_);
  sessions_[conversation] = session;
  enforceCap();
}

void SessionManager::interrupt(const std::string& runId) {
  const auto session = sessionOfRun(runId);
  if (!session) throw sdk::Error(DK_ERR_NOT_FOUND, "run " + runId + " is not live");
  session->interrupt(runId);
}

void SessionManager::answerPermission(const std::string& runId, const std::string& requestId,
                                      const std::string& decision, bool remember) {
  const auto session = sessionOfRun(runId);
  if (!session) throw sdk::Error(DK_ERR_NOT_FOUND, "run " + runId + " is not live");
  session->answerPermission(runId, requestId, decision, remember);
}

void SessionManager::close(const CloseFilter& filter) {
  std::vector<std::shared_ptr<Session>> closing;
  {
    std::lock_guard<std::mutex> lock(sessionsMutex_);
    const auto now = Clock::now();
    for (auto& [conversation, session] : sessions_) {
      if (filter.conversationId && *filter.conversationId != conversation) continue;
      if (filter.idleForS && now - session->lastUsed() < std::chrono::seconds(*filter.idleForS)) {
        continue;
      }
      if (session->beginClose()) closing.push_back(session);  // false: a turn runs
    }
  }
  const auto deadline = Clock::now() + kCloseWait;
  for (auto& session : closing) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (!session->waitFinished(std::max(left, std::chrono::milliseconds(0)))) {
      session->kill();
      session->waitFinished(kShutdownGrace);
    }
  }
  {
    std::lock_guard<std::mutex> lock(sessionsMutex_);
    for (const auto& session : closing) {
      if (const std::string v = session->claudeVersion(); !v.empty()) lastVersion_ = v;
      const auto it = sessions_.find(session->conversationId());
      if (it != sessions_.end() && it->second == session && session->finished())
        sessions_.erase(it);
    }
  }
  closing.clear();  // joins their threads, outside the lock
}

size_t SessionManager::sessionCount() const {
  std::lock_guard<std::mutex> lock(sessionsMutex_);
  size_t n = 0;
  for (const auto& [_, session] : sessions_) n += session->usable() ? 1 : 0;
  return n;
}

size_t SessionManager::liveTurns() const {
  std::lock_guard<std::mutex> lock(runsMutex_);
  return runs_.size();
}

std::string SessionManager::claudeVersion() const {
  std::lock_guard<std::mutex> lock(sessionsMutex_);
  for (const auto& [_, session] : sessions_) {
    const std::string v = session->claudeVersion();
    if (!v.empty()) return v;
  }
  return lastVersion_;
}

std::shared_ptr<Session> SessionManager::sessionOfRun(const std::string& runId) const {
  std::lock_guard<std::mutex> lock(runsMutex_);
  const auto it = runs_.find(runId);
  return it == runs_.end() ? nullptr : it->second.lock();
}

void SessionManager::registerRun(const std::string& runId,
                                 const std::shared_ptr<Session>& session) {
  std::lock_guard<std::mutex> lock(runsMutex_);
  runs_[runId] = session;
}

void SessionManager::unregisterRun(const std::string& runId) {
  std::lock_guard<std::mutex> lock(runsMutex_);
  runs_.erase(runId);
}

void SessionManager::enforceCap() {
  // Least recently used idle sessions go first; sessions with a live turn are never closed, so the
  // cap can be exceeded while every session is busy.
  std::vector<std::shared_ptr<Session>> idle;
  size_t usable = 0;
  for (const auto& [_, session] : sessions_) {
    if (!session->usable()) continue;
    ++usable;
    if (!session->hasLiveTurn()) idle.push_back(session);
  }
  std::sort(idle.begin(), idle.end(),
            [](const auto& a, const auto& b) { return a->lastUsed() < b->lastUsed(); });
  for (size_t i = 0; usable > static_cast<size_t>(config_.maxSessions) && i < idle.size(); ++i) {
    if (idle[i]->beginClose()) {
      log(sdk::LogLevel::kInfo, "conversation " + idle[i]->conversationId() +
                                    ": closing its idle CLI (max_sessions reached)");
      --usable;
    }
  }
}

void SessionManager::reap() {
  std::unique_lock<std::mutex> lock(sessionsMutex_);
  while (!stopping_) {
    reaperCv_.wait_for(lock, kReapEvery, [this] { return stopping_; });
    if (stopping_) break;
    std::vector<std::shared_ptr<Session>> dead;
    const auto now = Clock::now();
    for (auto it = sessions_.begin(); it != sessions_.end();) {
      const auto& session = it->second;
      if (session->finished()) {
        if (const std::string v = session->claudeVersion(); !v.empty()) lastVersion_ = v;
        dead.push_back(session);
        it = sessions_.erase(it);
        continue;
      }
      if (session->usable() && !session->hasLiveTurn() &&
          now - session->lastUsed() >= std::chrono::seconds(config_.idleTimeoutS)) {
        log(sdk::LogLevel::kInfo, "conversation " + it->first + ": closing its idle CLI");
        session->beginClose();
      }
      ++it;
    }
    enforceCap();
    lock.unlock();
    dead.clear();  // joins their threads
    lock.lock();
  }
}

void SessionManager::log(sdk::LogLevel level, const std::string& message) const {
  if (host_.logEnabled(level)) host_.log(level, message);
}

}  // namespace devkit::agent_claude
