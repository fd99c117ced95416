#include "runs/live_runs.hpp"

namespace devkit::runs {

std::unique_ptr<LiveRuns::Lease> LiveRuns::begin(const std::string& runId,
                                                 const std::string& projectId,
                                                 const std::string& conversationId) {
  std::lock_guard lock(mutex_);
  if (byConversation_.count(conversationId) != 0 || runs_.count(runId) != 0 ||
      deleting_.count("p:" + projectId) != 0 || deleting_.count("c:" + conversationId) != 0) {
    return nullptr;
  }
  runs_[runId] = Run{projectId, conversationId};
  byConversation_[conversationId] = runId;
  byProject_.insert(projectId);
  return std::make_unique<Lease>(*this, runId);
}

void LiveRuns::end(const std::string& runId) {
  std::lock_guard lock(mutex_);
  const auto it = runs_.find(runId);
  if (it == runs_.end()) return;
  byConversation_.erase(it->second.conversationId);
  if (const auto p = byProject_.find(it->second.projectId); p != byProject_.end()) {
    byProject_.erase(p);
  }
  runs_.erase(it);
}

std::optional<std::string> LiveRuns::runOfConversation(const std::string& conversationId) const {
  std::lock_guard lock(mutex_);
  const auto it = byConversation_.find(conversationId);
  if (it == byConversation_.end()) return std::nullopt;
  return it->second;
}

bool LiveRuns::projectBusy(const std::string& projectId) const {
  std::lock_guard lock(mutex_);
  return byProject_.count(projectId) != 0;
}

std::unique_ptr<LiveRuns::DeleteGuard> LiveRuns::beginProjectDelete(const std::string& projectId) {
  std::lock_guard lock(mutex_);
  const std::string key = "p:" + projectId;
  if (byProject_.count(projectId) != 0 || deleting_.count(key) != 0) return nullptr;
  deleting_.insert(key);
  return std::make_unique<DeleteGuard>(*this, key);
}

std::unique_ptr<LiveRuns::DeleteGuard> LiveRuns::beginConversationDelete(
    const std::string& conversationId) {
  std::lock_guard lock(mutex_);
  const std::string key = "c:" + conversationId;
  if (byConversation_.count(conversationId) != 0 || deleting_.count(key) != 0) return nullptr;
  deleting_.insert(key);
  return std::make_unique<DeleteGuard>(*this, key);
}

void LiveRuns::endDelete(const std::string& key) {
  std::lock_guard lock(mutex_);
  deleting_.erase(key);
}

size_t LiveRuns::size() const {
  std::lock_guard lock(mutex_);
  return runs_.size();
}

}  // namespace devkit::runs
