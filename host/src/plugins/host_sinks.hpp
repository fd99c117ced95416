#pragma once

#include <devkit/abi.h>

#include <atomic>
#include <functional>
#include <limits>
#include <string>
#include <string_view>

namespace devkit::plugins {

/// dk_sink that appends to a string, refusing (DK_ERR_CANCELLED) once `limit` bytes would be
/// exceeded so a runaway plugin cannot exhaust memory. Not thread-safe: one writer at a time, as
/// the ABI promises for a sink.
class StringSink {
 public:
  explicit StringSink(size_t limit = std::numeric_limits<size_t>::max()) : limit_(limit) {
    sink_.struct_size = sizeof(dk_sink);
    sink_.ctx = this;
    sink_.write = [](void* ctx, dk_str chunk) -> dk_status {
      auto* self = static_cast<StringSink*>(ctx);
      if (chunk.len > self->limit_ - self->text_.size()) {
        self->overflowed_ = true;
        return DK_ERR_CANCELLED;
      }
      self->text_.append(chunk.ptr == nullptr ? "" : chunk.ptr,
                         chunk.ptr == nullptr ? 0 : chunk.len);
      return DK_OK;
    };
  }
  StringSink(const StringSink&) = delete;
  StringSink& operator=(const StringSink&) = delete;

  const dk_sink* get() const { return &sink_; }
  std::string& text() { return text_; }
  bool overflowed() const { return overflowed_; }

 private:
  dk_sink sink_{};
  size_t limit_;
  std::string text_;
  bool overflowed_ = false;
};

/// dk_sink that forwards each write to a callback (false from the callback = stop).
class CallbackSink {
 public:
  explicit CallbackSink(std::function<bool(std::string_view)> callback)
      : callback_(std::move(callback)) {
    sink_.struct_size = sizeof(dk_sink);
    sink_.ctx = this;
    sink_.write = [](void* ctx, dk_str chunk) -> dk_status {
      auto* self = static_cast<CallbackSink*>(ctx);
      try {
        const std::string_view view(chunk.ptr == nullptr ? "" : chunk.ptr,
                                    chunk.ptr == nullptr ? 0 : chunk.len);
        return self->callback_ && self->callback_(view) ? DK_OK : DK_ERR_CANCELLED;
      } catch (...) {
        return DK_ERR_INTERNAL;  // never let a host exception unwind through plugin frames
      }
    };
  }
  CallbackSink(const CallbackSink&) = delete;
  CallbackSink& operator=(const CallbackSink&) = delete;
  const dk_sink* get() const { return &sink_; }

 private:
  dk_sink sink_{};
  std::function<bool(std::string_view)> callback_;
};

/// dk_source over a read callback.
class CallbackSource {
 public:
  explicit CallbackSource(std::function<int64_t(char*, size_t)> read) : read_(std::move(read)) {
    source_.struct_size = sizeof(dk_source);
    source_.ctx = this;
    source_.read = [](void* ctx, char* buffer, size_t capacity) -> int64_t {
      try {
        return static_cast<CallbackSource*>(ctx)->read_(buffer, capacity);
      } catch (...) {
        return -1;
      }
    };
  }
  CallbackSource(const CallbackSource&) = delete;
  CallbackSource& operator=(const CallbackSource&) = delete;
  const dk_source* get() const { return &source_; }

 private:
  dk_source source_{};
  std::function<int64_t(char*, size_t)> read_;
};

/// dk_cancel over an atomic flag owned by the caller (or never cancelled when null).
class CancelView {
 public:
  explicit CancelView(const std::atomic<bool>* flag) : flag_(flag) {
    cancel_.struct_size = sizeof(dk_cancel);
    cancel_.ctx = this;
    cancel_.is_cancelled = [](void* ctx) -> int {
      const auto* f = static_cast<CancelView*>(ctx)->flag_;
      return f != nullptr && f->load(std::memory_order_acquire) ? 1 : 0;
    };
  }
  CancelView(const CancelView&) = delete;
  CancelView& operator=(const CancelView&) = delete;
  const dk_cancel* get() const { return &cancel_; }

 private:
  dk_cancel cancel_{};
  const std::atomic<bool>* flag_;
};

inline dk_str toStr(std::string_view s) { return dk_str{s.data(), s.size()}; }

}  // namespace devkit::plugins
