#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>

namespace devkit::runs {

/// Which agent runs are live, by conversation and project, so that deleting a project or a
/// conversation can refuse while a run works in it, and a conversation never has two runs.
/// The run layer (agent turns) holds a Lease for each run's whole life.
/// THREADING: thread-safe.
class LiveRuns {
 public:
  /// Released (run over) when destroyed.
  class Lease {
   public:
    Lease(LiveRuns& owner, std::string runId) : owner_(&owner), runId_(std::move(runId)) {}
    ~Lease() { owner_->end(runId_); }
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    const std::string& runId() const { return runId_; }

   private:
    LiveRuns* owner_;
    std::string runId_;
  };

  /// Held while a project or conversation is being deleted: no run may start in it meanwhile.
  class DeleteGuard {
   public:
    DeleteGuard(LiveRuns& owner, std::string key) : owner_(&owner), key_(std::move(key)) {}
    ~DeleteGuard() { owner_->endDelete(key_); }
    DeleteGuard(const DeleteGuard&) = delete;
    DeleteGuard& operator=(const DeleteGuard&) = delete;

   private:
    LiveRuns* owner_;
    std::string key_;
  };

  /// Registers a run; nullptr when the conversation already has a live run or its project or
  /// conversation is being deleted.
  std::unique_ptr<Lease> begin(const std::string& runId, const std::string& projectId,
                               const std::string& conversationId);

  /// The live run of a conversation, if any.
  std::optional<std::string> runOfConversation(const std::string& conversationId) const;
  bool projectBusy(const std::string& projectId) const;

  /// nullptr when a run is live in the project (resp. conversation); otherwise blocks new runs
  /// there until the guard is destroyed.
  std::unique_ptr<DeleteGuard> beginProjectDelete(const std::string& projectId);
  std::unique_ptr<DeleteGuard> beginConversationDelete(const std::string& conversationId);

  size_t size() const;

 private:
  struct Run {
    std::string projectId;
    std::string conversationId;
  };
  void end(const std::string& runId);
  void endDelete(const std::string& key);

  mutable std::mutex mutex_;
  std::map<std::string, Run> runs_;                    // run id -> where it runs
  std::map<std::string, std::string> byConversation_;  // conversation id -> run id
  std::multiset<std::string> byProject_;               // project id, once per live run
  std::set<std::string> deleting_;                     // "p:<id>" / "c:<id>"
};

}  // namespace devkit::runs
