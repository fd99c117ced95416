#pragma once

#include <atomic>
#include <memory>

namespace devkit::http {

/// Caps concurrent long-lived streams: each holds a worker thread for its whole life, so beyond the
/// cap the server answers 503 with Retry-After instead of letting connections queue silently.
/// THREADING: thread-safe.
class StreamLimiter {
 public:
  explicit StreamLimiter(int capacity) : capacity_(capacity) {}

  /// RAII slot; empty (false) when the cap is reached.
  class Slot {
   public:
    Slot() = default;
    explicit Slot(StreamLimiter* owner) : owner_(owner) {}
    Slot(Slot&& o) noexcept : owner_(o.owner_) { o.owner_ = nullptr; }
    Slot& operator=(Slot&&) = delete;
    ~Slot() {
      if (owner_ != nullptr) owner_->open_.fetch_sub(1);
    }
    explicit operator bool() const { return owner_ != nullptr; }

   private:
    StreamLimiter* owner_ = nullptr;
  };

  Slot tryAcquire() {
    int current = open_.load();
    while (current < capacity_) {
      if (open_.compare_exchange_weak(current, current + 1)) {
        return Slot(this);
      }
    }
    return Slot();
  }
  int open() const { return open_.load(); }
  int capacity() const { return capacity_; }

 private:
  const int capacity_;
  std::atomic<int> open_{0};
};

}  // namespace devkit::http
