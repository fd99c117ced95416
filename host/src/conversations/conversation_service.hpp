#pragma once

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "projects/project_service.hpp"
#include "runs/live_runs.hpp"
#include "store/store.hpp"

namespace devkit::conversations {

/// Conversations of a project and their messages (storage objects as stored). Every method takes
/// the owner: another user's conversation is kNotFound. Errors are core::Failure.
/// THREADING: thread-safe.
class ConversationService {
 public:
  ConversationService(store::Store& store, runs::LiveRuns& runs) : store_(store), runs_(runs) {}

  /// `title`: absent/null gives "New Conversation"; else trimmed, at most 500 bytes.
  nlohmann::json create(const std::string& owner, const std::string& projectId,
                        const nlohmann::json& title);
  nlohmann::json get(const std::string& owner, const std::string& id);
  store::Page list(const std::string& owner, const std::string& projectId, int limit,
                   const std::optional<std::string>& cursor);
  nlohmann::json rename(const std::string& owner, const std::string& id,
                        const nlohmann::json& title);
  /// Marks the conversation as active now (updated_us) and, when `claudeSessionId` is not empty,
  /// records the Claude session its next turn resumes.
  nlohmann::json touch(const std::string& owner, const std::string& id,
                       const std::string& claudeSessionId = {});
  /// kConflict while a run is live in it.
  void remove(const std::string& owner, const std::string& id);

  struct Messages {
    nlohmann::json items = nlohmann::json::array();
    std::optional<int64_t> nextAfterSeq;
  };
  /// Ascending by seq, after `afterSeq`, at most `limit` (1-1000).
  Messages messages(const std::string& owner, const std::string& id, int64_t afterSeq, int limit);

  static constexpr const char* kDefaultTitle = "New Conversation";
  /// A title made of the first line of a user message (at most 80 bytes, cut at a character).
  static std::string titleFrom(const std::string& message);

 private:
  store::Store& store_;
  runs::LiveRuns& runs_;
};

}  // namespace devkit::conversations
