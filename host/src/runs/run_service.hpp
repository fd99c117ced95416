#pragma once

#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "conversations/conversation_service.hpp"
#include "core/plugin_interfaces.hpp"
#include "identity/user.hpp"
#include "projects/project_service.hpp"
#include "runs/live_runs.hpp"
#include "runs/mcp_tokens.hpp"
#include "runs/run.hpp"
#include "store/store.hpp"

namespace devkit::runs {

/// Agent turns (docs/events.md): starts a run through the agent backend, takes its events into the
/// run's log, stores them, rebuilds the conversation's messages from them, and ends the run.
///
/// A run belongs to the server, not to a connection: readers attach and detach at will. Storage
/// work happens on one persistence thread (the agent's event callback never blocks on a
/// database): events are appended in batches (every `flushInterval`, or sooner when `flushBatch`
/// are waiting), the Claude session id is saved on the conversation as soon as it is known, the
/// assistant message is saved as it grows. The agent's "done" is not published at once: the
/// thread first stores every event, the message, the run record and the conversation, releases
/// the conversation's lease, and only then appends "done" - so a reader that sees "done" can rely
/// on all of it being stored, and can start the next turn at once. When storage is down at that
/// moment, "done" is published anyway and the stores are retried until they succeed.
/// THREADING: thread-safe.
class RunService {
 public:
  struct Options {
    size_t maxEventsInMemory = 20000;
    std::chrono::milliseconds flushInterval{200};
    size_t flushBatch = 500;
    std::chrono::milliseconds messageSaveInterval{1000};
    /// How long a finished run stays in memory for late readers (then storage serves it).
    std::chrono::seconds retainFinished{120};
    std::string workspaceUrl;
    /// The host's MCP endpoint for the agent ("" when no tool provider is enabled).
    std::string mcpUrl;
    std::string mcpServer = "databricks";
  };

  /// `agent` may be null (no agent backend enabled): invoke then answers 503.
  RunService(store::Store& store, projects::ProjectService& projects,
             conversations::ConversationService& conversations, LiveRuns& live, McpTokens& tokens,
             std::shared_ptr<core::AgentBackend> agent, Options options);
  ~RunService();
  RunService(const RunService&) = delete;
  RunService& operator=(const RunService&) = delete;

  /// Stops the runs (an interrupt each), waits for them to end until `deadline`, ends the ones
  /// that did not (status failed), and stores everything it can. Idempotent.
  void shutdown(std::chrono::milliseconds deadline);

  /// POST /api/agent/invoke {project_id, conversation_id?, message}. Returns the started run
  /// (its first event is run_started). Throws core::Failure: kInvalid, kNotFound (project,
  /// conversation), kConflict (a run is live in the conversation), kUnavailable (no agent backend,
  /// storage down).
  std::shared_ptr<Run> invoke(const identity::User& user, const nlohmann::json& body);

  /// A run held in memory (live or recently finished) of `owner`; null otherwise.
  std::shared_ptr<Run> find(const std::string& owner, const std::string& runId);

  /// The stored run object (owner-checked; kNotFound).
  nlohmann::json storedRun(const std::string& owner, const std::string& runId);

  /// Stored events of a run after `afterSeq` (at most `limit`); `next` is set when more follow.
  std::vector<RunEvent> storedEvents(const std::string& owner, const std::string& runId,
                                     int64_t afterSeq, int limit, std::optional<int64_t>& next);

  /// Interrupts a live run (kNotFound: not the owner's; kConflict: already over).
  void stop(const std::string& owner, const std::string& runId);

  /// Answers a permission request of a live run: decision "allow" | "deny", remember.
  void answerPermission(const std::string& owner, const std::string& runId,
                        const std::string& requestId, const std::string& decision, bool remember);

  /// Runs of a conversation, newest first (storage objects, owner-checked).
  store::Page listRuns(const std::string& owner, const std::string& conversationId, int limit,
                       const std::optional<std::string>& cursor);

  /// The system prompt the next turn in the project gets (shown read-only in the UI).
  std::string systemPrompt(const identity::User& user, const std::string& projectId);

  /// The host's MCP endpoint the agent is given, once the server knows its port ("" = none).
  void setMcpUrl(const std::string& url);

  /// Appends a `tool_progress` event (an MCP tool's progress, docs/events.md) to a live run;
  /// ignored when the run is not live.
  void noteToolProgress(const std::string& runId, nlohmann::json data);
  /// Appends an `mcp_call` event (the host's record of one /mcp tool call: tool, plugin, outcome,
  /// duration) to a live run; ignored when the run is not live.
  void noteToolCall(const std::string& runId, nlohmann::json data);

  /// Whether the run is live (started and not yet done).
  bool isLive(const std::string& runId) const;

  /// {"live": n, "held": n, "unsaved": n}
  nlohmann::json health() const;

  static constexpr size_t kMaxMessageBytes = 256 * 1024;

 private:
  /// Appends a host event to a live run; ignored when the run is not live (or unknown).
  void appendToLive(const std::string& runId, const char* type, nlohmann::json data);
  struct Entry {
    std::shared_ptr<Run> run;
    std::unique_ptr<LiveRuns::Lease> lease;
    std::optional<std::string> doneStatus;  // the agent's "done", not yet published
    bool published = false;                 // "done" is in the log
    bool recordsStored = false;             // message, run record, conversation stored
    std::chrono::steady_clock::time_point lastMessageSave{};
    std::chrono::steady_clock::time_point finishedAt{};
  };

  void onAgentEvent(const std::shared_ptr<Entry>& entry, std::string_view text);
  void worker();
  /// One pass over a run; false when storage refused (retry next pass).
  bool persist(Entry& entry);
  void storeEvents(Run& run);
  void storeMessage(Run& run);
  void storeAssistantMessage(const RunInfo& info, const nlohmann::json& blocks);
  void storeRecords(Entry& entry);
  void publishDone(Entry& entry);
  nlohmann::json turnRequest(const identity::User& user,
                             const projects::ProjectService::TurnContext& turn,
                             const nlohmann::json& conversation, const RunInfo& info,
                             const std::string& message);
  std::string promptFor(const identity::User& user,
                        const projects::ProjectService::TurnContext& turn) const;
  std::string currentMcpUrl() const;
  int64_t lastMessageSeq(const std::string& owner, const std::string& conversationId);
  std::shared_ptr<Entry> entryOf(const std::string& owner, const std::string& runId) const;

  store::Store& store_;
  projects::ProjectService& projects_;
  conversations::ConversationService& conversations_;
  LiveRuns& live_;
  McpTokens& tokens_;
  std::shared_ptr<core::AgentBackend> agent_;
  Options options_;

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::map<std::string, std::shared_ptr<Entry>> entries_;  // run id -> entry
  std::map<std::string, int64_t> lastSeqHint_;             // conversation id -> last message seq
  std::thread worker_;
};

}  // namespace devkit::runs
