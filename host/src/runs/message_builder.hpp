#pragma once

#include <map>
#include <string>
#include <utility>

#include <nlohmann/json.hpp>

namespace devkit::runs {

/// Folds a run's events into the blocks of the assistant message stored for the conversation:
/// text and thinking blocks (deltas joined; the complete block replaces them), tool_use,
/// tool_result and error blocks, in the order they first appeared. Blocks of one model message
/// share a message_id; (message_id, index) names a block, so a block the CLI repeats or completes
/// is updated in place, never duplicated.
/// THREADING: not thread-safe (the Run guards it).
class MessageBuilder {
 public:
  /// Applies one event; returns true when the blocks changed.
  bool apply(const std::string& type, const nlohmann::json& data);
  const nlohmann::json& blocks() const { return blocks_; }
  bool empty() const { return blocks_.empty(); }

 private:
  nlohmann::json& blockFor(const nlohmann::json& data, const char* type);

  nlohmann::json blocks_ = nlohmann::json::array();
  std::map<std::pair<std::string, int64_t>, size_t> byKey_;  // (message_id, index) -> position
  std::map<std::string, size_t> toolUses_;                   // tool_use id -> position
};

}  // namespace devkit::runs
