#include "runs/run.hpp"

#include "core/clock.hpp"

namespace devkit::runs {

using nlohmann::json;

Run::Run(RunInfo info, size_t maxInMemory)
    : info_(std::move(info)), maxInMemory_(maxInMemory < 16 ? 16 : maxInMemory) {}

int64_t Run::append(const std::string& type, const json& data) {
  int64_t seq;
  {
    std::lock_guard lock(mutex_);
    if (finished_) return -1;
    seq = nextSeq_++;
    events_.push_back(
        {seq, type, data.dump(-1, ' ', false, json::error_handler_t::replace), core::nowUs()});
    if (type == "session" && data.contains("claude_session_id") &&
        data["claude_session_id"].is_string()) {
      sessionToSave_ = data["claude_session_id"].get<std::string>();
    } else if (type == "result") {
      result_ = data;
    } else if (type == "error" && error_.is_null()) {
      error_ = data;
    }
    if (message_.apply(type, data)) messageChanged_ = true;
    trimLocked();
  }
  changed_.notify_all();
  return seq;
}

void Run::trimLocked() {
  while (events_.size() > maxInMemory_ && events_.front().seq <= persistedUpTo_) {
    events_.pop_front();
    ++firstSeq_;
  }
}

Run::Batch Run::read(int64_t after, size_t max, std::chrono::milliseconds wait) const {
  std::unique_lock lock(mutex_);
  changed_.wait_for(lock, wait, [&] { return nextSeq_ > after + 1 || finished_; });
  Batch batch;
  if (after + 1 < firstSeq_) {
    batch.storedUntil = firstSeq_;
    return batch;
  }
  for (int64_t seq = after + 1; seq < nextSeq_ && batch.events.size() < max; ++seq) {
    batch.events.push_back(events_[static_cast<size_t>(seq - firstSeq_)]);
  }
  const int64_t reached = batch.events.empty() ? after : batch.events.back().seq;
  batch.complete = finished_ && reached == nextSeq_ - 1;
  return batch;
}

void Run::finish(const std::string& status) {
  {
    std::lock_guard lock(mutex_);
    if (finished_) return;
    events_.push_back({nextSeq_++, "done", json({{"status", status}}).dump(), core::nowUs()});
    status_ = status;
    finished_ = true;
  }
  changed_.notify_all();
}

bool Run::finished() const {
  std::lock_guard lock(mutex_);
  return finished_;
}

std::string Run::status() const {
  std::lock_guard lock(mutex_);
  return status_;
}

std::vector<RunEvent> Run::unpersisted(size_t max) const {
  std::lock_guard lock(mutex_);
  std::vector<RunEvent> out;
  for (int64_t seq = persistedUpTo_ + 1; seq < nextSeq_ && out.size() < max; ++seq) {
    out.push_back(events_[static_cast<size_t>(seq - firstSeq_)]);
  }
  return out;
}

void Run::markPersisted(int64_t seq) {
  std::lock_guard lock(mutex_);
  if (seq > persistedUpTo_) persistedUpTo_ = seq;
  trimLocked();
}

bool Run::fullyPersisted() const {
  std::lock_guard lock(mutex_);
  return persistedUpTo_ == nextSeq_ - 1;
}

std::optional<json> Run::takeMessageIfChanged() {
  std::lock_guard lock(mutex_);
  if (!messageChanged_) return std::nullopt;
  messageChanged_ = false;
  return message_.blocks();
}

json Run::message() const {
  std::lock_guard lock(mutex_);
  return message_.blocks();
}

void Run::noteSession(const std::string& claudeSessionId) {
  std::lock_guard lock(mutex_);
  sessionToSave_ = claudeSessionId;
}

std::string Run::takeSessionToSave() {
  std::lock_guard lock(mutex_);
  return std::exchange(sessionToSave_, std::string());
}

json Run::result() const {
  std::lock_guard lock(mutex_);
  return result_;
}

json Run::error() const {
  std::lock_guard lock(mutex_);
  return error_;
}

int64_t Run::lastSeq() const {
  std::lock_guard lock(mutex_);
  return nextSeq_ - 1;
}

}  // namespace devkit::runs
