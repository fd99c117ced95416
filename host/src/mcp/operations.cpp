#include "mcp/operations.hpp"

#include <cstdio>
#include <random>

namespace devkit::mcp {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

Operations::Operations(Options options) : options_(options) {}

std::string Operations::start(const std::string& caller, const std::string& tool,
                              std::shared_ptr<std::atomic<bool>> cancel,
                              Clock::time_point started) {
  std::random_device device;  // ids are the only thing between a caller and another's result
  char id[40];
  std::snprintf(id, sizeof id, "op_%08x%08x%08x", device(), device(), device());
  std::lock_guard lock(mutex_);
  prune();
  Entry entry;
  entry.caller = caller;
  entry.tool = tool;
  entry.cancel = std::move(cancel);
  entry.started = started;
  entries_[id] = std::move(entry);
  return id;
}

void Operations::progress(const std::string& id, json progress) {
  std::lock_guard lock(mutex_);
  if (const auto it = entries_.find(id); it != entries_.end()) {
    it->second.lastProgress = std::move(progress);
  }
}

void Operations::finish(const std::string& id, json result) {
  {
    std::lock_guard lock(mutex_);
    const auto it = entries_.find(id);
    if (it == entries_.end()) return;
    it->second.done = true;
    it->second.finished = Clock::now();
    it->second.result = std::move(result);
  }
  changed_.notify_all();
}

std::optional<Operations::Status> Operations::wait(const std::string& id, const std::string& caller,
                                                   std::chrono::milliseconds wait) {
  std::unique_lock lock(mutex_);
  const auto deadline = Clock::now() + wait;
  while (true) {
    const auto it = entries_.find(id);
    if (it == entries_.end() || it->second.caller != caller) return std::nullopt;
    const Entry& e = it->second;
    if (e.done || Clock::now() >= deadline) {
      Status status;
      status.tool = e.tool;
      status.done = e.done;
      status.cancelled = e.cancel && e.cancel->load();
      status.elapsedS =
          std::chrono::duration<double>((e.done ? e.finished : Clock::now()) - e.started).count();
      status.result = e.result;
      status.lastProgress = e.lastProgress;
      return status;
    }
    changed_.wait_until(lock, deadline);
  }
}

bool Operations::cancel(const std::string& id, const std::string& caller) {
  std::lock_guard lock(mutex_);
  const auto it = entries_.find(id);
  if (it == entries_.end() || it->second.caller != caller) return false;
  if (it->second.cancel) it->second.cancel->store(true);
  return true;
}

void Operations::cancelAll() {
  std::lock_guard lock(mutex_);
  for (auto& [id, entry] : entries_) {
    if (!entry.done && entry.cancel) entry.cancel->store(true);
  }
}

void Operations::prune() {
  const auto now = Clock::now();
  for (auto it = entries_.begin(); it != entries_.end();) {
    if (it->second.done && now - it->second.finished > options_.keep) {
      it = entries_.erase(it);
    } else {
      ++it;
    }
  }
  while (entries_.size() >= options_.maxOperations) {
    // The oldest finished one goes; running ones stay (their threads still report to them).
    auto oldest = entries_.end();
    for (auto it = entries_.begin(); it != entries_.end(); ++it) {
      if (it->second.done &&
          (oldest == entries_.end() || it->second.finished < oldest->second.finished)) {
        oldest = it;
      }
    }
    if (oldest == entries_.end()) break;
    entries_.erase(oldest);
  }
}

}  // namespace devkit::mcp
