#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace devkit::mcp {

/// Tool calls that outlived their caller's patience: past `[mcp] operation_after_s` a call is
/// answered with an operation id and goes on in the background; the `check_operation_status` tool
/// (McpServer) reads its result here later. This keeps every MCP request shorter than the
/// client's own timeout (Claude Code gives an HTTP tool call 60 s).
///
/// An operation is visible only to the caller that started it (the same user and project). A
/// finished one is kept for `keep`, then forgotten; at most `maxOperations` are kept (the oldest
/// finished ones go first). THREADING: thread-safe.
class Operations {
 public:
  struct Options {
    std::chrono::seconds keep{30 * 60};
    size_t maxOperations = 1000;
  };

  /// What check_operation_status reports.
  struct Status {
    std::string tool;
    bool done = false;
    bool cancelled = false;
    double elapsedS = 0;
    nlohmann::json result;        // the CallToolResult, once done
    nlohmann::json lastProgress;  // {"progress", "total"?, "message"?} or null
  };

  explicit Operations(Options options);
  Operations() : Operations(Options{}) {}

  /// Registers a running call; `cancel` is the call's own flag (cancel() sets it). Returns the id.
  std::string start(const std::string& caller, const std::string& tool,
                    std::shared_ptr<std::atomic<bool>> cancel,
                    std::chrono::steady_clock::time_point started);
  void progress(const std::string& id, nlohmann::json progress);
  void finish(const std::string& id, nlohmann::json result);

  /// Waits up to `wait` for the operation to finish; nullopt for an unknown id or another
  /// caller's operation.
  std::optional<Status> wait(const std::string& id, const std::string& caller,
                             std::chrono::milliseconds wait);
  /// Sets the operation's cancel flag; false when it is unknown or not the caller's.
  bool cancel(const std::string& id, const std::string& caller);
  /// Sets every running operation's cancel flag (shutdown).
  void cancelAll();

 private:
  struct Entry {
    std::string caller;
    std::string tool;
    std::shared_ptr<std::atomic<bool>> cancel;
    std::chrono::steady_clock::time_point started;
    std::chrono::steady_clock::time_point finished;
    bool done = false;
    nlohmann::json result;
    nlohmann::json lastProgress;
  };
  void prune();  // with mutex_ held

  Options options_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::map<std::string, Entry> entries_;
};

}  // namespace devkit::mcp
