// PgBackend: docs/storage.md's StorageBackend on PostgreSQL / Databricks Lakebase through
// Poco::Data::PostgreSQL.
//
// - Every table lives in the configured schema; versioned migrations (schema_version) run at
//   create, serialised across hosts by a transaction-scoped advisory lock.
// - Every query is scoped by owner. Batches (messages, run events) go in as ONE statement over a
//   JSONB array, because Poco 1.11's PostgreSQL binder has no bulk binding.
// - Archives are rows of ~1 MiB bytea chunks under a blob id; a put writes a new blob and switches
//   the project's archive to it in one transaction, so a failed put leaves the old one. A get reads
//   one chunk per SELECT (Poco buffers whole results) in a repeatable-read snapshot.
// - A statement that fails because the connection dropped (server restart, pg_terminate_backend)
//   is retried once on a new connection; an unreachable server is DK_ERR_UNAVAILABLE.
//
// THREADING: every method is called concurrently from many host threads.
#pragma once

#include <devkit/sdk.hpp>
#include <devkit/storage/backend.hpp>

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>

#include <nlohmann/json.hpp>

#include "config.hpp"
#include "conninfo.hpp"
#include "credentials.hpp"
#include "pool.hpp"

namespace devkit::lakebase {

class PgBackend final : public devkit::storage::StorageBackend {
 public:
  /// Validates the config (DK_ERR_INVALID_ARGUMENT), then tries once to connect and migrate; a
  /// database that cannot be reached now leaves the backend "down" (health reachable=false,
  /// operations DK_ERR_UNAVAILABLE) and it tries again on later calls.
  PgBackend(const devkit::sdk::Host& host, const LakebaseConfig& config,
            Clock clock = systemClock());
  ~PgBackend() override;
  PgBackend(const PgBackend&) = delete;
  PgBackend& operator=(const PgBackend&) = delete;

  using ProjectRecord = devkit::storage::ProjectRecord;
  using ConversationRecord = devkit::storage::ConversationRecord;
  using MessageRecord = devkit::storage::MessageRecord;
  using RunRecord = devkit::storage::RunRecord;
  using RunEventRecord = devkit::storage::RunEventRecord;
  using ArchiveInfo = devkit::storage::ArchiveInfo;
  using Keyset = devkit::storage::Keyset;

  ProjectRecord putProject(const ProjectRecord& project) override;
  std::optional<ProjectRecord> getProject(const std::string& owner, const std::string& id) override;
  std::vector<ProjectRecord> listProjects(const std::string& owner,
                                          const std::optional<Keyset>& after, int limit) override;
  bool deleteProject(const std::string& owner, const std::string& id) override;

  ConversationRecord putConversation(const ConversationRecord& conversation) override;
  std::optional<ConversationRecord> getConversation(const std::string& owner,
                                                    const std::string& id) override;
  std::vector<ConversationRecord> listConversations(const std::string& owner,
                                                    const std::string& projectId,
                                                    const std::optional<Keyset>& after,
                                                    int limit) override;
  bool deleteConversation(const std::string& owner, const std::string& id) override;

  int appendMessages(const std::string& owner, const std::string& conversationId,
                     const std::vector<MessageRecord>& messages) override;
  std::vector<MessageRecord> listMessages(const std::string& owner,
                                          const std::string& conversationId, int64_t afterSeq,
                                          int limit) override;

  RunRecord putRun(const RunRecord& run) override;
  std::optional<RunRecord> getRun(const std::string& owner, const std::string& id) override;
  std::vector<RunRecord> listRuns(const std::string& owner, const std::string& conversationId,
                                  const std::optional<Keyset>& after, int limit) override;

  int appendRunEvents(const std::string& owner, const std::string& runId,
                      const std::vector<RunEventRecord>& events) override;
  std::vector<RunEventRecord> listRunEvents(const std::string& owner, const std::string& runId,
                                            int64_t afterSeq, int limit) override;

  ArchiveInfo putArchive(const std::string& owner, const std::string& projectId,
                         const devkit::sdk::Source& data) override;
  void getArchive(const std::string& owner, const std::string& projectId,
                  const devkit::sdk::Sink& data) override;
  ArchiveInfo statArchive(const std::string& owner, const std::string& projectId) override;
  bool deleteArchive(const std::string& owner, const std::string& projectId) override;

  void putState(const std::string& key, const nlohmann::json& value) override;
  std::optional<nlohmann::json> getState(const std::string& key) override;

  /// {"status": "ok"|"down", "reachable", "schema_version", "detail", "pool", "credential"};
  /// cached for two seconds, and never waits for a busy pool.
  nlohmann::json health() override;

  // For tests.
  Credentials& credentials() { return *credentials_; }
  Pool& pool() { return *pool_; }
  static constexpr size_t kChunkBytes = 1 << 20;

 private:
  template <class F>
  auto run(const char* op, F&& fn, const std::atomic<bool>* noRetry = nullptr);
  void ensureReady();
  int migrate(Poco::Data::Session& session);
  nlohmann::json probe();
  std::string sql(const char* text) const;

  devkit::sdk::Host host_;
  LakebaseConfig config_;
  std::shared_ptr<Redactor> redactor_;
  std::unique_ptr<Credentials> credentials_;
  std::unique_ptr<Pool> pool_;  // after credentials_: destroyed first
  std::string quotedSchema_;

  std::atomic<bool> ready_{false};
  std::atomic<int> schemaVersion_{0};
  std::mutex readyMutex_;
  std::chrono::steady_clock::time_point lastReadyAttempt_{};
  std::string lastReadyError_;

  std::mutex probeMutex_;  // one health probe at a time
  std::mutex healthMutex_;
  nlohmann::json cachedHealth_;
  std::chrono::steady_clock::time_point cachedAt_{};
};

}  // namespace devkit::lakebase
