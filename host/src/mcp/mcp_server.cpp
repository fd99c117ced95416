#include "mcp/mcp_server.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <system_error>
#include <thread>

#include "logging/logging.hpp"
#include "mcp/argument_check.hpp"
#include "mcp/json_rpc.hpp"
#include "plugins/plugin_loader.hpp"

namespace devkit::mcp {

namespace {

using nlohmann::json;

const std::vector<std::string> kLogLevels = {"debug", "info",     "notice", "warning",
                                             "error", "critical", "alert",  "emergency"};
constexpr const char* kCursorPrefix = "devkit-tools:";

std::string idKey(const json& id) { return id.dump(); }

/// Cuts `text` to at most `max` bytes without splitting a UTF-8 sequence.
std::string cutUtf8(const std::string& text, size_t max) {
  size_t end = std::min(max, text.size());
  while (end > 0 && end < text.size() && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) {
    --end;
  }
  return text.substr(0, end);
}

bool validRequestId(const json& id) { return id.is_string() || id.is_number_integer(); }

}  // namespace

// ---------------------------------------------------------------------------------------------
// Session

std::string Session::protocolVersion() const {
  std::lock_guard lock(mutex_);
  return protocolVersion_;
}
void Session::setProtocolVersion(const std::string& version) {
  std::lock_guard lock(mutex_);
  protocolVersion_ = version;
}
bool Session::initialized() const {
  std::lock_guard lock(mutex_);
  return initialized_;
}
void Session::setInitialized() {
  std::lock_guard lock(mutex_);
  initialized_ = true;
}
std::string Session::logLevel() const {
  std::lock_guard lock(mutex_);
  return logLevel_;
}
void Session::setLogLevel(const std::string& level) {
  std::lock_guard lock(mutex_);
  logLevel_ = level;
}

std::shared_ptr<std::atomic<bool>> Session::beginCall(const json& requestId) {
  std::lock_guard lock(mutex_);
  auto& flag = inFlight_[idKey(requestId)];
  // Kept when a transport registered the call already, so an early cancel is not lost.
  if (!flag) flag = std::make_shared<std::atomic<bool>>(false);
  return flag;
}

void Session::endCall(const json& requestId) {
  std::lock_guard lock(mutex_);
  inFlight_.erase(idKey(requestId));
}

bool Session::cancel(const json& requestId) {
  std::lock_guard lock(mutex_);
  const auto it = inFlight_.find(idKey(requestId));
  if (it == inFlight_.end()) return false;
  it->second->store(true);
  return true;
}

// ---------------------------------------------------------------------------------------------
// McpServer

const std::vector<std::string>& McpServer::supportedVersions() {
  static const std::vector<std::string> versions = {"2025-11-25", "2025-06-18", "2025-03-26",
                                                    "2024-11-05"};
  return versions;
}

McpServer::McpServer(std::shared_ptr<const ToolCatalog> catalog, Options options)
    : catalog_(std::move(catalog)), options_(std::move(options)) {
  for (const ToolEntry& entry : catalog_->tools()) all_.push_back(&entry.tool);
  if (options_.operationAfter.count() > 0) {
    if (const ToolEntry* clash = catalog_->find(kCheckOperationTool)) {
      throw plugins::PluginError("plugin '" + clash->pluginId + "' lists a tool named " +
                                 kCheckOperationTool +
                                 ", which is the host's own; rename it or set [mcp] "
                                 "operation_after_s = 0");
    }
    checkTool_ = {
        {"name", kCheckOperationTool},
        {"title", "Check a long tool call"},
        {"description",
         "Gets the result of a tool call that ran longer than the host waits for one: such a call "
         "answers with an operation_id and goes on in the background. This waits up to wait_s "
         "seconds (default 30) for it to finish and then returns its result, or says it is still "
         "running; call it again until it is done. cancel: true stops the operation."},
        {"inputSchema",
         {{"type", "object"},
          {"properties",
           {{"operation_id", {{"type", "string"}, {"minLength", 1}, {"maxLength", 64}}},
            {"wait_s", {{"type", "integer"}, {"minimum", 0}, {"maximum", 50}}},
            {"cancel", {{"type", "boolean"}}}}},
          {"required", {"operation_id"}},
          {"additionalProperties", false}}},
        {"annotations",
         {{"readOnlyHint", false}, {"destructiveHint", false}, {"openWorldHint", false}}}};
    all_.push_back(&checkTool_);
    std::sort(all_.begin(), all_.end(), [](const json* a, const json* b) {
      return a->value("name", "") < b->value("name", "");
    });
  }
}

bool McpServer::shutdown(std::chrono::milliseconds timeout) {
  std::unique_lock lock(threads_->mutex);
  threads_->closed = true;
  for (auto& [key, flag] : threads_->flags) flag->store(true);
  if (threads_->idle.wait_for(lock, timeout, [&] { return threads_->running == 0; })) return true;
  logging::get("mcp")->error("{} tool calls did not stop within {} ms of shutdown",
                             threads_->running, timeout.count());
  return false;
}

McpServer::~McpServer() {
  if (!shutdown(std::chrono::seconds(10))) {
    // Their threads still use this object and their plugins: ending the process is the only
    // safe way on (the host exits right after).
    logging::get("mcp")->critical("tool calls outlived the shutdown; exiting now");
    std::_Exit(70);
  }
}

std::optional<json> McpServer::handleText(std::string_view text, Session& session,
                                          const CallContext& context, const Notify& notify) {
  if (nestingDepth(text) > kMaxNesting) {
    return rpcError(nullptr, kInvalidRequest,
                    "invalid request: the message nests deeper than " +
                        std::to_string(kMaxNesting) + " levels");
  }
  json message = json::parse(text, nullptr, false);
  if (message.is_discarded()) {
    return rpcError(nullptr, kParseError, "parse error: the message is not valid JSON");
  }
  return handle(message, session, context, notify);
}

std::optional<json> McpServer::handle(const json& message, Session& session,
                                      const CallContext& context, const Notify& notify) {
  if (message.is_array()) {
    // JSON-RPC batches were removed from MCP in 2025-06-18.
    return rpcError(nullptr, kInvalidRequest, "invalid request: batches are not supported");
  }
  if (!message.is_object()) {
    return rpcError(nullptr, kInvalidRequest, "invalid request: a message is a JSON object");
  }
  const bool hasId = message.contains("id");
  const json id = hasId ? message["id"] : json(nullptr);
  if (message.value("jsonrpc", json()) != "2.0") {
    return rpcError(validRequestId(id) ? id : json(nullptr), kInvalidRequest,
                    "invalid request: \"jsonrpc\" must be \"2.0\"");
  }
  if (!message.contains("method")) {
    // A client's response (to a request this server never sends) or junk: nothing to answer.
    if (message.contains("result") || message.contains("error")) return std::nullopt;
    return rpcError(validRequestId(id) ? id : json(nullptr), kInvalidRequest,
                    "invalid request: no \"method\"");
  }
  if (!message["method"].is_string()) {
    return rpcError(validRequestId(id) ? id : json(nullptr), kInvalidRequest,
                    "invalid request: \"method\" must be a string");
  }
  if (hasId && !validRequestId(id)) {
    return rpcError(nullptr, kInvalidRequest,
                    "invalid request: \"id\" must be a string or integer");
  }
  const std::string method = message["method"].get<std::string>();
  const json params = message.value("params", json::object());

  if (!hasId) {  // a notification: never answered
    if (method == "notifications/initialized") {
      session.setInitialized();
    } else if (method == "notifications/cancelled" && params.is_object() &&
               params.contains("requestId")) {
      session.cancel(params["requestId"]);
    }
    return std::nullopt;
  }
  if (!params.is_object()) {
    return rpcError(id, kInvalidParams, "invalid params: \"params\" must be an object");
  }
  try {
    if (method == "initialize") return rpcResult(id, initialize(params, session));
    if (method == "server/discover") return rpcResult(id, discover());
    if (method == "ping") return rpcResult(id, json::object());
    if (method == "logging/setLevel") {
      const json level = params.value("level", json());
      if (!level.is_string() || std::find(kLogLevels.begin(), kLogLevels.end(),
                                          level.get<std::string>()) == kLogLevels.end()) {
        throw RpcError(kInvalidParams,
                       "invalid params: \"level\" must be one of debug, info, "
                       "notice, warning, error, critical, alert, emergency");
      }
      session.setLogLevel(level.get<std::string>());
      return rpcResult(id, json::object());
    }
    if (method == "tools/list") return rpcResult(id, listTools(params, context));
    if (method == "tools/call") return callTool(id, params, session, context, notify);
    return rpcError(id, kMethodNotFound, "method not found: " + method);
  } catch (const RpcError& e) {
    return rpcError(id, e.code(), e.what(), e.data());
  } catch (const std::exception& e) {
    logging::get("mcp")->error("{} failed: {}", method, e.what());
    return rpcError(id, kInternalError, std::string("internal error: ") + e.what());
  }
}

json McpServer::initialize(const json& params, Session& session) const {
  const json requested = params.value("protocolVersion", json());
  if (!requested.is_string()) {
    throw RpcError(kInvalidParams, "invalid params: \"protocolVersion\" must be a string");
  }
  const auto& versions = supportedVersions();
  // An unknown version gets our latest; the client decides whether it can speak it.
  const std::string version =
      std::find(versions.begin(), versions.end(), requested.get<std::string>()) != versions.end()
          ? requested.get<std::string>()
          : kLatestVersion;
  session.setProtocolVersion(version);
  return {{"protocolVersion", version},
          {"capabilities", {{"tools", {{"listChanged", true}}}, {"logging", json::object()}}},
          {"serverInfo",
           {{"name", "devkit"}, {"title", "Databricks AI Dev Kit"}, {"version", options_.version}}},
          {"instructions",
           "Tools of the Databricks AI Dev Kit host: they act on the user's Databricks workspace "
           "and project."}};
}

json McpServer::discover() const {
  // 2026-07-28 clients probe with server/discover; we speak the dated revisions before it.
  return {{"supportedVersions", supportedVersions()},
          {"capabilities", {{"tools", {{"listChanged", true}}}, {"logging", json::object()}}},
          {"serverInfo", {{"name", "devkit"}, {"version", options_.version}}},
          {"resultType", "complete"}};
}

json McpServer::listTools(const json& params, const CallContext& context) const {
  // The caller's tools: the catalog without those its project has off. Cursors index this list,
  // which stays the same for a caller while its run lasts.
  std::vector<const json*> tools;
  for (const json* tool : all_) {
    if (context.disabledTools.count(tool->value("name", "")) == 0) tools.push_back(tool);
  }
  size_t offset = 0;
  if (const auto it = params.find("cursor"); it != params.end() && !it->is_null()) {
    const std::string cursor = it->is_string() ? it->get<std::string>() : "";
    const std::string prefix = kCursorPrefix;
    bool ok = cursor.rfind(prefix, 0) == 0 && cursor.size() > prefix.size();
    if (ok) {
      try {
        size_t used = 0;
        offset = std::stoul(cursor.substr(prefix.size()), &used);
        ok = used == cursor.size() - prefix.size() && offset <= tools.size();
      } catch (const std::exception&) {
        ok = false;
      }
    }
    if (!ok) throw RpcError(kInvalidParams, "invalid params: unknown cursor");
  }
  json page = json::array();
  const size_t end = std::min(tools.size(), offset + options_.pageSize);
  for (size_t i = offset; i < end; ++i) page.push_back(*tools[i]);
  json result = {{"tools", std::move(page)}};
  if (end < tools.size()) result["nextCursor"] = kCursorPrefix + std::to_string(end);
  return result;
}

/// What a call shares between the request's handler and the thread the provider runs on.
struct McpServer::CallState {
  std::mutex mutex;  // done, response, operationId, lastProgress
  std::condition_variable finished;
  bool done = false;
  std::optional<json> response;
  std::string operationId;
  json lastProgress;  // handed to the operation when the call becomes one
  /// Its own lock: a notification can block on a slow client, and must not hold up the handler's
  /// deadline. Empty once the handler has answered (the call became an operation).
  std::mutex notifyMutex;
  Notify notify;
};

std::optional<json> McpServer::callTool(const json& id, const json& params, Session& session,
                                        const CallContext& context, const Notify& notify) {
  const json name = params.value("name", json());
  if (!name.is_string()) {
    throw RpcError(kInvalidParams, "invalid params: \"name\" must be a string");
  }
  const bool own = !checkTool_.is_null() && name == kCheckOperationTool;
  const ToolEntry* entry = own ? nullptr : catalog_->find(name.get<std::string>());
  if (entry == nullptr && !own) {
    throw RpcError(kInvalidParams, "unknown tool: " + name.get<std::string>());
  }
  if (context.disabledTools.count(name.get<std::string>()) != 0) {
    throw RpcError(kInvalidParams, "tool " + name.get<std::string>() +
                                       " is turned off in this project (its tool settings, or "
                                       "no enabled skill provides it)");
  }
  json arguments = params.value("arguments", json::object());
  if (arguments.is_null()) arguments = json::object();
  if (!arguments.is_object()) {
    throw RpcError(kInvalidParams, "invalid params: \"arguments\" must be an object");
  }
  const json& schema = own ? checkTool_["inputSchema"] : entry->tool["inputSchema"];
  if (std::string error = checkArguments(schema, arguments); !error.empty()) {
    throw RpcError(kInvalidParams,
                   "invalid arguments for tool " + name.get<std::string>() + ": " + error);
  }
  if (own) return rpcResult(id, checkOperation(arguments, context));

  json progressToken = nullptr;
  json toolUseId = nullptr;  // Claude Code says which tool_use of the run this call is
  if (const auto meta = params.find("_meta"); meta != params.end() && meta->is_object()) {
    progressToken = meta->value("progressToken", json());
    toolUseId = meta->value("claudecode/toolUseId", json());
  }
  const auto started = std::chrono::steady_clock::now();
  const json contextJson = {
      {"user", {{"email", context.userEmail}, {"name", context.userName}}},
      {"project_id", context.projectId.empty() ? json(nullptr) : json(context.projectId)},
      {"project_dir", context.projectDir.empty() ? json(nullptr) : json(context.projectDir)},
      {"run_id", context.runId.empty() ? json(nullptr) : json(context.runId)},
      {"databricks", context.databricksToken.empty() ? json(nullptr)
                                                     : json{{"host", context.databricksHost},
                                                            {"token", context.databricksToken}}}};

  // Everything the provider's thread uses is owned by it: the call may outlive this request.
  auto state = std::make_shared<CallState>();
  state->notify = notify;
  auto request = std::make_shared<core::ToolCallRequest>();
  request->name = name.get<std::string>();
  request->argumentsJson = arguments.dump();
  request->contextJson = contextJson.dump();
  const auto logFloor = std::find(kLogLevels.begin(), kLogLevels.end(), session.logLevel());
  const auto send = [state](json note) {
    std::lock_guard lock(state->notifyMutex);
    if (state->notify) state->notify(note);
  };
  request->onProgress = [this, state, send, progressToken, toolUseId, started,
                         runId = context.runId, tool = request->name](std::string_view text) {
    json progress = json::parse(text, nullptr, false);
    if (!progress.is_object()) return true;  // malformed progress is dropped, the call goes on
    if (!progressToken.is_null()) {
      json note = {{"progressToken", progressToken},
                   {"progress", progress.value("progress", json(0))}};
      if (progress.contains("total")) note["total"] = progress["total"];
      if (progress.contains("message")) note["message"] = progress["message"];
      send(rpcNotification("notifications/progress", std::move(note)));
    }
    {
      std::lock_guard lock(state->mutex);
      state->lastProgress = progress;
      if (!state->operationId.empty()) operations_.progress(state->operationId, progress);
    }
    if (!runId.empty() && options_.onRunProgress) {
      // The run event's shape (docs/events.md): {tool_use_id, tool_name, elapsed_s, progress...}.
      json event = {
          {"tool_name", tool},
          {"elapsed_s",
           std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count()}};
      if (toolUseId.is_string()) event["tool_use_id"] = toolUseId;
      for (const char* key : {"progress", "total", "message"}) {
        if (progress.contains(key)) event[key] = progress[key];
      }
      options_.onRunProgress(runId, std::move(event));
    }
    return true;
  };
  request->onLog = [send, logFloor](std::string_view text) {
    json message = json::parse(text, nullptr, false);
    if (!message.is_object()) return true;  // malformed messages are dropped
    if (!message.contains("level") || !message["level"].is_string()) return true;
    const auto level = std::find(kLogLevels.begin(), kLogLevels.end(), message["level"]);
    if (level == kLogLevels.end() || !message.contains("data") || level < logFloor) return true;
    json note = {{"level", *level}, {"data", std::move(message["data"])}};
    if (message.contains("logger") && message["logger"].is_string()) {
      note["logger"] = message["logger"];
    }
    send(rpcNotification("notifications/message", std::move(note)));
    return true;
  };
  const auto cancelled = session.beginCall(id);
  request->cancelled = cancelled.get();
  struct EndCall {  // the request's registration ends with this function, however it returns
    Session& session;
    const json& id;
    ~EndCall() { session.endCall(id); }
  } endCall{session, id};

  // Counted (and cancellable at shutdown) from here until the call's thread is done.
  uint64_t key = 0;
  {
    std::lock_guard lock(threads_->mutex);
    if (threads_->closed) throw RpcError(kInternalError, "the server is shutting down");
    if (threads_->running >= options_.maxRunningCalls) {
      throw RpcError(kInternalError, "too many tool calls are running (" +
                                         std::to_string(options_.maxRunningCalls) +
                                         "); try again when some have finished");
    }
    ++threads_->running;
    key = ++threads_->nextKey;
    threads_->flags[key] = cancelled;
  }
  const auto release = [threads = threads_, key] {
    std::lock_guard lock(threads->mutex);
    threads->flags.erase(key);
    --threads->running;
    threads->idle.notify_all();
  };

  const bool inline_ = options_.operationAfter.count() <= 0 || context.waitForResult;
  // The body of the call's thread (or of this one, inline). Never throws.
  auto work = [this, entry, id, request, context, state, toolUseId] {
    CallEnd end = runCall(*entry, id, *request, toolUseId);
    std::lock_guard lock(state->mutex);
    recordCall(context, std::move(end.record), state->operationId);
    if (state->operationId.empty()) {
      state->response = std::move(end.response);
    } else {
      // Nobody waits for the response any more: the operation keeps it as a CallToolResult.
      json result;
      if (end.response && end.response->contains("result")) {
        result = std::move((*end.response)["result"]);
      } else {
        const std::string text = end.response
                                     ? (*end.response)["error"].value("message", "the call failed")
                                     : std::string("the call was cancelled");
        result = {{"content", {{{"type", "text"}, {"text", text}}}}, {"isError", true}};
      }
      operations_.finish(state->operationId, std::move(result));
    }
    state->done = true;
  };
  if (inline_) {
    work();
    release();
    return std::move(state->response);
  }
  try {
    std::thread([work, release, state] {
      work();
      state->finished.notify_all();
      release();
    }).detach();
  } catch (const std::system_error& e) {
    release();
    throw RpcError(kInternalError, std::string("no thread for the tool call: ") + e.what());
  }

  std::unique_lock lock(state->mutex);
  if (state->finished.wait_for(lock, options_.operationAfter, [&] { return state->done; })) {
    return std::move(state->response);
  }
  // Past the limit: answer now with an operation id; the call goes on and check_operation_status
  // reads its result. From here on its notifications have no reader.
  state->operationId = operations_.start(context.userEmail + "\n" + context.projectId,
                                         request->name, cancelled, started);
  if (!state->lastProgress.is_null()) operations_.progress(state->operationId, state->lastProgress);
  const std::string operationId = state->operationId;
  const double waited = std::chrono::duration<double>(options_.operationAfter).count();
  json record = {{"tool_name", request->name},
                 {"plugin", entry->pluginId},
                 {"outcome", "operation"},
                 {"duration_ms", static_cast<int64_t>(waited * 1000)}};
  if (toolUseId.is_string()) record["tool_use_id"] = toolUseId;
  recordCall(context, std::move(record), operationId);  // under the lock: before the call's end
  lock.unlock();
  {
    std::lock_guard notifying(state->notifyMutex);
    state->notify = nullptr;
  }
  char text[512];
  std::snprintf(text, sizeof text,
                "%s is still running after %.0f s. It goes on in the background as operation %s: "
                "call %s with {\"operation_id\": \"%s\"} to wait for its result (it waits up to "
                "30 s per call; call it again while it is running).",
                request->name.c_str(), waited, operationId.c_str(), kCheckOperationTool,
                operationId.c_str());
  return rpcResult(id, {{"content", {{{"type", "text"}, {"text", text}}}},
                        {"structuredContent",
                         {{"operation_id", operationId},
                          {"status", "running"},
                          {"tool", request->name},
                          {"elapsed_s", waited}}}});
}

McpServer::CallEnd McpServer::runCall(const ToolEntry& entry, const json& id,
                                      core::ToolCallRequest& request, const json& toolUseId) {
  const auto started = std::chrono::steady_clock::now();
  core::CallOutcome outcome;
  try {
    outcome = entry.provider->callTool(request);
  } catch (const std::exception& e) {
    outcome = {DK_ERR_INTERNAL, "", e.what()};
  } catch (...) {
    outcome = {DK_ERR_INTERNAL, "", "unknown exception"};
  }
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::steady_clock::now() - started)
                      .count();

  std::string outcomeText;
  CallEnd end;
  const auto invalid = [&] {
    outcomeText = "invalid result";
    end.response = rpcError(id, kInternalError,
                            "internal error: plugin " + entry.pluginId +
                                " returned a result that is not a CallToolResult");
  };
  if (outcome.ok()) {
    json result = json::parse(outcome.output, nullptr, false);
    if (!result.is_object() || !result.contains("content") || !result["content"].is_array() ||
        (result.contains("isError") && !result["isError"].is_boolean())) {
      invalid();
    } else {
      try {
        outcomeText = result.value("isError", false) ? "tool error" : "ok";
        end.response = rpcResult(id, capResult(std::move(result)));
      } catch (const std::exception&) {
        invalid();  // a content block of the wrong shape
      }
    }
  } else if (outcome.status == DK_ERR_CANCELLED ||
             (request.cancelled != nullptr && request.cancelled->load())) {
    outcomeText = "cancelled";  // a cancelled request gets no response
  } else if (outcome.status == DK_ERR_INVALID_ARGUMENT || outcome.status == DK_ERR_NOT_FOUND) {
    outcomeText = "refused";
    end.response =
        rpcError(id, kInvalidParams, outcome.error.empty() ? "invalid params" : outcome.error);
  } else {
    outcomeText = "failed";
    end.response = rpcError(id, kInternalError,
                            "internal error: tool " + request.name + " failed" +
                                (outcome.error.empty() ? "" : ": " + outcome.error));
  }
  end.record = {{"tool_name", request.name},
                {"plugin", entry.pluginId},
                {"outcome", outcomeText},
                {"duration_ms", ms}};
  if (toolUseId.is_string()) end.record["tool_use_id"] = toolUseId;
  return end;
}

void McpServer::recordCall(const CallContext& context, json record,
                           const std::string& operationId) const {
  logging::get("mcp")->info("tool call {} ({}) run {}: {} in {} ms{}",
                            record.value("tool_name", ""), record.value("plugin", ""),
                            context.runId.empty() ? "-" : context.runId,
                            record.value("outcome", ""), record.value("duration_ms", int64_t{0}),
                            operationId.empty() ? "" : " (operation " + operationId + ")");
  if (context.runId.empty() || !options_.onRunCall) return;
  if (!operationId.empty()) record["operation_id"] = operationId;
  try {
    options_.onRunCall(context.runId, std::move(record));
  } catch (const std::exception& e) {
    logging::get("mcp")->warn("recording a tool call of run {} failed: {}", context.runId,
                              e.what());
  }
}

json McpServer::checkOperation(const json& arguments, const CallContext& context) {
  const std::string operationId = arguments["operation_id"];
  const std::string caller = context.userEmail + "\n" + context.projectId;
  const auto textResult = [](const std::string& text, bool error) {
    json result = {{"content", {{{"type", "text"}, {"text", text}}}}};
    if (error) result["isError"] = true;
    return result;
  };
  if (arguments.value("cancel", false) && !operations_.cancel(operationId, caller)) {
    return textResult("unknown operation " + operationId + " (it may have expired)", true);
  }
  const int waitS = arguments.value("wait_s", 30);
  const auto status = operations_.wait(operationId, caller, std::chrono::seconds(waitS));
  if (!status)
    return textResult("unknown operation " + operationId + " (it may have expired)", true);
  if (status->done) return capResult(status->result);
  std::string text = status->tool + " (operation " + operationId + ") is still running after " +
                     std::to_string(static_cast<int64_t>(status->elapsedS)) + " s";
  if (status->lastProgress.is_object() && status->lastProgress.contains("message") &&
      status->lastProgress["message"].is_string()) {
    text += "; last progress: " + status->lastProgress["message"].get<std::string>();
  }
  text += status->cancelled ? ". It was asked to stop." : ". Call check_operation_status again.";
  json result = textResult(text, false);
  result["structuredContent"] = {{"operation_id", operationId},
                                 {"status", status->cancelled ? "cancelling" : "running"},
                                 {"tool", status->tool},
                                 {"elapsed_s", status->elapsedS}};
  if (!status->lastProgress.is_null())
    result["structuredContent"]["progress"] = status->lastProgress;
  return result;
}

json McpServer::capResult(json result) const {
  // Claude Code drops larger results; cut the text ourselves and say how to get the rest.
  size_t total = 0;
  for (const json& block : result["content"]) {
    if (block.is_object() && block.value("type", "") == "text" && block.contains("text") &&
        block["text"].is_string()) {
      total += block["text"].get_ref<const std::string&>().size();
    }
  }
  if (total <= options_.maxResultChars) return result;
  size_t budget = options_.maxResultChars;
  for (json& block : result["content"]) {
    if (!block.is_object() || block.value("type", "") != "text" || !block["text"].is_string()) {
      continue;
    }
    auto& text = block["text"].get_ref<std::string&>();
    if (text.size() <= budget) {
      budget -= text.size();
      continue;
    }
    text = cutUtf8(text, budget);
    budget = 0;
  }
  result["content"].push_back(
      {{"type", "text"},
       {"text", "[The result was cut: " + std::to_string(options_.maxResultChars) + " of " +
                    std::to_string(total) +
                    " characters shown. Ask for less (a narrower filter, a LIMIT, fewer columns "
                    "or a page of the rest) to see what is missing.]"}});
  return result;
}

}  // namespace devkit::mcp
