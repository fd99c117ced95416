// devkit/testing/fake_host.hpp: a fake host for plugin unit tests (standard library only).
//
// Link the plugin's sources (or its static library) into a test executable, call its
// dk_plugin_entry with FakeHost::api(), and drive the kinds through the RAII wrappers below,
// exactly as the real host would: JSON text in, sinks out, statuses checked. No Poco, no loader, no
// HTTP.
//
//   devkit::testing::FakeHost host;
//   const dk_plugin_descriptor* d = dk_plugin_entry(host.api());
//   auto tools = devkit::testing::ToolProviderHandle::create(d, R"({"greeting":"hi"})");
//   auto result = tools.call("hello", R"({"name":"Ada"})");
//   EXPECT_EQ(result.status, DK_OK);
//
// THREADING: FakeHost, CollectingSink and EventCollector are thread-safe; the handles are not.
#pragma once

#include <devkit/abi.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace devkit::testing {

/// Records every log line a plugin writes; log level threshold configurable.
class FakeHost {
 public:
  struct LogLine {
    dk_log_level level;
    std::string message;
  };

  explicit FakeHost(dk_log_level threshold = DK_LOG_TRACE) : threshold_(threshold) {
    api_.struct_size = sizeof(dk_host_api);
    api_.abi_major = DK_ABI_MAJOR;
    api_.abi_minor = DK_ABI_MINOR;
    api_.host_ctx = this;
    api_.host_version = dk_str{kVersion, sizeof(kVersion) - 1};
    api_.log_enabled = [](void* ctx, dk_log_level level) -> int {
      return level >= static_cast<FakeHost*>(ctx)->threshold_ ? 1 : 0;
    };
    api_.log = [](void* ctx, dk_log_level level, dk_str message) {
      auto* self = static_cast<FakeHost*>(ctx);
      std::lock_guard<std::mutex> lock(self->mutex_);
      self->lines_.push_back({level, std::string(message.ptr ? message.ptr : "", message.len)});
    };
  }
  FakeHost(const FakeHost&) = delete;
  FakeHost& operator=(const FakeHost&) = delete;

  const dk_host_api* api() const { return &api_; }
  /// A mutable copy for tests that simulate another host (e.g. a different ABI major).
  dk_host_api& mutableApi() { return api_; }

  std::vector<LogLine> lines() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return lines_;
  }
  bool logged(std::string_view needle) const {
    std::lock_guard<std::mutex> lock(mutex_);
    for (const auto& l : lines_) {
      if (l.message.find(needle) != std::string::npos) {
        return true;
      }
    }
    return false;
  }

 private:
  static constexpr char kVersion[] = "0.0.0-fake";
  dk_host_api api_{};
  dk_log_level threshold_;
  mutable std::mutex mutex_;
  std::vector<LogLine> lines_;
};

/// A sink that concatenates every chunk; optionally refuses once `limit` bytes were written.
class CollectingSink {
 public:
  explicit CollectingSink(size_t limit = static_cast<size_t>(-1)) : limit_(limit) {
    sink_.struct_size = sizeof(dk_sink);
    sink_.ctx = this;
    sink_.write = [](void* ctx, dk_str chunk) -> dk_status {
      auto* self = static_cast<CollectingSink*>(ctx);
      std::lock_guard<std::mutex> lock(self->mutex_);
      if (self->text_.size() + chunk.len > self->limit_) {
        return DK_ERR_CANCELLED;
      }
      self->text_.append(chunk.ptr ? chunk.ptr : "", chunk.len);
      ++self->writes_;
      return DK_OK;
    };
  }
  CollectingSink(const CollectingSink&) = delete;
  CollectingSink& operator=(const CollectingSink&) = delete;

  const dk_sink* get() const { return &sink_; }
  std::string text() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return text_;
  }
  size_t writes() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return writes_;
  }

 private:
  dk_sink sink_{};
  size_t limit_;
  mutable std::mutex mutex_;
  std::string text_;
  size_t writes_ = 0;
};

/// A sink that keeps each write as one message (agent events, progress notes) and lets a test wait.
class EventCollector {
 public:
  EventCollector() {
    sink_.struct_size = sizeof(dk_sink);
    sink_.ctx = this;
    sink_.write = [](void* ctx, dk_str chunk) -> dk_status {
      auto* self = static_cast<EventCollector*>(ctx);
      {
        std::lock_guard<std::mutex> lock(self->mutex_);
        self->events_.emplace_back(chunk.ptr ? chunk.ptr : "", chunk.len);
      }
      self->cv_.notify_all();
      return DK_OK;
    };
  }
  EventCollector(const EventCollector&) = delete;
  EventCollector& operator=(const EventCollector&) = delete;

  const dk_sink* get() const { return &sink_; }
  std::vector<std::string> events() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return events_;
  }
  /// Waits until an event contains `needle`; false on timeout.
  bool waitFor(std::string_view needle, std::chrono::milliseconds timeout) {
    std::unique_lock<std::mutex> lock(mutex_);
    return cv_.wait_for(lock, timeout, [&] {
      for (const auto& e : events_) {
        if (e.find(needle) != std::string::npos) {
          return true;
        }
      }
      return false;
    });
  }

 private:
  dk_sink sink_{};
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  std::vector<std::string> events_;
};

/// A cancellation flag the test sets.
class CancelFlag {
 public:
  CancelFlag() {
    cancel_.struct_size = sizeof(dk_cancel);
    cancel_.ctx = this;
    cancel_.is_cancelled = [](void* ctx) -> int {
      return static_cast<CancelFlag*>(ctx)->flag_.load() ? 1 : 0;
    };
  }
  CancelFlag(const CancelFlag&) = delete;
  CancelFlag& operator=(const CancelFlag&) = delete;
  void cancel() { flag_.store(true); }
  const dk_cancel* get() const { return &cancel_; }

 private:
  dk_cancel cancel_{};
  std::atomic<bool> flag_{false};
};

/// A source over an in-memory buffer, read in chunks of at most `chunk` bytes.
class BufferSource {
 public:
  explicit BufferSource(std::string data, size_t chunk = 65536)
      : data_(std::move(data)), chunk_(chunk) {
    source_.struct_size = sizeof(dk_source);
    source_.ctx = this;
    source_.read = [](void* ctx, char* buffer, size_t capacity) -> int64_t {
      auto* self = static_cast<BufferSource*>(ctx);
      size_t n = std::min({capacity, self->chunk_, self->data_.size() - self->pos_});
      std::copy_n(self->data_.data() + self->pos_, n, buffer);
      self->pos_ += n;
      return static_cast<int64_t>(n);
    };
  }
  BufferSource(const BufferSource&) = delete;
  BufferSource& operator=(const BufferSource&) = delete;
  const dk_source* get() const { return &source_; }

 private:
  dk_source source_{};
  std::string data_;
  size_t chunk_;
  size_t pos_ = 0;
};

/// The outcome of one call: status, the output sink's text and the error sink's text.
struct CallResult {
  dk_status status = DK_STATUS_INVALID;
  std::string output;
  std::string error;
};

/// Owns one instance of a kind created through a descriptor's factory; destroys it on scope exit.
template <class Vtbl>
class InstanceHandle {
 public:
  InstanceHandle() = default;
  InstanceHandle(void* self, const Vtbl* vtbl) : self_(self), vtbl_(vtbl) {}
  InstanceHandle(InstanceHandle&& o) noexcept
      : self_(std::exchange(o.self_, nullptr)), vtbl_(std::exchange(o.vtbl_, nullptr)) {}
  InstanceHandle& operator=(InstanceHandle&& o) noexcept {
    reset();
    self_ = std::exchange(o.self_, nullptr);
    vtbl_ = std::exchange(o.vtbl_, nullptr);
    return *this;
  }
  ~InstanceHandle() { reset(); }

  void reset() {
    if (self_ != nullptr && vtbl_ != nullptr) {
      vtbl_->destroy(self_);
    }
    self_ = nullptr;
    vtbl_ = nullptr;
  }
  void* self() const { return self_; }
  const Vtbl* vtbl() const { return vtbl_; }
  explicit operator bool() const { return self_ != nullptr; }

  std::string health() const {
    CollectingSink out;
    vtbl_->health(self_, out.get());
    return out.text();
  }

  /// Creates an instance with `factory`; throws std::runtime_error with the plugin's message.
  template <class Factory>
  static InstanceHandle create(Factory factory, std::string_view configJson) {
    if (factory == nullptr) {
      throw std::runtime_error("the plugin does not provide this kind");
    }
    CollectingSink err;
    void* self = nullptr;
    const Vtbl* vtbl = nullptr;
    const dk_status st =
        factory(dk_str{configJson.data(), configJson.size()}, &self, &vtbl, err.get());
    if (st != DK_OK) {
      throw std::runtime_error("create failed (status " + std::to_string(st) + "): " + err.text());
    }
    return InstanceHandle(self, vtbl);
  }

 protected:
  void* self_ = nullptr;
  const Vtbl* vtbl_ = nullptr;
};

inline dk_str str(std::string_view s) { return dk_str{s.data(), s.size()}; }

/// A tool provider instance with convenience calls.
class ToolProviderHandle : public InstanceHandle<dk_tool_provider_vtbl> {
 public:
  using InstanceHandle::InstanceHandle;
  static ToolProviderHandle create(const dk_plugin_descriptor* d, std::string_view configJson) {
    auto h = InstanceHandle::create(d->create_tool_provider, configJson);
    ToolProviderHandle out;
    static_cast<InstanceHandle&>(out) = std::move(h);
    return out;
  }
  CallResult listTools() const {
    CollectingSink out, err;
    CallResult r;
    r.status = vtbl_->list_tools(self_, out.get(), err.get());
    r.output = out.text();
    r.error = err.text();
    return r;
  }
  CallResult call(std::string_view name, std::string_view argsJson,
                  std::string_view contextJson = "{}", const dk_sink* progress = nullptr,
                  const dk_cancel* cancel = nullptr, const dk_sink* log = nullptr) const {
    CollectingSink out, err;
    CancelFlag never;
    dk_tool_call c{};
    c.struct_size = sizeof(dk_tool_call);
    c.name = str(name);
    c.arguments_json = str(argsJson);
    c.context_json = str(contextJson);
    c.progress = progress;
    c.cancel = cancel != nullptr ? cancel : never.get();
    c.log = log;
    CallResult r;
    r.status = vtbl_->call_tool(self_, &c, out.get(), err.get());
    r.output = out.text();
    r.error = err.text();
    return r;
  }
};

}  // namespace devkit::testing
