// The typed storage interface both storage plugins implement (docs/storage.md). The JSON side of
// the ABI (parsing, validation, defaults, paging, error texts) is StorageAdapter's; a backend sees
// only validated records and answers with records, so the two plugins cannot drift apart in
// behaviour.
//
// Errors: throw devkit::sdk::Error with DK_ERR_NOT_FOUND (absent or another owner's),
// DK_ERR_CONFLICT (an id owned by someone else), DK_ERR_UNAVAILABLE (database unreachable).
// THREADING: every method is called concurrently from many host threads.
#pragma once

#include <devkit/sdk.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace devkit::storage {

struct ProjectRecord {
  std::string id;
  std::string owner;
  std::string name;
  nlohmann::json settings = nlohmann::json::object();
  int64_t createdUs = 0;
  int64_t updatedUs = 0;
  /// Output only: how many conversations the project has, counted by the backend in the same
  /// statement that reads the project row. Ignored by putProject, which returns the stored count.
  int64_t conversationCount = 0;
};

struct ConversationRecord {
  std::string id;
  std::string owner;
  std::string projectId;
  std::string title;
  std::optional<std::string> claudeSessionId;
  int64_t createdUs = 0;
  int64_t updatedUs = 0;
};

struct MessageRecord {
  std::string conversationId;
  int64_t seq = 0;
  std::string role;
  nlohmann::json blocks = nlohmann::json::array();
  std::optional<std::string> runId;
  int64_t createdUs = 0;
};

struct RunRecord {
  std::string id;
  std::string owner;
  std::string conversationId;
  std::string status;
  int64_t startedUs = 0;
  std::optional<int64_t> endedUs;
  nlohmann::json usage;  // null or object
  std::optional<double> costUsd;
  nlohmann::json error;  // null or object
};

struct RunEventRecord {
  std::string runId;
  int64_t seq = 0;
  std::string type;
  nlohmann::json data;
  int64_t timeUs = 0;
};

struct ArchiveInfo {
  bool exists = false;
  int64_t size = 0;
  std::string sha256;  // lower-case hex
  int64_t createdUs = 0;
};

/// Keyset position for lists ordered by (sortUs DESC, id DESC): return rows strictly after it,
/// i.e. (sortUs < after.sortUs) OR (sortUs = after.sortUs AND id < after.id).
struct Keyset {
  int64_t sortUs = 0;
  std::string id;
};

class StorageBackend {
 public:
  virtual ~StorageBackend() = default;

  // Projects. put: insert or replace; CONFLICT if the id exists with another owner. Every project
  // returned carries its conversationCount.
  virtual ProjectRecord putProject(const ProjectRecord& project) = 0;
  virtual std::optional<ProjectRecord> getProject(const std::string& owner,
                                                  const std::string& id) = 0;
  /// At most `limit` rows ordered by (updatedUs DESC, id DESC), after `after` when set.
  virtual std::vector<ProjectRecord> listProjects(const std::string& owner,
                                                  const std::optional<Keyset>& after,
                                                  int limit) = 0;
  /// Deletes the project and everything under it (conversations, messages, runs, events, archive).
  virtual bool deleteProject(const std::string& owner, const std::string& id) = 0;

  // Conversations. put: NOT_FOUND unless the project is the owner's; CONFLICT as above.
  virtual ConversationRecord putConversation(const ConversationRecord& conversation) = 0;
  virtual std::optional<ConversationRecord> getConversation(const std::string& owner,
                                                            const std::string& id) = 0;
  /// NOT_FOUND unless the project is the owner's. Ordered (updatedUs DESC, id DESC).
  virtual std::vector<ConversationRecord> listConversations(const std::string& owner,
                                                            const std::string& projectId,
                                                            const std::optional<Keyset>& after,
                                                            int limit) = 0;
  virtual bool deleteConversation(const std::string& owner, const std::string& id) = 0;

  // Messages: upsert per (conversationId, seq); NOT_FOUND unless the conversation is the owner's.
  virtual int appendMessages(const std::string& owner, const std::string& conversationId,
                             const std::vector<MessageRecord>& messages) = 0;
  /// Ascending seq, seq > afterSeq, at most `limit`. NOT_FOUND unless the conversation is theirs.
  virtual std::vector<MessageRecord> listMessages(const std::string& owner,
                                                  const std::string& conversationId,
                                                  int64_t afterSeq, int limit) = 0;

  // Runs. put: NOT_FOUND unless the conversation is the owner's; CONFLICT for another owner's id.
  virtual RunRecord putRun(const RunRecord& run) = 0;
  virtual std::optional<RunRecord> getRun(const std::string& owner, const std::string& id) = 0;
  /// Ordered (startedUs DESC, id DESC). NOT_FOUND unless the conversation is the owner's.
  virtual std::vector<RunRecord> listRuns(const std::string& owner,
                                          const std::string& conversationId,
                                          const std::optional<Keyset>& after, int limit) = 0;

  // Run events: insert-if-absent per (runId, seq); returns how many were new. NOT_FOUND unless the
  // run is the owner's.
  virtual int appendRunEvents(const std::string& owner, const std::string& runId,
                              const std::vector<RunEventRecord>& events) = 0;
  virtual std::vector<RunEventRecord> listRunEvents(const std::string& owner,
                                                    const std::string& runId, int64_t afterSeq,
                                                    int limit) = 0;

  // Archives (one per project). put streams from `data`, computes size and SHA-256, and replaces
  // the previous archive atomically; NOT_FOUND unless the project is the owner's.
  virtual ArchiveInfo putArchive(const std::string& owner, const std::string& projectId,
                                 const devkit::sdk::Source& data) = 0;
  /// Writes the archive to `data` in chunks; NOT_FOUND when there is none.
  virtual void getArchive(const std::string& owner, const std::string& projectId,
                          const devkit::sdk::Sink& data) = 0;
  virtual ArchiveInfo statArchive(const std::string& owner, const std::string& projectId) = 0;
  virtual bool deleteArchive(const std::string& owner, const std::string& projectId) = 0;

  // Host state (not owner-scoped).
  virtual void putState(const std::string& key, const nlohmann::json& value) = 0;
  virtual std::optional<nlohmann::json> getState(const std::string& key) = 0;

  /// {"status", "detail", "reachable", "schema_version"}; cheap (cached or one trivial query).
  virtual nlohmann::json health() = 0;
};

}  // namespace devkit::storage
