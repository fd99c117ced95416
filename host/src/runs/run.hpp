#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "runs/message_builder.hpp"

namespace devkit::runs {

/// One event of a run as stored and streamed (docs/events.md): `data` is compact JSON text.
struct RunEvent {
  int64_t seq = 0;
  std::string type;
  std::string data;
  int64_t timeUs = 0;
};

/// Who a run belongs to and where it works; fixed at creation.
struct RunInfo {
  std::string id;
  std::string owner;
  std::string projectId;
  std::string conversationId;
  int64_t userMessageSeq = 0;
  int64_t assistantMessageSeq = 0;
  int64_t startedUs = 0;
};

/// One agent turn: its ordered event log (seq 0, 1, ... assigned here), the assistant message the
/// events build, and what the persistence worker has stored so far.
///
/// The log is bounded: once more than `maxInMemory` events are held, the oldest ones that are
/// already stored are dropped and readers fetch them from storage (firstInMemory() says where the
/// memory starts). Events not yet stored are never dropped.
/// THREADING: thread-safe. Readers block in read() on a condition variable.
class Run {
 public:
  Run(RunInfo info, size_t maxInMemory);

  const RunInfo& info() const { return info_; }

  /// Appends an event and wakes readers; returns its seq. Ignored (returns -1) after finish().
  int64_t append(const std::string& type, const nlohmann::json& data);

  struct Batch {
    std::vector<RunEvent> events;
    /// True when the run is over and `events` reach its last event.
    bool complete = false;
    /// When the events after `after` start in storage, not memory: the first seq held in memory.
    std::optional<int64_t> storedUntil;
  };
  /// Events with seq > after (at most `max`), waiting up to `wait` when there are none yet.
  Batch read(int64_t after, size_t max, std::chrono::milliseconds wait) const;

  /// The terminal event: appends `done` and marks the run over (readers finish after it).
  void finish(const std::string& status);
  bool finished() const;
  std::string status() const;

  // --- persistence (the worker) ---
  /// Events not yet stored, oldest first, at most `max`.
  std::vector<RunEvent> unpersisted(size_t max) const;
  void markPersisted(int64_t seq);
  bool fullyPersisted() const;

  /// The assistant message built so far, and whether it changed since the last takeMessage().
  std::optional<nlohmann::json> takeMessageIfChanged();
  nlohmann::json message() const;

  // --- turn facts the finish needs ---
  void noteSession(const std::string& claudeSessionId);
  /// The session id once, for saving on the conversation (empty when none is pending).
  std::string takeSessionToSave();
  nlohmann::json result() const;  // the last "result" event's data, or null
  nlohmann::json error() const;   // the first "error" event's data, or null
  int64_t lastSeq() const;

 private:
  void trimLocked();

  const RunInfo info_;
  const size_t maxInMemory_;
  mutable std::mutex mutex_;
  mutable std::condition_variable changed_;
  std::deque<RunEvent> events_;  // contiguous seqs, from firstSeq_
  int64_t firstSeq_ = 0;
  int64_t nextSeq_ = 0;
  int64_t persistedUpTo_ = -1;
  bool finished_ = false;
  std::string status_ = "running";
  MessageBuilder message_;
  bool messageChanged_ = false;
  std::string sessionToSave_;
  nlohmann::json result_;
  nlohmann::json error_;
};

}  // namespace devkit::runs
