#pragma once

#include <devkit/abi.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace devkit::core {

/// The outcome of one call into a plugin: its status, what it wrote to the output sink, and what it
/// wrote to the error sink. Statuses the ABI does not define are mapped to DK_ERR_INTERNAL.
struct CallOutcome {
  dk_status status = DK_STATUS_INVALID;
  std::string output;
  std::string error;
  bool ok() const { return status == DK_OK; }
};

/// Common to every plugin instance: the health object of abi.h ("Common shapes"), always a JSON
/// object with at least "status" (a misbehaving plugin is reported as "down").
class PluginInstance {
 public:
  virtual ~PluginInstance() = default;
  virtual nlohmann::json health() = 0;
};

/// One tools/call as the host issues it.
struct ToolCallRequest {
  std::string name;
  std::string argumentsJson;
  std::string contextJson;                           // carries credentials; never logged
  std::function<bool(std::string_view)> onProgress;  // one JSON object per call; may be empty
  std::function<bool(std::string_view)> onLog;       // one MCP log message per call; may be empty
  const std::atomic<bool>* cancelled = nullptr;      // may be null (never cancelled)
};

/// A tool provider as the host sees it (implemented by the plugin proxy). THREADING: thread-safe.
class ToolProvider : public PluginInstance {
 public:
  virtual CallOutcome listTools() = 0;
  virtual CallOutcome callTool(const ToolCallRequest& request) = 0;
};

/// An agent backend as the host sees it. THREADING: thread-safe.
class AgentBackend : public PluginInstance {
 public:
  /// `onEvent` receives one event JSON per call from plugin threads until the "done" event; it must
  /// not block and must stay callable until then.
  virtual CallOutcome startTurn(const std::string& requestJson,
                                std::function<bool(std::string_view)> onEvent) = 0;
  virtual CallOutcome sendInput(const std::string& runId, const std::string& inputJson) = 0;
  virtual CallOutcome closeSessions(const std::string& optionsJson) = 0;
};

/// A skills source as the host sees it. THREADING: thread-safe.
class SkillsSource : public PluginInstance {
 public:
  virtual CallOutcome listSkills() = 0;
  virtual CallOutcome validateSkill(const std::string& skillDir) = 0;
  virtual CallOutcome reload() = 0;
};

/// The storage operations that take one JSON request and answer one JSON response (abi.h, kind 4).
enum class StorageOp {
  kPutProject,
  kGetProject,
  kListProjects,
  kDeleteProject,
  kPutConversation,
  kGetConversation,
  kListConversations,
  kDeleteConversation,
  kAppendMessages,
  kListMessages,
  kPutRun,
  kGetRun,
  kListRuns,
  kAppendRunEvents,
  kListRunEvents,
  kStatArchive,
  kDeleteArchive,
  kGetState,
};

/// A storage as the host sees it. THREADING: thread-safe.
class Storage : public PluginInstance {
 public:
  virtual CallOutcome call(StorageOp op, const std::string& requestJson) = 0;
  /// `read` fills the buffer and returns the byte count, 0 at the end, -1 on error.
  virtual CallOutcome putArchive(const std::string& requestJson,
                                 std::function<int64_t(char*, size_t)> read) = 0;
  /// `write` receives the archive in chunks; returning false stops the transfer.
  virtual CallOutcome getArchive(const std::string& requestJson,
                                 std::function<bool(std::string_view)> write) = 0;
  virtual CallOutcome putState(const std::string& requestJson) = 0;
};

}  // namespace devkit::core
