// Translates the CLI's stream-json messages into the events of docs/events.md. Pure: no I/O, no
// threads; the session feeds it one parsed stdout line at a time (control frames excluded).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace devkit::agent_claude {

/// What system/init said about the CLI session.
struct InitInfo {
  std::string sessionId;
  std::string model;
  std::string version;
};

/// The outcome of one line.
struct Translation {
  std::vector<nlohmann::json> events;  // in order; each {"type": ..., ...}
  std::optional<InitInfo> init;        // the line was system/init
  std::optional<std::string> done;     // the line ended the turn: "completed" | "failed" |
                                       // "cancelled" (the done event itself is the caller's)
};

class Translator {
 public:
  /// Starts a new turn. `interrupted` of translate() says whether the user stopped it.
  void beginTurn();

  /// Translates one message. `interrupted`: the user asked to stop this turn, so its result ends
  /// it as "cancelled" without an error event.
  Translation translate(const nlohmann::json& message, bool interrupted);

  /// The CLI's running total_cost_usd for this process (reference A.5: cumulative per process).
  double cumulativeCostUsd() const { return cumulativeCostUsd_; }

 private:
  void onSystem(const nlohmann::json& m, Translation& out);
  void onStreamEvent(const nlohmann::json& m, Translation& out);
  void onAssistant(const nlohmann::json& m, Translation& out);
  void onUser(const nlohmann::json& m, Translation& out);
  void onResult(const nlohmann::json& m, bool interrupted, Translation& out);

  struct OpenBlock {
    int index = 0;
    std::string type;
  };
  struct ApiError {
    std::string kind;  // the assistant message's "error" (authentication_failed, rate_limit, ...)
    std::string text;
  };

  std::string streamMessageId_;           // from the last message_start
  std::optional<OpenBlock> openBlock_;    // between content_block_start and content_block_stop
  std::map<std::string, int> nextIndex_;  // message id -> index of its next content block
  std::optional<ApiError> apiError_;      // a synthetic error message seen in this turn
  double cumulativeCostUsd_ = 0;
};

/// docs/events.md error code for an API failure: from the HTTP status when known, else from the
/// CLI's error kind. Sets `retryable`.
std::string apiErrorCode(int httpStatus, const std::string& kind, bool& retryable);

/// Removes U+0000 from every string (keys too): PostgreSQL refuses it in text and jsonb.
void stripNul(nlohmann::json& value);

/// One event as the JSON text written to the host: NULs stripped, invalid UTF-8 replaced.
std::string eventText(nlohmann::json event);

}  // namespace devkit::agent_claude
