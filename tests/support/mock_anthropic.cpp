#include "mock_anthropic.hpp"

#include <signal.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <mutex>
#include <random>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string_view>
#include <thread>

#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerRequestImpl.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/StreamSocket.h>
#include <Poco/ThreadPool.h>

namespace devkit::testing {

using nlohmann::json;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

namespace {

constexpr const char* kDefaultText = "mock: no scripted response";
constexpr auto kPingInterval = 1s;

// --- scenario checks ------------------------------------------------------------------------

[[noreturn]] void invalid(const std::string& where, const std::string& what) {
  throw std::invalid_argument("mock scenario: " + where + ": " + what);
}

void checkKeys(const json& object, const std::set<std::string>& allowed, const std::string& where) {
  if (!object.is_object()) invalid(where, "must be an object");
  for (const auto& [key, value] : object.items()) {
    // Unknown keys are refused so that a typo ("stop_reasons") fails loudly, not silently.
    if (!allowed.contains(key)) invalid(where, "unknown key \"" + key + "\"");
  }
}

void checkType(const json& object, const char* key, json::value_t type, const std::string& where) {
  if (!object.contains(key)) return;
  const json& value = object[key];
  const bool ok = type == json::value_t::number_unsigned
                      ? value.is_number_integer() && value.get<long long>() >= 0
                      : value.type() == type;
  if (!ok) invalid(where, std::string("\"") + key + "\" has the wrong type");
}

void checkWhen(const json& when, const std::string& where) {
  checkKeys(when,
            {"last_user_text_contains", "last_is_tool_result", "tool_result_contains",
             "system_contains", "body_contains", "model_contains"},
            where);
  for (const char* key : {"last_user_text_contains", "tool_result_contains", "system_contains",
                          "body_contains", "model_contains"}) {
    checkType(when, key, json::value_t::string, where);
  }
  checkType(when, "last_is_tool_result", json::value_t::boolean, where);
}

void checkBlock(const json& block, const std::string& where) {
  if (!block.is_object() || !block.contains("type") || !block["type"].is_string()) {
    invalid(where, "a content block needs a string \"type\"");
  }
  const std::string type = block["type"];
  if (type == "text") {
    checkKeys(block, {"type", "text", "chunks", "chunk_delay_ms"}, where);
    if (!block.contains("text")) invalid(where, "a text block needs \"text\"");
    checkType(block, "text", json::value_t::string, where);
  } else if (type == "thinking") {
    checkKeys(block, {"type", "thinking", "signature", "chunks", "chunk_delay_ms"}, where);
    checkType(block, "thinking", json::value_t::string, where);
    checkType(block, "signature", json::value_t::string, where);
  } else if (type == "redacted_thinking") {
    checkKeys(block, {"type", "data"}, where);
    checkType(block, "data", json::value_t::string, where);
  } else if (type == "tool_use") {
    checkKeys(block, {"type", "name", "input", "id", "chunks", "chunk_delay_ms"}, where);
    if (!block.contains("name") || !block["name"].is_string()) {
      invalid(where, "a tool_use block needs a string \"name\"");
    }
    if (block.contains("input") && !block["input"].is_object()) {
      invalid(where, "tool_use \"input\" must be an object");
    }
    checkType(block, "id", json::value_t::string, where);
  } else {
    invalid(where, "unsupported block type \"" + type + "\"");
  }
  checkType(block, "chunks", json::value_t::number_unsigned, where);
  checkType(block, "chunk_delay_ms", json::value_t::number_unsigned, where);
}

void checkResponse(const json& response, const std::string& where) {
  if (!response.is_object()) invalid(where, "must be an object");
  if (response.contains("status")) {
    checkKeys(
        response,
        {"status", "error", "retry_after", "headers", "delay_ms", "when", "repeat", "comment"},
        where);
    const json& status = response["status"];
    if (!status.is_number_integer() || status.get<int>() < 400 || status.get<int>() > 599) {
      invalid(where, "\"status\" must be an integer 400-599");
    }
    if (response.contains("retry_after") && !response["retry_after"].is_null() &&
        !response["retry_after"].is_number() && !response["retry_after"].is_string()) {
      invalid(where, "\"retry_after\" must be a number, a string or null");
    }
    if (response.contains("headers")) {
      checkType(response, "headers", json::value_t::object, where);
      for (const auto& [name, value] : response["headers"].items()) {
        if (!value.is_string()) invalid(where, "header \"" + name + "\" must be a string");
      }
    }
  } else {
    checkKeys(response,
              {"content", "stop_reason", "usage", "model", "hold_after_chunks", "error", "delay_ms",
               "when", "repeat", "comment"},
              where);
    if (!response.contains("content") || !response["content"].is_array()) {
      invalid(where, "needs a \"content\" array (or a \"status\" for an HTTP error)");
    }
    for (std::size_t i = 0; i < response["content"].size(); ++i) {
      checkBlock(response["content"][i], where + ".content[" + std::to_string(i) + "]");
    }
    checkType(response, "stop_reason", json::value_t::string, where);
    checkType(response, "usage", json::value_t::object, where);
    checkType(response, "model", json::value_t::string, where);
    checkType(response, "hold_after_chunks", json::value_t::number_unsigned, where);
  }
  if (response.contains("error")) checkType(response, "error", json::value_t::object, where);
  checkType(response, "delay_ms", json::value_t::number_unsigned, where);
  checkType(response, "repeat", json::value_t::boolean, where);
  if (response.contains("when")) checkWhen(response["when"], where + ".when");
}

void checkScenario(const json& scenario, const std::string& where) {
  checkKeys(scenario, {"responses", "structured_output", "default_text", "comment"}, where);
  if (scenario.contains("responses")) {
    if (!scenario["responses"].is_array()) invalid(where, "\"responses\" must be an array");
    for (std::size_t i = 0; i < scenario["responses"].size(); ++i) {
      checkResponse(scenario["responses"][i], where + ".responses[" + std::to_string(i) + "]");
    }
  }
  checkType(scenario, "default_text", json::value_t::string, where);
}

// --- request inspection -----------------------------------------------------------------------

const json* lastUserMessage(const json& body) {
  if (!body.is_object() || !body.contains("messages") || !body["messages"].is_array()) {
    return nullptr;
  }
  const json& messages = body["messages"];
  for (auto it = messages.rbegin(); it != messages.rend(); ++it) {
    if (it->is_object() && it->value("role", "") == "user") return &*it;
  }
  return nullptr;
}

/// A string, or the "text" of each text block of an array, joined by newlines.
std::string textOf(const json& content) {
  if (content.is_string()) return content.get<std::string>();
  std::string text;
  if (!content.is_array()) return text;
  for (const json& block : content) {
    if (block.is_object() && block.value("type", "") == "text" && block.contains("text") &&
        block["text"].is_string()) {
      if (!text.empty()) text += "\n";
      text += block["text"].get<std::string>();
    }
  }
  return text;
}

std::vector<json> toolResultsOf(const json* message) {
  std::vector<json> results;
  if (message == nullptr || !message->contains("content") || !(*message)["content"].is_array()) {
    return results;
  }
  for (const json& block : (*message)["content"]) {
    if (block.is_object() && block.value("type", "") == "tool_result") results.push_back(block);
  }
  return results;
}

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

bool matches(const json& when, const RecordedRequest& request) {
  if (when.contains("last_user_text_contains") &&
      !contains(request.lastUserText(), when["last_user_text_contains"])) {
    return false;
  }
  if (when.contains("last_is_tool_result") &&
      request.lastIsToolResult() != when["last_is_tool_result"].get<bool>()) {
    return false;
  }
  if (when.contains("tool_result_contains")) {
    const std::string needle = when["tool_result_contains"];
    const auto results = request.lastToolResults();
    if (std::none_of(results.begin(), results.end(), [&](const json& result) {
          return contains(textOf(result.value("content", json())), needle);
        })) {
      return false;
    }
  }
  if (when.contains("system_contains")) {
    const json system = request.body.is_object() ? request.body.value("system", json()) : json();
    if (!contains(textOf(system), when["system_contains"])) return false;
  }
  if (when.contains("body_contains") && !contains(request.rawBody, when["body_contains"])) {
    return false;
  }
  if (when.contains("model_contains")) {
    const json model = request.body.is_object() ? request.body.value("model", json()) : json();
    if (!model.is_string() || !contains(model.get<std::string>(), when["model_contains"])) {
      return false;
    }
  }
  return true;
}

bool endsWith(const std::string& text, std::string_view suffix) {
  return text.size() >= suffix.size() &&
         text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

RequestKind classify(const RecordedRequest& request) {
  if (request.method == "HEAD" || request.method == "GET") return RequestKind::kPreconnect;
  if (request.method != "POST") return RequestKind::kOther;
  // Suffix matches so that a base URL with a path prefix (a gateway such as Databricks'
  // /serving-endpoints/anthropic) works too.
  if (endsWith(request.path, "/v1/messages/count_tokens")) return RequestKind::kCountTokens;
  if (!endsWith(request.path, "/v1/messages")) return RequestKind::kOther;
  const json& body = request.body;
  if (body.is_object() && body.contains("output_config") && body["output_config"].is_object() &&
      body["output_config"].contains("format")) {
    return RequestKind::kStructured;
  }
  if (body.is_object() && body.contains("max_tokens") && body["max_tokens"].is_number() &&
      body["max_tokens"].get<double>() <= 1) {
    return RequestKind::kProbe;
  }
  return RequestKind::kMain;
}

// --- answers --------------------------------------------------------------------------------

/// A value that satisfies a JSON schema well enough for the CLI's side queries (titles etc.).
json fromSchema(const json& schema, const std::string& name) {
  if (!schema.is_object()) return "mock " + name;
  if (schema.contains("const")) return schema["const"];
  if (schema.contains("enum") && schema["enum"].is_array() && !schema["enum"].empty()) {
    return schema["enum"][0];
  }
  for (const char* key : {"anyOf", "oneOf"}) {
    if (schema.contains(key) && schema[key].is_array() && !schema[key].empty()) {
      return fromSchema(schema[key][0], name);
    }
  }
  std::string type = "string";
  if (schema.contains("type") && schema["type"].is_string()) type = schema["type"];
  if (schema.contains("type") && schema["type"].is_array()) {
    for (const json& t : schema["type"]) {
      if (t.is_string() && t != "null") {
        type = t;
        break;
      }
    }
  }
  if (type == "object" || schema.contains("properties")) {
    json object = json::object();
    if (schema.contains("properties") && schema["properties"].is_object()) {
      for (const auto& [key, sub] : schema["properties"].items())
        object[key] = fromSchema(sub, key);
    }
    return object;
  }
  if (type == "array") return json::array();
  if (type == "integer" || type == "number") return 0;
  if (type == "boolean") return false;
  if (type == "null") return nullptr;
  return "Mock " + name;
}

json textResponse(const std::string& text) {
  return {{"content", json::array({{{"type", "text"}, {"text", text}}})}};
}

/// Splits `text` into at most `n` pieces of about equal size, never inside a UTF-8 sequence.
std::vector<std::string> splitChunks(const std::string& text, std::size_t n) {
  std::vector<std::string> pieces;
  if (text.empty()) return pieces;
  n = std::max<std::size_t>(1, std::min(n, text.size()));
  std::size_t start = 0;
  for (std::size_t i = 1; i <= n && start < text.size(); ++i) {
    std::size_t end = i == n ? text.size() : text.size() * i / n;
    while (end < text.size() && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) ++end;
    if (end > start) pieces.push_back(text.substr(start, end - start));
    start = end;
  }
  return pieces;
}

const char* defaultErrorType(int status) {
  switch (status) {
    case 400:
      return "invalid_request_error";
    case 401:
      return "authentication_error";
    case 403:
      return "permission_error";
    case 404:
      return "not_found_error";
    case 413:
      return "request_too_large";
    case 429:
      return "rate_limit_error";
    case 529:
      return "overloaded_error";
    default:
      return "api_error";
  }
}

json errorBody(const json& error, int status) {
  json inner = error.is_object() ? error : json::object();
  if (!inner.contains("type")) inner["type"] = defaultErrorType(status);
  if (!inner.contains("message")) inner["message"] = "mock error " + std::to_string(status);
  return {{"type", "error"}, {"error", inner}};
}

void sendJson(Poco::Net::HTTPServerResponse& response, int status, const json& body) {
  const std::string text = body.dump();
  const auto code = static_cast<Poco::Net::HTTPResponse::HTTPStatus>(status);
  // Poco knows no reason phrase for Anthropic's own 529.
  response.setStatusAndReason(
      code, status == 529 ? "Overloaded" : Poco::Net::HTTPResponse::getReasonForStatus(code));
  response.setContentType("application/json");
  response.setContentLength(static_cast<std::streamsize>(text.size()));
  response.send() << text;
}

/// True when the peer closed its end: the socket reads as ready but holds no data.
bool peerClosed(Poco::Net::StreamSocket& socket) {
  try {
    if (socket.poll(Poco::Timespan(0),
                    Poco::Net::Socket::SELECT_READ | Poco::Net::Socket::SELECT_ERROR)) {
      return socket.available() <= 0;
    }
    return false;
  } catch (...) {
    return true;
  }
}

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

}  // namespace

const char* toString(RequestKind kind) {
  switch (kind) {
    case RequestKind::kMain:
      return "main";
    case RequestKind::kCountTokens:
      return "count_tokens";
    case RequestKind::kStructured:
      return "structured";
    case RequestKind::kProbe:
      return "probe";
    case RequestKind::kPreconnect:
      return "preconnect";
    case RequestKind::kOther:
      return "other";
  }
  return "?";
}

// --- RecordedRequest --------------------------------------------------------------------------

std::string RecordedRequest::header(const std::string& name) const {
  const auto it = headers.find(lower(name));
  return it == headers.end() ? "" : it->second;
}

std::string RecordedRequest::lastUserText() const {
  const json* message = lastUserMessage(body);
  return message == nullptr ? "" : textOf(message->value("content", json()));
}

bool RecordedRequest::lastIsToolResult() const { return !lastToolResults().empty(); }

std::vector<json> RecordedRequest::lastToolResults() const {
  return toolResultsOf(lastUserMessage(body));
}

// --- the server ---------------------------------------------------------------------------------

class MockAnthropic::Handler final : public Poco::Net::HTTPRequestHandler {
 public:
  explicit Handler(MockAnthropic& mock) : mock_(mock) {}
  void handleRequest(Poco::Net::HTTPServerRequest& request,
                     Poco::Net::HTTPServerResponse& response) override {
    mock_.handle(request, response);
  }

 private:
  MockAnthropic& mock_;
};

class MockAnthropic::Factory final : public Poco::Net::HTTPRequestHandlerFactory {
 public:
  explicit Factory(MockAnthropic& mock) : mock_(mock) {}
  Poco::Net::HTTPRequestHandler* createRequestHandler(
      const Poco::Net::HTTPServerRequest&) override {
    return new Handler(mock_);
  }

 private:
  MockAnthropic& mock_;
};

MockAnthropic::MockAnthropic(json scenario, uint16_t port) : started_(Clock::now()) {
  // A client that hangs up mid-stream (an interrupt, kill -9) must not kill the test process.
  static std::once_flag ignoreSigpipe;
  std::call_once(ignoreSigpipe, [] { ::signal(SIGPIPE, SIG_IGN); });

  std::random_device random;
  std::ostringstream prefix;
  prefix << std::hex << random() << random();
  idPrefix_ = prefix.str().substr(0, 12);

  setScenario(std::move(scenario));

  Poco::Net::ServerSocket socket;
  socket.bind(Poco::Net::SocketAddress("127.0.0.1", port), /*reuseAddress=*/true,
              /*reusePort=*/false);
  socket.listen(64);
  auto params = Poco::Net::HTTPServerParams::Ptr(new Poco::Net::HTTPServerParams);
  params->setMaxThreads(16);
  params->setMaxQueued(64);
  // One request per connection: an idle keep-alive socket would pin a worker thread.
  params->setKeepAlive(false);
  // Dispatcher threads re-check "stopped" this often; keeps the destructor quick.
  params->setThreadIdleTime(Poco::Timespan(0, 250000));
  params->setServerName("mock-anthropic");
  pool_ = std::make_unique<Poco::ThreadPool>("mock-anthropic", 2, 16, 60);
  server_ = std::make_unique<Poco::Net::HTTPServer>(new Factory(*this), *pool_, socket, params);
  server_->start();
}

MockAnthropic::~MockAnthropic() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  changed_.notify_all();
  server_->stopAll(/*abortCurrent=*/true);
  pool_->joinAll();
}

int MockAnthropic::port() const { return server_->port(); }

std::string MockAnthropic::baseUrl() const { return "http://127.0.0.1:" + std::to_string(port()); }

void MockAnthropic::setScenario(json scenario) {
  if (scenario.is_null()) scenario = json::object();
  checkScenario(scenario, "scenario");
  std::vector<Script> script;
  for (const json& response : scenario.value("responses", json::array())) {
    script.push_back({response, false});
  }
  std::lock_guard lock(mutex_);
  script_ = std::move(script);
  structuredOutput_ = scenario.value("structured_output", json());
  defaultText_ = scenario.value("default_text", std::string(kDefaultText));
}

void MockAnthropic::push(json response) {
  checkResponse(response, "pushed response");
  std::lock_guard lock(mutex_);
  script_.push_back({std::move(response), false});
}

std::size_t MockAnthropic::remaining() const {
  std::lock_guard lock(mutex_);
  return static_cast<std::size_t>(std::count_if(
      script_.begin(), script_.end(), [](const Script& script) { return !script.consumed; }));
}

std::vector<RecordedRequest> MockAnthropic::requests() const {
  std::lock_guard lock(mutex_);
  return requests_;
}

std::vector<RecordedRequest> MockAnthropic::mainRequests() const {
  std::lock_guard lock(mutex_);
  std::vector<RecordedRequest> main;
  std::copy_if(requests_.begin(), requests_.end(), std::back_inserter(main),
               [](const RecordedRequest& request) { return request.kind == RequestKind::kMain; });
  return main;
}

bool MockAnthropic::waitForRequests(std::size_t n, std::chrono::milliseconds timeout,
                                    std::optional<RequestKind> kind) const {
  std::unique_lock lock(mutex_);
  return changed_.wait_for(lock, timeout, [&] {
    const auto count = std::count_if(
        requests_.begin(), requests_.end(),
        [&](const RecordedRequest& request) { return !kind || request.kind == *kind; });
    return static_cast<std::size_t>(count) >= n;
  });
}

std::optional<Clock::time_point> MockAnthropic::firstRequestTime(RequestKind kind) const {
  std::lock_guard lock(mutex_);
  for (const auto& request : requests_) {
    if (request.kind == kind) return request.time;
  }
  return std::nullopt;
}

bool MockAnthropic::waitForHold(std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mutex_);
  return changed_.wait_for(lock, timeout, [&] { return !holds_.empty(); });
}

void MockAnthropic::release() {
  {
    std::lock_guard lock(mutex_);
    if (holds_.empty()) {
      ++bankedReleases_;
    } else {
      holds_.front()->released = true;
      holds_.pop_front();
    }
  }
  changed_.notify_all();
}

std::size_t MockAnthropic::holding() const {
  std::lock_guard lock(mutex_);
  return holds_.size();
}

void MockAnthropic::setListener(std::function<void(const RecordedRequest&)> listener) {
  std::lock_guard lock(mutex_);
  listener_ = std::move(listener);
}

int MockAnthropic::pickLocked(const RecordedRequest& request) {
  for (std::size_t i = 0; i < script_.size(); ++i) {
    Script& script = script_[i];
    if (script.consumed) continue;
    if (script.response.contains("when") && !matches(script.response["when"], request)) continue;
    if (!script.response.value("repeat", false)) script.consumed = true;
    return static_cast<int>(i);
  }
  return -1;
}

void MockAnthropic::markClientGone(std::size_t seq) {
  {
    std::lock_guard lock(mutex_);
    if (seq < requests_.size()) requests_[seq].clientGone = true;
  }
  changed_.notify_all();
}

bool MockAnthropic::sleepFor(std::chrono::milliseconds delay) {
  std::unique_lock lock(mutex_);
  return !changed_.wait_for(lock, delay, [&] { return stopping_; });
}

bool MockAnthropic::hold(Poco::Net::HTTPServerRequest& request, const std::function<bool()>& ping) {
  auto& socket = static_cast<Poco::Net::HTTPServerRequestImpl&>(request).socket();
  HoldSlot slot;
  std::unique_lock lock(mutex_);
  if (bankedReleases_ > 0) {
    --bankedReleases_;
    return true;
  }
  holds_.push_back(&slot);
  changed_.notify_all();
  auto lastPing = Clock::now();
  bool gone = false;
  while (!slot.released && !stopping_ && !gone) {
    changed_.wait_for(lock, 100ms);
    if (slot.released || stopping_) break;
    lock.unlock();
    // Poll for a hang-up so that an interrupted or killed client ends the hold at once; pings
    // (as the real API sends them) catch what the poll cannot see.
    gone = peerClosed(socket);
    if (!gone && Clock::now() - lastPing >= kPingInterval) {
      gone = !ping();
      lastPing = Clock::now();
    }
    lock.lock();
  }
  if (!slot.released) holds_.remove(&slot);
  changed_.notify_all();
  return slot.released;
}

std::string MockAnthropic::newId(const char* prefix) {
  std::lock_guard lock(mutex_);
  char counter[16];
  std::snprintf(counter, sizeof counter, "%06zu", nextId_++);
  return std::string(prefix) + "_mock" + idPrefix_ + counter;
}

void MockAnthropic::handle(Poco::Net::HTTPServerRequest& request,
                           Poco::Net::HTTPServerResponse& response) {
  RecordedRequest record;
  record.time = Clock::now();
  record.method = request.getMethod();
  record.target = request.getURI();
  record.path = record.target.substr(0, record.target.find('?'));
  if (record.method != "HEAD" && record.method != "GET") {
    record.rawBody.assign(std::istreambuf_iterator<char>(request.stream()),
                          std::istreambuf_iterator<char>());
  }
  if (record.path.starts_with("/_mock/")) {
    handleControl(record.method, record.path, record.rawBody, response);
    return;
  }
  for (const auto& [name, value] : request) {
    std::string& slot = record.headers[lower(name)];
    slot = slot.empty() ? value : slot + ", " + value;
  }
  record.body = json::parse(record.rawBody, nullptr, /*allow_exceptions=*/false);
  if (record.body.is_discarded()) record.body = nullptr;
  record.kind = classify(record);

  json spec;
  json structured;
  std::string defaultText;
  std::function<void(const RecordedRequest&)> listener;
  {
    std::lock_guard lock(mutex_);
    record.seq = requests_.size();
    if (record.kind == RequestKind::kMain) {
      record.scriptIndex = pickLocked(record);
      if (record.scriptIndex >= 0) spec = script_[record.scriptIndex].response;
    }
    requests_.push_back(record);
    structured = structuredOutput_;
    defaultText = defaultText_;
    listener = listener_;
  }
  changed_.notify_all();
  if (listener) listener(record);

  const json& body = record.body;
  const bool stream = body.is_object() && body.contains("stream") && body["stream"].is_boolean() &&
                      body["stream"].get<bool>();
  const std::string model = body.is_object() && body.contains("model") && body["model"].is_string()
                                ? body["model"].get<std::string>()
                                : "claude-mock";
  switch (record.kind) {
    case RequestKind::kPreconnect:
      if (record.method == "HEAD") {
        response.setContentLength(0);
        response.send();
      } else {
        sendJson(response, 200, json::object());
      }
      return;
    case RequestKind::kOther:
      sendJson(response, 404,
               errorBody({{"type", "not_found_error"},
                          {"message",
                           "mock-anthropic: no route for " + record.method + " " + record.path}},
                         404));
      return;
    case RequestKind::kCountTokens:
      sendJson(response, 200,
               {{"input_tokens", std::max<std::size_t>(1, record.rawBody.size() / 4)}});
      return;
    case RequestKind::kProbe:
      answer(request, response, textResponse("ok"), stream, model, record.seq);
      return;
    case RequestKind::kStructured: {
      const json& format = body["output_config"]["format"];
      if (structured.is_null()) {
        structured =
            fromSchema(format.is_object() ? format.value("schema", json()) : json(), "value");
      }
      answer(request, response, textResponse(structured.dump()), stream, model, record.seq);
      return;
    }
    case RequestKind::kMain:
      answer(request, response, spec.is_null() ? textResponse(defaultText) : spec, stream, model,
             record.seq);
      return;
  }
}

void MockAnthropic::answer(Poco::Net::HTTPServerRequest& request,
                           Poco::Net::HTTPServerResponse& response, const json& spec, bool stream,
                           const std::string& model, std::size_t seq) {
  if (spec.contains("delay_ms") && !sleepFor(std::chrono::milliseconds(spec["delay_ms"]))) return;
  const std::string requestId = newId("req");
  response.set("request-id", requestId);

  if (spec.contains("status")) {
    const int status = spec["status"];
    if (spec.contains("retry_after")) {
      const json& retry = spec["retry_after"];
      if (!retry.is_null()) {
        response.set("retry-after", retry.is_string() ? retry.get<std::string>() : retry.dump());
      }
    } else if (status == 429 || status == 529) {
      response.set("retry-after", "1");  // what the real API sends for rate limits / overload
    }
    const json headers = spec.value("headers", json::object());
    for (const auto& [name, value] : headers.items()) {
      response.set(name, value.get<std::string>());
    }
    sendJson(response, status, errorBody(spec.value("error", json()), status));
    return;
  }

  // The blocks as the finished message holds them, with generated ids and signatures.
  json blocks = json::array();
  std::size_t outputChars = 0;
  for (const json& block : spec["content"]) {
    const std::string type = block["type"];
    if (type == "text") {
      blocks.push_back({{"type", "text"}, {"text", block["text"]}});
      outputChars += block["text"].get<std::string>().size();
    } else if (type == "thinking") {
      const std::string thinking = block.value("thinking", "");
      blocks.push_back({{"type", "thinking"},
                        {"thinking", thinking},
                        {"signature", block.value("signature", newId("sig"))}});
      outputChars += thinking.size();
    } else if (type == "redacted_thinking") {
      blocks.push_back({{"type", "redacted_thinking"}, {"data", block.value("data", "")}});
    } else {
      const json input = block.value("input", json::object());
      blocks.push_back({{"type", "tool_use"},
                        {"id", block.value("id", newId("toolu"))},
                        {"name", block["name"]},
                        {"input", input}});
      outputChars += input.dump().size();
    }
  }
  const bool hasToolUse = std::any_of(blocks.begin(), blocks.end(),
                                      [](const json& b) { return b["type"] == "tool_use"; });
  const std::string stopReason =
      spec.value("stop_reason", std::string(hasToolUse ? "tool_use" : "end_turn"));
  json usage = {{"input_tokens", 10},
                {"cache_creation_input_tokens", 0},
                {"cache_read_input_tokens", 0},
                {"output_tokens", std::max<std::size_t>(1, outputChars / 4)}};
  usage.update(spec.value("usage", json::object()));
  const std::string messageId = newId("msg");
  const std::string messageModel = spec.value("model", model);
  const bool holds = spec.contains("hold_after_chunks");
  const std::size_t holdAfter = spec.value("hold_after_chunks", std::size_t{0});

  if (!stream) {
    if (holds && !hold(request, [] { return true; })) {
      markClientGone(seq);
      return;
    }
    if (spec.contains("error")) {
      sendJson(response, 500, errorBody(spec["error"], 500));
      return;
    }
    sendJson(response, 200,
             {{"id", messageId},
              {"type", "message"},
              {"role", "assistant"},
              {"model", messageModel},
              {"content", blocks},
              {"stop_reason", stopReason},
              {"stop_sequence", nullptr},
              {"usage", usage}});
    return;
  }

  response.setStatus(Poco::Net::HTTPResponse::HTTP_OK);
  response.setContentType("text/event-stream");
  response.set("Cache-Control", "no-cache");
  response.setChunkedTransferEncoding(true);
  std::ostream& out = response.send();
  auto emit = [&](const char* event, const json& data) {
    out << "event: " << event << "\ndata: " << data.dump() << "\n\n";
    out.flush();
    return static_cast<bool>(out);
  };
  auto ping = [&] { return emit("ping", {{"type", "ping"}}); };
  std::size_t deltas = 0;
  bool held = false;
  // Holds once `holdAfter` deltas are out; false when the stream must end (hang-up, stopping).
  auto maybeHold = [&](bool force) {
    if (!holds || held || (deltas < holdAfter && !force)) return true;
    held = true;
    if (hold(request, ping)) return true;
    markClientGone(seq);
    return false;
  };

  json startUsage = usage;
  startUsage["output_tokens"] = 1;
  if (!emit("message_start", {{"type", "message_start"},
                              {"message",
                               {{"id", messageId},
                                {"type", "message"},
                                {"role", "assistant"},
                                {"model", messageModel},
                                {"content", json::array()},
                                {"stop_reason", nullptr},
                                {"stop_sequence", nullptr},
                                {"usage", startUsage}}}})) {
    markClientGone(seq);
    return;
  }
  if (!maybeHold(false)) return;

  for (std::size_t index = 0; index < blocks.size(); ++index) {
    const json& source = spec["content"][index];
    const json& block = blocks[index];
    const std::string type = block["type"];
    json start = block;
    std::string whole;
    const char* deltaType = "text_delta";
    const char* deltaKey = "text";
    if (type == "text") {
      start["text"] = "";
      whole = block["text"];
    } else if (type == "thinking") {
      start["thinking"] = "";
      start["signature"] = "";
      whole = block["thinking"];
      deltaType = "thinking_delta";
      deltaKey = "thinking";
    } else if (type == "tool_use") {
      start["input"] = json::object();
      whole = block["input"].dump();
      deltaType = "input_json_delta";
      deltaKey = "partial_json";
    }
    if (!emit("content_block_start",
              {{"type", "content_block_start"}, {"index", index}, {"content_block", start}})) {
      markClientGone(seq);
      return;
    }
    const auto delay = std::chrono::milliseconds(source.value("chunk_delay_ms", 0));
    const auto pieces = splitChunks(whole, source.value("chunks", std::size_t{1}));
    for (std::size_t i = 0; i < pieces.size(); ++i) {
      if (i > 0 && delay.count() > 0 && !sleepFor(delay)) return;
      if (!emit("content_block_delta", {{"type", "content_block_delta"},
                                        {"index", index},
                                        {"delta", {{"type", deltaType}, {deltaKey, pieces[i]}}}})) {
        markClientGone(seq);
        return;
      }
      ++deltas;
      if (!maybeHold(false)) return;
    }
    if (type == "thinking" &&
        !emit("content_block_delta",
              {{"type", "content_block_delta"},
               {"index", index},
               {"delta", {{"type", "signature_delta"}, {"signature", block["signature"]}}}})) {
      markClientGone(seq);
      return;
    }
    if (!emit("content_block_stop", {{"type", "content_block_stop"}, {"index", index}})) {
      markClientGone(seq);
      return;
    }
  }
  if (!maybeHold(true)) return;

  const bool ok = spec.contains("error")
                      ? emit("error", errorBody(spec["error"], 500))
                      : emit("message_delta",
                             {{"type", "message_delta"},
                              {"delta", {{"stop_reason", stopReason}, {"stop_sequence", nullptr}}},
                              {"usage", usage}}) &&
                            emit("message_stop", {{"type", "message_stop"}});
  if (!ok) markClientGone(seq);
}

bool MockAnthropic::handleControl(const std::string& method, const std::string& path,
                                  const std::string& body,
                                  Poco::Net::HTTPServerResponse& response) {
  try {
    if (method == "GET" && path == "/_mock/requests") {
      json list = json::array();
      for (const auto& request : requests()) {
        list.push_back(
            {{"seq", request.seq},
             {"method", request.method},
             {"target", request.target},
             {"kind", toString(request.kind)},
             {"script_index", request.scriptIndex},
             {"client_gone", request.clientGone},
             {"time_ms",
              std::chrono::duration<double, std::milli>(request.time - started_).count()},
             // CLOCK_MONOTONIC, comparable with another process's monotonic clock (latency).
             {"monotonic_ms",
              std::chrono::duration<double, std::milli>(request.time.time_since_epoch()).count()},
             {"headers", request.headers},
             {"body", request.body}});
      }
      sendJson(response, 200, list);
      return true;
    }
    if (method == "GET" && path == "/_mock/state") {
      sendJson(
          response, 200,
          {{"remaining", remaining()}, {"holding", holding()}, {"requests", requests().size()}});
      return true;
    }
    if (method == "POST" && path == "/_mock/scenario") {
      setScenario(json::parse(body));
      sendJson(response, 200, {{"ok", true}});
      return true;
    }
    if (method == "POST" && path == "/_mock/push") {
      push(json::parse(body));
      sendJson(response, 200, {{"ok", true}});
      return true;
    }
    if (method == "POST" && path == "/_mock/release") {
      release();
      sendJson(response, 200, {{"ok", true}});
      return true;
    }
  } catch (const std::exception& e) {
    sendJson(response, 400,
             errorBody({{"type", "invalid_request_error"}, {"message", e.what()}}, 400));
    return false;
  }
  sendJson(response, 404,
           errorBody({{"type", "not_found_error"}, {"message", "unknown control route"}}, 404));
  return false;
}

json loadScenarioFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::invalid_argument("cannot read scenario file " + path);
  json scenario = json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (scenario.is_discarded()) throw std::invalid_argument(path + ": not valid JSON");
  checkScenario(scenario, path);
  return scenario;
}

}  // namespace devkit::testing
