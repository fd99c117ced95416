#pragma once

// A scripted stand-in for the Anthropic Messages API. The tests drive the real Claude Code CLI, and
// the real API is out of reach from the test machines (no network, no key), so the CLI talks to
// this server through ANTHROPIC_BASE_URL instead. Scenario format: tests/support/README.md.

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace Poco {
class ThreadPool;
namespace Net {
class HTTPServer;
class HTTPServerRequest;
class HTTPServerResponse;
}  // namespace Net
}  // namespace Poco

namespace devkit::testing {

/// What the mock took a request for. Only kMain requests consume scripted responses.
enum class RequestKind {
  kMain,         // POST /v1/messages: a conversation turn (main agent, subagent, compaction)
  kCountTokens,  // POST /v1/messages/count_tokens
  kStructured,   // POST /v1/messages with output_config.format: session titles, other side queries
  kProbe,        // POST /v1/messages with max_tokens <= 1: model validation, quota checks
  kPreconnect,   // HEAD / GET: the CLI's connection warm-up (HEAD ANTHROPIC_BASE_URL at startup)
  kOther,        // any other path, e.g. an MCP server url pointed here; answered 404
};

const char* toString(RequestKind kind);

/// One request as the mock received it.
struct RecordedRequest {
  std::size_t seq = 0;  // 0-based arrival order over every kind
  std::string method;
  std::string target;                          // as sent, with the query ("/v1/messages?beta=true")
  std::string path;                            // without the query
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string rawBody;
  nlohmann::json body;                         // null when the body is not JSON
  std::chrono::steady_clock::time_point time;  // arrival, for latency measurements
  RequestKind kind = RequestKind::kOther;
  int scriptIndex = -1;     // index of the scripted response that answered; -1 for a default one
  bool clientGone = false;  // the client hung up before the response was complete

  std::string header(const std::string& name) const;  // "" when absent; name in any case
  /// Text of the last role:"user" message (string content or its text blocks joined by "\n").
  std::string lastUserText() const;
  /// Whether the last role:"user" message carries a tool_result block.
  bool lastIsToolResult() const;
  /// The tool_result blocks of the last role:"user" message.
  std::vector<nlohmann::json> lastToolResults() const;
};

/// The mock server: Poco HTTP on 127.0.0.1, its own thread pool, answering from a JSON scenario.
/// Thread-safe. Besides the API it serves control routes for out-of-process users (the
/// mock-anthropic executable): GET /_mock/requests, POST /_mock/scenario, /_mock/push,
/// /_mock/release. Those are not recorded.
class MockAnthropic {
 public:
  /// Starts serving at once. Throws std::invalid_argument for a malformed scenario.
  explicit MockAnthropic(nlohmann::json scenario = nlohmann::json::object(), uint16_t port = 0);
  ~MockAnthropic();
  MockAnthropic(const MockAnthropic&) = delete;
  MockAnthropic& operator=(const MockAnthropic&) = delete;

  int port() const;
  std::string baseUrl() const;  // "http://127.0.0.1:<port>", for ANTHROPIC_BASE_URL

  /// Replaces the whole scenario; scripted responses start over. Throws std::invalid_argument.
  void setScenario(nlohmann::json scenario);
  /// Appends one scripted response. Throws std::invalid_argument.
  void push(nlohmann::json response);
  /// Scripted responses not consumed yet ("repeat" ones count until the end).
  std::size_t remaining() const;

  std::vector<RecordedRequest> requests() const;
  std::vector<RecordedRequest> mainRequests() const;
  /// Waits until at least `n` requests of `kind` (any kind when nullopt) have arrived.
  bool waitForRequests(std::size_t n, std::chrono::milliseconds timeout,
                       std::optional<RequestKind> kind = RequestKind::kMain) const;
  /// Arrival time of the first request of `kind`, if any came.
  std::optional<std::chrono::steady_clock::time_point> firstRequestTime(
      RequestKind kind = RequestKind::kMain) const;

  /// Waits until some response is holding (see "hold_after_chunks").
  bool waitForHold(std::chrono::milliseconds timeout) const;
  /// Lets one hold go on: the oldest one holding now, or else the next one to start.
  void release();
  std::size_t holding() const;

  /// Called on a server thread after each request is recorded (the executable logs with it).
  void setListener(std::function<void(const RecordedRequest&)> listener);

 private:
  class Handler;
  class Factory;
  struct Script {
    nlohmann::json response;
    bool consumed = false;
  };
  struct HoldSlot {
    bool released = false;
  };

  void handle(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response);
  bool handleControl(const std::string& method, const std::string& path, const std::string& body,
                     Poco::Net::HTTPServerResponse& response);
  /// Index into script_ of the response for a main request, or -1. Needs mutex_.
  int pickLocked(const RecordedRequest& request);
  /// Sends `spec` (a validated scripted response) as an HTTP error, a JSON message or SSE.
  void answer(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response,
              const nlohmann::json& spec, bool stream, const std::string& model, std::size_t seq);
  void markClientGone(std::size_t seq);
  /// Blocks until released, stopping, or the client hangs up (returns false for the last two).
  bool hold(Poco::Net::HTTPServerRequest& request, const std::function<bool()>& ping);
  /// Sleeps unless the server stops first; false when stopping.
  bool sleepFor(std::chrono::milliseconds delay);
  std::string newId(const char* prefix);

  mutable std::mutex mutex_;
  mutable std::condition_variable changed_;
  std::vector<Script> script_;
  nlohmann::json structuredOutput_;  // reply to kStructured requests; null: made from the schema
  std::string defaultText_;
  std::vector<RecordedRequest> requests_;
  std::function<void(const RecordedRequest&)> listener_;
  std::list<HoldSlot*> holds_;      // responses holding now, oldest first
  std::size_t bankedReleases_ = 0;  // release() calls that found nothing holding
  bool stopping_ = false;
  std::chrono::steady_clock::time_point started_;
  std::string idPrefix_;  // random per instance, so ids stay unique across mocks and resumes
  std::size_t nextId_ = 1;

  std::unique_ptr<Poco::ThreadPool> pool_;
  std::unique_ptr<Poco::Net::HTTPServer> server_;
};

/// Parses and checks a scenario file (for the executable). Throws std::invalid_argument.
nlohmann::json loadScenarioFile(const std::string& path);

}  // namespace devkit::testing
