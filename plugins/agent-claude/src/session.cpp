#include "session.hpp"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <unistd.h>

namespace devkit::agent_claude {
namespace {

using nlohmann::json;

constexpr int kPollMs = 100;
// One stdout line may carry a large tool result or an image; beyond this it is not the protocol.
constexpr size_t kMaxLineBytes = size_t{128} << 20;
constexpr size_t kMaxStderrLineBytes = 4096;
constexpr auto kKillAfterTerm = std::chrono::seconds(3);
constexpr auto kCloseTermAfter = std::chrono::seconds(2);
constexpr auto kStderrDrain = std::chrono::milliseconds(300);
constexpr const char* kDeniedByUser = "Denied by the user in the web UI";

std::string str(const json& j, const char* key) {
  const auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// Reads what is available from a non-blocking fd into buf; false at EOF or on a hard error.
bool readAvailable(int fd, std::string& buf) {
  char chunk[65536];
  for (;;) {
    const ssize_t n = ::read(fd, chunk, sizeof chunk);
    if (n > 0) {
      buf.append(chunk, static_cast<size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) return true;
    return false;
  }
}

}  // namespace

Session::Session(const sdk::Host& host, const Config& config, std::string conversationId,
                 std::string fingerprint, bool resumed, std::vector<std::string> secrets,
                 TurnEnded onTurnEnded)
    : host_(host),
      config_(config),
      conversationId_(std::move(conversationId)),
      fingerprint_(std::move(fingerprint)),
      secrets_(std::move(secrets)),
      onTurnEnded_(std::move(onTurnEnded)),
      resumedStart_(resumed) {}

Session::~Session() {
  if (process_ && !process_->exited()) process_->signalGroup(SIGKILL);
  if (stdoutThread_.joinable()) stdoutThread_.join();
  {
    std::lock_guard<std::mutex> lock(stderrMutex_);
    stopStderr_ = true;
  }
  if (stderrThread_.joinable()) stderrThread_.join();
}

void Session::start(const LaunchSpec& spec) {
  std::string error;
  process_ = ChildProcess::spawn(spec, error);
  if (!process_) {
    throw sdk::Error(DK_ERR_UNAVAILABLE, "cli_not_found: could not start the Claude Code CLI " +
                                             spec.executable + ": " + error);
  }
  log(sdk::LogLevel::kInfo,
      std::string("started the Claude Code CLI") + (resumedStart_ ? ", resuming its session" : ""));
  stdoutThread_ = std::thread([this] { readStdout(); });
  stderrThread_ = std::thread([this] { readStderr(); });
}

bool Session::beginTurn(const TurnRequest& request, sdk::Sink events, bool warm) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (closing_ || finished_ || turn_ || process_->exited()) return false;
  Turn turn;
  turn.runId = request.runId;
  turn.events = events;
  turn.warm = warm;
  turn_ = std::move(turn);
  ++turnsStarted_;
  translator_.beginTurn();
  {
    std::lock_guard<std::mutex> stderrLock(stderrMutex_);
    stderrRunId_ = request.runId;
  }
  if (!process_->writeLine(userMessageLine(request.message))) {
    turn_.reset();
    --turnsStarted_;
    return false;
  }
  lastUsed_ = Clock::now();
  // system/init comes again with every turn, but a warm session knows its id already: the host
  // can save it before the model answers.
  if (warm && !claudeSessionId_.empty()) emitSession();
  return true;
}

void Session::interrupt(const std::string& runId) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (!turn_ || turn_->runId != runId) {
    throw sdk::Error(DK_ERR_NOT_FOUND, "run " + runId + " is not live");
  }
  if (turn_->interrupted) return;
  const auto now = Clock::now();
  turn_->interrupted = true;
  turn_->stopDeadline = now + std::chrono::seconds(config_.stopGraceS);
  log(sdk::LogLevel::kInfo, "interrupting run " + runId);
  const json request = {{"type", "control_request"},
                        {"request_id", "devkit-" + std::to_string(++requestCounter_)},
                        {"request", {{"subtype", "interrupt"}}}};
  if (!process_->writeLine(request.dump())) startKill(now, SIGTERM);
}

void Session::answerPermission(const std::string& runId, const std::string& requestId,
                               const std::string& decision, bool remember) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (!turn_ || turn_->runId != runId) {
    throw sdk::Error(DK_ERR_NOT_FOUND, "run " + runId + " is not live");
  }
  if (decision != "allow" && decision != "deny") {
    throw sdk::Error(DK_ERR_INVALID_ARGUMENT, "decision must be \"allow\" or \"deny\"");
  }
  const auto it = pending_.find(requestId);
  if (it == pending_.end()) {
    throw sdk::Error(DK_ERR_NOT_FOUND,
                     "permission request " + requestId + " is unknown or already closed");
  }
  json response;
  if (decision == "allow") {
    response = {{"behavior", "allow"}, {"updatedInput", it->second.input}};
    if (remember) {
      response["updatedPermissions"] =
          json::array({{{"type", "addRules"},
                        {"rules", {{{"toolName", it->second.toolName}}}},
                        {"behavior", "allow"},
                        {"destination", "session"}}});
    }
  } else {
    response = {{"behavior", "deny"}, {"message", kDeniedByUser}};
  }
  respond(requestId, response);
  resolvePending(requestId, decision, "user");
}

bool Session::beginClose() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (turn_) return false;
  if (closing_ || finished_) return true;
  closing_ = true;
  process_->closeStdin();  // the CLI exits on EOF; the clocks below catch one that does not
  const auto now = Clock::now();
  termAt_ = now + kCloseTermAfter;
  killAt_ = now + kCloseTermAfter + kKillAfterTerm;
  return true;
}

void Session::terminate(const std::string& why) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (turn_) {
    emit({{"type", "error"}, {"code", "cli_exited"}, {"message", why}, {"retryable", true}});
    finishTurn("failed");
  }
  if (finished_) return;
  closing_ = true;
  process_->closeStdin();
  startKill(Clock::now(), SIGTERM);
}

void Session::kill() {
  std::lock_guard<std::mutex> lock(mutex_);
  signalled_ = true;
  process_->signalGroup(SIGKILL);
}

bool Session::waitFinished(std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(mutex_);
  return finishedCv_.wait_for(lock, timeout, [this] { return finished_; });
}

bool Session::usable() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return !closing_ && !finished_;
}
bool Session::hasLiveTurn() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return turn_.has_value();
}
bool Session::closing() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return closing_;
}
bool Session::finished() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return finished_;
}
Clock::time_point Session::lastUsed() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return lastUsed_;
}
std::string Session::claudeSessionId() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return claudeSessionId_;
}
std::string Session::claudeVersion() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return version_;
}

// ---- reader thread -----------------------------------------------------------------------------

void Session::readStdout() {
  const int fd = process_->stdoutFd();
  std::string buf;
  size_t scanned = 0;     // bytes of buf known to hold no '\n'
  bool skipping = false;  // dropping an over-long line up to its end
  bool open = true;

  auto processLines = [&] {
    for (;;) {
      const size_t nl = buf.find('\n', scanned);
      if (nl == std::string::npos) {
        scanned = buf.size();
        break;
      }
      if (!skipping) handleLine(std::string_view(buf).substr(0, nl));
      skipping = false;
      buf.erase(0, nl + 1);
      scanned = 0;
    }
    if (buf.size() > kMaxLineBytes) {
      handleLine("<a stdout line longer than 128 MiB>");
      buf.clear();
      scanned = 0;
      skipping = true;
    }
  };

  for (;;) {
    if (open) {
      pollfd p{fd, POLLIN, 0};
      ::poll(&p, 1, kPollMs);
      open = readAvailable(fd, buf);
      processLines();
    } else {
      ::poll(nullptr, 0, kPollMs / 2);
    }
    tick(Clock::now());
    if (process_->pollExit()) {
      if (open) readAvailable(fd, buf);
      buf += '\n';  // a last line without its newline still counts
      processLines();
      {
        // Let the stderr thread read the CLI's last words: they go into the error message.
        std::unique_lock<std::mutex> lock(stderrMutex_);
        stderrCv_.wait_for(lock, kStderrDrain, [this] { return stderrDone_; });
        stopStderr_ = true;
      }
      handleExit();
      return;
    }
    if (!open) {
      // stdout closed but the process lives on: it cannot speak the protocol any more.
      std::lock_guard<std::mutex> lock(mutex_);
      if (!signalled_) {
        log(sdk::LogLevel::kWarn, "the CLI closed its stdout; stopping it");
        startKill(Clock::now(), SIGTERM);
      }
    }
  }
}

void Session::handleLine(std::string_view line) {
  while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.remove_suffix(1);
  if (line.empty()) return;
  const json message = json::parse(line, nullptr, false);
  if (message.is_discarded() || !message.is_object() || !message.contains("type")) {
    std::lock_guard<std::mutex> lock(mutex_);
    log(sdk::LogLevel::kWarn, "the CLI wrote a line that is not stream-json: " +
                                  redact(std::string(line.substr(0, 200))));
    if (turn_ && !turn_->protocolErrorSent) {
      turn_->protocolErrorSent = true;
      emit({{"type", "error"},
            {"code", "cli_protocol"},
            {"message", "The Claude Code CLI wrote output the host does not understand."},
            {"retryable", false}});
    }
    return;
  }
  const std::string type = str(message, "type");
  if (type == "control_request") {
    handleControlRequest(message);
    return;
  }
  if (type == "control_cancel_request") {
    std::lock_guard<std::mutex> lock(mutex_);
    const std::string id = str(message, "request_id");
    if (pending_.count(id) != 0) resolvePending(id, "deny", "cancelled");
    return;
  }
  if (type == "control_response" || type == "keep_alive") return;

  std::lock_guard<std::mutex> lock(mutex_);
  Translation t = translator_.translate(message, turn_ && turn_->interrupted);
  if (t.init) {
    claudeSessionId_ = t.init->sessionId;
    model_ = t.init->model;
    version_ = t.init->version;
    if (turn_ && !turn_->sessionSent) emitSession();
  }
  for (auto& event : t.events) emit(std::move(event));
  if (t.done && turn_) finishTurn(*t.done);
}

void Session::handleControlRequest(const json& message) {
  const std::string id = str(message, "request_id");
  const json request = message.contains("request") && message["request"].is_object()
                           ? message["request"]
                           : json::object();
  const std::string subtype = str(request, "subtype");
  std::lock_guard<std::mutex> lock(mutex_);
  if (subtype == "can_use_tool") {
    if (!turn_ || config_.permissionMode != "ask") {
      respond(id, {{"behavior", "deny"}, {"message", "No one can approve this tool use now."}});
      return;
    }
    Pending pending;
    pending.toolName = str(request, "tool_name");
    pending.input = request.contains("input") ? request["input"] : json::object();
    pending.deadline = Clock::now() + std::chrono::seconds(config_.permissionTimeoutS);
    json event = {{"type", "permission_request"},
                  {"request_id", id},
                  {"tool_name", pending.toolName},
                  {"input", pending.input},
                  {"tool_use_id", str(request, "tool_use_id")},
                  {"timeout_s", config_.permissionTimeoutS}};
    if (!str(request, "display_name").empty()) event["display_name"] = str(request, "display_name");
    pending_[id] = std::move(pending);
    emit(std::move(event));
  } else if (subtype == "elicitation") {
    respond(id, {{"action", "decline"}});  // an MCP server's question: no UI for it
  } else {
    respondError(id, "the devkit host does not support " + subtype + " requests");
  }
}

void Session::tick(Clock::time_point now) {
  std::lock_guard<std::mutex> lock(mutex_);
  for (auto it = pending_.begin(); it != pending_.end();) {
    const auto next = std::next(it);
    if (it->second.deadline <= now) {
      const std::string id = it->first;
      const std::string tool = it->second.toolName;
      const std::string seconds = std::to_string(config_.permissionTimeoutS);
      respond(id, {{"behavior", "deny"},
                   {"message",
                    "Denied: nobody answered the permission request within " + seconds + " s."}});
      resolvePending(id, "deny", "timeout");
      emit({{"type", "error"},
            {"code", "permission_timeout"},
            {"message", "Permission to use " + tool +
                            " was denied because nobody answered within " + seconds + " s."},
            {"retryable", false}});
    }
    it = next;
  }
  if (turn_ && turn_->interrupted && !signalled_ && now >= turn_->stopDeadline) {
    log(sdk::LogLevel::kWarn, "run " + turn_->runId + " did not stop within " +
                                  std::to_string(config_.stopGraceS) + " s; terminating the CLI");
    startKill(now, SIGTERM);
  }
  if (termAt_ && now >= *termAt_) {
    termAt_.reset();
    signalled_ = true;
    process_->signalGroup(SIGTERM);
  }
  if (killAt_ && now >= *killAt_) {
    killAt_.reset();
    signalled_ = true;
    process_->signalGroup(SIGKILL);
  }
}

void Session::handleExit() {
  std::string lastStderr;
  {
    std::lock_guard<std::mutex> lock(stderrMutex_);
    lastStderr = lastStderrLine_;
  }
  std::lock_guard<std::mutex> lock(mutex_);
  const std::string how = process_->exitDescription();
  if (turn_) {
    if (turn_->interrupted) {
      finishTurn("cancelled");
    } else {
      std::string message = "The Claude Code CLI " + how + " in the middle of the turn";
      message += lastStderr.empty() ? "." : ": " + lastStderr;
      log(sdk::LogLevel::kWarn, "run " + turn_->runId + ": " + message);
      emit({{"type", "error"}, {"code", "cli_exited"}, {"message", message}, {"retryable", true}});
      finishTurn("failed");
    }
  } else if (!closing_ && !signalled_) {
    log(sdk::LogLevel::kWarn, "an idle CLI " + how + (lastStderr.empty() ? "" : ": " + lastStderr));
  } else {
    log(sdk::LogLevel::kDebug, "the CLI " + how);
  }
  pending_.clear();
  finished_ = true;
  finishedCv_.notify_all();
}

// ---- stderr thread -----------------------------------------------------------------------------

void Session::readStderr() {
  const int fd = process_->stderrFd();
  std::string buf;
  auto flushLine = [&](std::string line) {
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
    if (line.empty()) return;
    if (line.size() > kMaxStderrLineBytes) line = line.substr(0, kMaxStderrLineBytes) + " [...]";
    line = redact(std::move(line));
    std::string runId;
    {
      std::lock_guard<std::mutex> lock(stderrMutex_);
      lastStderrLine_ = line;
      runId = stderrRunId_;
    }
    log(sdk::LogLevel::kInfo,
        (runId.empty() ? std::string() : "run " + runId + ": ") + "claude stderr: " + line);
  };
  for (;;) {
    {
      std::lock_guard<std::mutex> lock(stderrMutex_);
      if (stopStderr_) break;
    }
    pollfd p{fd, POLLIN, 0};
    ::poll(&p, 1, kPollMs);
    const bool open = readAvailable(fd, buf);
    for (size_t nl; (nl = buf.find('\n')) != std::string::npos;) {
      flushLine(buf.substr(0, nl));
      buf.erase(0, nl + 1);
    }
    if (buf.size() > kMaxStderrLineBytes * 16) {
      flushLine(buf);
      buf.clear();
    }
    if (!open) {
      flushLine(buf);
      std::lock_guard<std::mutex> lock(stderrMutex_);
      stderrDone_ = true;
      stderrCv_.notify_all();
      return;
    }
  }
}

// ---- helpers (mutex_ held)
// -----------------------------------------------------------------------

void Session::emit(json event) {
  if (!turn_) return;
  if (!turn_->events.write(eventText(std::move(event)))) {
    log(sdk::LogLevel::kDebug, "the host refused an event of run " + turn_->runId);
  }
}

void Session::emitSession() {
  turn_->sessionSent = true;
  emit({{"type", "session"},
        {"claude_session_id", claudeSessionId_},
        {"resumed", resumedStart_ && turnsStarted_ == 1 && !turn_->warm},
        {"warm", turn_->warm},
        {"model", model_},
        {"pid", process_->pid()}});
}

void Session::finishTurn(const std::string& status) {
  while (!pending_.empty()) resolvePending(pending_.begin()->first, "deny", "cancelled");
  emit({{"type", "done"}, {"status", status}});
  const std::string runId = turn_->runId;
  turn_.reset();
  lastUsed_ = Clock::now();
  {
    std::lock_guard<std::mutex> lock(stderrMutex_);
    stderrRunId_.clear();
  }
  log(sdk::LogLevel::kDebug, "run " + runId + " ended: " + status);
  onTurnEnded_(runId);
}

void Session::resolvePending(const std::string& requestId, const std::string& decision,
                             const std::string& reason) {
  pending_.erase(requestId);
  emit({{"type", "permission_resolved"},
        {"request_id", requestId},
        {"decision", decision},
        {"reason", reason}});
}

void Session::respond(const std::string& requestId, const json& response) {
  const json line = {
      {"type", "control_response"},
      {"response", {{"subtype", "success"}, {"request_id", requestId}, {"response", response}}}};
  process_->writeLine(line.dump(-1, ' ', false, json::error_handler_t::replace));
}

void Session::respondError(const std::string& requestId, const std::string& message) {
  const json line = {
      {"type", "control_response"},
      {"response", {{"subtype", "error"}, {"request_id", requestId}, {"error", message}}}};
  process_->writeLine(line.dump());
}

void Session::startKill(Clock::time_point now, int firstSignal) {
  signalled_ = true;
  process_->signalGroup(firstSignal);
  termAt_.reset();
  killAt_ = now + kKillAfterTerm;
}

std::string Session::redact(std::string text) const {
  for (const auto& secret : secrets_) {
    if (secret.size() < 4) continue;
    for (size_t pos; (pos = text.find(secret)) != std::string::npos;) {
      text.replace(pos, secret.size(), "***");
    }
  }
  return text;
}

void Session::log(sdk::LogLevel level, const std::string& message) const {
  if (!host_.logEnabled(level)) return;
  const std::string pid = process_ ? std::to_string(process_->pid()) : "-";
  host_.log(level, "conversation " + conversationId_ + " (pid " + pid + "): " + message);
}

}  // namespace devkit::agent_claude
