#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>

namespace devkit::http {

/// Set once when the server starts shutting down; long-lived handlers (event streams) wait on it
/// instead of sleeping so that they end at once. THREADING: thread-safe.
class ShutdownSignal {
 public:
  void trigger() {
    {
      std::lock_guard lock(mutex_);
      triggered_.store(true);
    }
    cv_.notify_all();
  }
  bool triggered() const { return triggered_.load(); }
  /// Waits up to `timeout`; true when shutdown was triggered.
  bool waitFor(std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    return cv_.wait_for(lock, timeout, [&] { return triggered_.load(); });
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  std::atomic<bool> triggered_{false};
};

}  // namespace devkit::http
