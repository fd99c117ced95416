#include "mcp/mcp_server.hpp"

#include <algorithm>
#include <chrono>

#include "logging/logging.hpp"
#include "mcp/argument_check.hpp"
#include "mcp/json_rpc.hpp"

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
    : catalog_(std::move(catalog)), options_(std::move(options)) {}

bool McpServer::wantsProgress(const json& message) {
  if (!message.is_object() || message.value("method", "") != "tools/call") return false;
  const auto params = message.find("params");
  return params != message.end() && params->is_object() && params->contains("_meta") &&
         (*params)["_meta"].is_object() && (*params)["_meta"].contains("progressToken");
}

std::optional<json> McpServer::handleText(std::string_view text, Session& session,
                                          const CallContext& context, const Notify& notify) {
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
    if (method == "tools/list") return rpcResult(id, listTools(params));
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

json McpServer::listTools(const json& params) const {
  size_t offset = 0;
  if (const auto it = params.find("cursor"); it != params.end() && !it->is_null()) {
    const std::string cursor = it->is_string() ? it->get<std::string>() : "";
    const std::string prefix = kCursorPrefix;
    bool ok = cursor.rfind(prefix, 0) == 0 && cursor.size() > prefix.size();
    if (ok) {
      try {
        size_t used = 0;
        offset = std::stoul(cursor.substr(prefix.size()), &used);
        ok = used == cursor.size() - prefix.size() && offset <= catalog_->tools().size();
      } catch (const std::exception&) {
        ok = false;
      }
    }
    if (!ok) throw RpcError(kInvalidParams, "invalid params: unknown cursor");
  }
  const auto& tools = catalog_->tools();
  json page = json::array();
  const size_t end = std::min(tools.size(), offset + options_.pageSize);
  for (size_t i = offset; i < end; ++i) page.push_back(tools[i].tool);
  json result = {{"tools", std::move(page)}};
  if (end < tools.size()) result["nextCursor"] = kCursorPrefix + std::to_string(end);
  return result;
}

std::optional<json> McpServer::callTool(const json& id, const json& params, Session& session,
                                        const CallContext& context, const Notify& notify) {
  const json name = params.value("name", json());
  if (!name.is_string()) {
    throw RpcError(kInvalidParams, "invalid params: \"name\" must be a string");
  }
  const ToolEntry* entry = catalog_->find(name.get<std::string>());
  if (entry == nullptr) {
    throw RpcError(kInvalidParams, "unknown tool: " + name.get<std::string>());
  }
  json arguments = params.value("arguments", json::object());
  if (arguments.is_null()) arguments = json::object();
  if (!arguments.is_object()) {
    throw RpcError(kInvalidParams, "invalid params: \"arguments\" must be an object");
  }
  if (std::string error = checkArguments(entry->tool["inputSchema"], arguments); !error.empty()) {
    throw RpcError(kInvalidParams,
                   "invalid arguments for tool " + name.get<std::string>() + ": " + error);
  }
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

  core::ToolCallRequest request;
  request.name = name.get<std::string>();
  request.argumentsJson = arguments.dump();
  request.contextJson = contextJson.dump();
  request.onProgress = [&](std::string_view text) {
    json progress = json::parse(text, nullptr, false);
    if (!progress.is_object()) return true;  // malformed progress is dropped, the call goes on
    if (!progressToken.is_null() && notify) {
      json note = {{"progressToken", progressToken},
                   {"progress", progress.value("progress", json(0))}};
      if (progress.contains("total")) note["total"] = progress["total"];
      if (progress.contains("message")) note["message"] = progress["message"];
      notify(rpcNotification("notifications/progress", std::move(note)));
    }
    if (!context.runId.empty() && options_.onRunProgress) {
      // The run event's shape (docs/events.md): {tool_use_id, tool_name, elapsed_s, progress...}.
      json event = {
          {"tool_name", request.name},
          {"elapsed_s",
           std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count()}};
      if (toolUseId.is_string()) event["tool_use_id"] = toolUseId;
      for (const char* key : {"progress", "total", "message"}) {
        if (progress.contains(key)) event[key] = progress[key];
      }
      options_.onRunProgress(context.runId, std::move(event));
    }
    return true;
  };
  const auto cancelled = session.beginCall(id);
  request.cancelled = cancelled.get();

  core::CallOutcome outcome;
  try {
    outcome = entry->provider->callTool(request);
  } catch (...) {
    session.endCall(id);
    throw;
  }
  session.endCall(id);
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::steady_clock::now() - started)
                      .count();

  std::string outcomeText;
  std::optional<json> response;
  if (outcome.ok()) {
    json result = json::parse(outcome.output, nullptr, false);
    if (!result.is_object() || !result.contains("content") || !result["content"].is_array()) {
      outcomeText = "invalid result";
      response = rpcError(id, kInternalError,
                          "internal error: plugin " + entry->pluginId +
                              " returned a result that is not a CallToolResult");
    } else {
      outcomeText = result.value("isError", false) ? "tool error" : "ok";
      response = rpcResult(id, capResult(std::move(result)));
    }
  } else if (outcome.status == DK_ERR_CANCELLED || cancelled->load()) {
    outcomeText = "cancelled";  // a cancelled request gets no response
  } else if (outcome.status == DK_ERR_INVALID_ARGUMENT || outcome.status == DK_ERR_NOT_FOUND) {
    outcomeText = "refused";
    response =
        rpcError(id, kInvalidParams, outcome.error.empty() ? "invalid params" : outcome.error);
  } else {
    outcomeText = "failed";
    response = rpcError(id, kInternalError,
                        "internal error: tool " + request.name + " failed" +
                            (outcome.error.empty() ? "" : ": " + outcome.error));
  }
  logging::get("mcp")->info("tool call {} ({}) run {}: {} in {} ms", request.name, entry->pluginId,
                            context.runId.empty() ? "-" : context.runId, outcomeText, ms);
  return response;
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
