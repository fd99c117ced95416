// storage-local's StorageBackend: metadata in SQLite (WAL) through Poco::Data, archives as files.
#pragma once

#include <devkit/sdk.hpp>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "archive_files.hpp"
#include "connection_pool.hpp"
#include "devkit/storage/backend.hpp"

namespace devkit::storage::local {

struct LocalConfig {
  std::filesystem::path database;
  std::filesystem::path archiveDir;
  int busyTimeoutMs = 5000;
};

/// THREADING: every method is thread-safe. Readers run concurrently (WAL); writers of this
/// process take an in-process lock before SQLite's, so they queue in order rather than poll the
/// database lock, and the busy timeout only matters against other processes.
class SqliteBackend final : public StorageBackend {
 public:
  /// Creates the directories, opens the database, applies the migrations. Throws
  /// devkit::sdk::Error (DK_ERR_UNAVAILABLE, DK_ERR_INVALID_ARGUMENT) with a one-line reason.
  SqliteBackend(const devkit::sdk::Host& host, LocalConfig config);
  ~SqliteBackend() override;

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

  nlohmann::json health() override;

 private:
  /// A leased connection plus this process's write lock, for one write transaction.
  struct WriteScope {
    Lease lease;
    std::unique_lock<std::timed_mutex> lock;
    Poco::Data::Session& session() { return lease.session(); }
  };
  WriteScope beginWrite();
  Lease borrow();

  /// Runs f(session) in a read (deferred) or write (IMMEDIATE, write-locked) transaction.
  template <class F>
  auto read(F&& f);
  template <class F>
  auto write(F&& f);

  devkit::sdk::Host host_;
  LocalConfig config_;
  std::chrono::milliseconds busyTimeout_;
  std::chrono::milliseconds acquireWait_;
  // Declared in teardown order: the pool closes its sessions before the connector goes.
  SqliteConnectorRegistration connector_;
  ConnectionPool pool_;
  ArchiveFiles archives_;
  std::timed_mutex writeMutex_;
  std::atomic<int> schemaVersion_{0};
};

}  // namespace devkit::storage::local
