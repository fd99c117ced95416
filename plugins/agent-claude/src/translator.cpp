#include "translator.hpp"

#include <algorithm>

namespace devkit::agent_claude {
namespace {

using nlohmann::json;

std::string str(const json& j, const char* key) {
  const auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// A member copied only when present and not null (optional event members are left out).
void copyIf(const json& from, const char* key, json& to, const char* as = nullptr) {
  const auto it = from.find(key);
  if (it != from.end() && !it->is_null()) to[as != nullptr ? as : key] = *it;
}

// Members read defensively: a null or mistyped member never throws, it reads as the default.
json number(const json& j, const char* key) {
  const auto it = j.find(key);
  return it != j.end() && it->is_number() ? *it : json(0);
}
int integer(const json& j, const char* key) {
  const auto it = j.find(key);
  return it != j.end() && it->is_number_integer() ? it->get<int>() : 0;
}
bool flag(const json& j, const char* key) {
  const auto it = j.find(key);
  return it != j.end() && it->is_boolean() && it->get<bool>();
}

std::string textOf(const json& content) {
  if (content.is_string()) return content.get<std::string>();
  std::string out;
  if (content.is_array()) {
    for (const auto& block : content) {
      if (block.is_object() && str(block, "type") == "text") out += str(block, "text");
    }
  }
  return out;
}

}  // namespace

std::string apiErrorCode(int httpStatus, const std::string& kind, bool& retryable) {
  if (httpStatus == 401 || httpStatus == 403 || kind == "authentication_failed") {
    retryable = false;
    return "authentication_failed";
  }
  if (httpStatus == 429 || kind == "rate_limit") {
    retryable = true;
    return "rate_limited";
  }
  if (httpStatus == 529 || kind == "overloaded") {
    retryable = true;
    return "overloaded";
  }
  retryable = httpStatus >= 500 || kind == "server_error";
  return "api_error";
}

void stripNul(json& value) {
  if (value.is_string()) {
    auto& s = value.get_ref<std::string&>();
    s.erase(std::remove(s.begin(), s.end(), '\0'), s.end());
  } else if (value.is_array()) {
    for (auto& item : value) stripNul(item);
  } else if (value.is_object()) {
    bool nulInKey = false;
    for (auto it = value.begin(); it != value.end(); ++it) {
      nulInKey = nulInKey || it.key().find('\0') != std::string::npos;
      stripNul(it.value());
    }
    if (nulInKey) {
      json clean = json::object();
      for (auto it = value.begin(); it != value.end(); ++it) {
        std::string key = it.key();
        key.erase(std::remove(key.begin(), key.end(), '\0'), key.end());
        clean[key] = std::move(it.value());
      }
      value = std::move(clean);
    }
  }
}

std::string eventText(json event) {
  stripNul(event);
  return event.dump(-1, ' ', false, json::error_handler_t::replace);
}

void Translator::beginTurn() {
  streamMessageId_.clear();
  openBlock_.reset();
  apiError_.reset();
}

Translation Translator::translate(const json& message, bool interrupted) {
  Translation out;
  if (!message.is_object()) return out;
  const std::string type = str(message, "type");
  if (type == "system") {
    onSystem(message, out);
  } else if (type == "stream_event") {
    onStreamEvent(message, out);
  } else if (type == "assistant") {
    onAssistant(message, out);
  } else if (type == "user") {
    onUser(message, out);
  } else if (type == "tool_progress") {
    json e = {{"type", "tool_progress"},
              {"tool_use_id", str(message, "tool_use_id")},
              {"tool_name", str(message, "tool_name")}};
    copyIf(message, "elapsed_time_seconds", e, "elapsed_s");
    out.events.push_back(std::move(e));
  } else if (type == "result") {
    onResult(message, interrupted, out);
  }
  // Everything else (rate_limit_event, tool_use_summary, prompt_suggestion, ...) has no event.
  return out;
}

void Translator::onSystem(const json& m, Translation& out) {
  const std::string subtype = str(m, "subtype");
  if (subtype == "init") {
    out.init = InitInfo{str(m, "session_id"), str(m, "model"), str(m, "claude_code_version")};
  } else if (subtype == "status") {
    const std::string state = str(m, "status");
    if (state == "requesting" || state == "compacting") {
      out.events.push_back({{"type", "status"}, {"state", state}});
    }
  } else if (subtype == "api_retry") {
    json e = {{"type", "status"}, {"state", "retrying"}};
    copyIf(m, "attempt", e);
    copyIf(m, "max_retries", e);
    copyIf(m, "retry_delay_ms", e);
    copyIf(m, "error_status", e);
    out.events.push_back(std::move(e));
  }
}

void Translator::onStreamEvent(const json& m, Translation& out) {
  const auto it = m.find("event");
  if (it == m.end() || !it->is_object()) return;
  const json& ev = *it;
  const std::string type = str(ev, "type");
  if (type == "message_start") {
    streamMessageId_ = ev.contains("message") ? str(ev["message"], "id") : std::string();
    openBlock_.reset();
  } else if (type == "content_block_start") {
    OpenBlock block;
    block.index = integer(ev, "index");
    if (ev.contains("content_block") && ev["content_block"].is_object()) {
      block.type = str(ev["content_block"], "type");
    }
    openBlock_ = block;
  } else if (type == "content_block_stop") {
    openBlock_.reset();
  } else if (type == "content_block_delta" && ev.contains("delta") && ev["delta"].is_object()) {
    const json& delta = ev["delta"];
    const std::string kind = str(delta, "type");
    const int index = integer(ev, "index");
    if (kind == "text_delta") {
      out.events.push_back({{"type", "text_delta"},
                            {"message_id", streamMessageId_},
                            {"index", index},
                            {"text", str(delta, "text")}});
    } else if (kind == "thinking_delta") {
      out.events.push_back({{"type", "thinking_delta"},
                            {"message_id", streamMessageId_},
                            {"index", index},
                            {"thinking", str(delta, "thinking")}});
    }
    // input_json_delta / signature_delta: the complete tool_use and thinking blocks follow.
  }
}

void Translator::onAssistant(const json& m, Translation& out) {
  const auto mit = m.find("message");
  if (mit == m.end() || !mit->is_object()) return;
  const json& msg = *mit;
  // A synthetic message carries an API failure (reference A.5); it becomes one error event when
  // the result arrives (which adds the HTTP status), not assistant text.
  if (m.contains("error") && m["error"].is_string()) {
    apiError_ = ApiError{m["error"].get<std::string>(), textOf(msg.value("content", json()))};
    return;
  }
  const std::string id = str(msg, "id");
  const auto cit = msg.find("content");
  if (cit == msg.end() || !cit->is_array()) return;

  std::map<std::string, std::string> displayNames;  // tool_use id -> display name
  if (m.contains("tool_use_meta") && m["tool_use_meta"].is_array()) {
    for (const auto& meta : m["tool_use_meta"]) {
      if (meta.is_object() && !str(meta, "display_name").empty()) {
        displayNames[str(meta, "id")] = str(meta, "display_name");
      }
    }
  }
  for (const auto& block : *cit) {
    if (!block.is_object()) continue;
    // Each block is its own assistant line sharing message.id; its index is the stream's open
    // block when partial messages are on, else the next one of this message.
    int index = nextIndex_[id];
    if (openBlock_ && streamMessageId_ == id) index = openBlock_->index;
    nextIndex_[id] = index + 1;
    const std::string type = str(block, "type");
    if (type == "text") {
      out.events.push_back(
          {{"type", "text"}, {"message_id", id}, {"index", index}, {"text", str(block, "text")}});
    } else if (type == "thinking") {
      out.events.push_back({{"type", "thinking"},
                            {"message_id", id},
                            {"index", index},
                            {"thinking", str(block, "thinking")}});
    } else if (type == "tool_use") {
      const std::string toolId = str(block, "id");
      const std::string name = str(block, "name");
      const json input = block.contains("input") ? block["input"] : json::object();
      json e = {{"type", "tool_use"}, {"message_id", id}, {"index", index},
                {"id", toolId},       {"name", name},     {"input", input}};
      if (const auto d = displayNames.find(toolId); d != displayNames.end()) {
        e["display_name"] = d->second;
      }
      out.events.push_back(std::move(e));
      if (name == "TodoWrite" && input.is_object() && input.contains("todos") &&
          input["todos"].is_array()) {
        out.events.push_back({{"type", "todos"}, {"todos", input["todos"]}});
      }
    }
  }
}

void Translator::onUser(const json& m, Translation& out) {
  if (flag(m, "isReplay")) return;
  const auto mit = m.find("message");
  if (mit == m.end() || !mit->is_object()) return;
  const auto cit = mit->find("content");
  if (cit == mit->end() || !cit->is_array()) return;  // a plain prompt or a local command
  // The sidecar holds the tool's raw output; MCP tools put machine-readable data in it.
  const json* structured = nullptr;
  if (m.contains("tool_use_result") && m["tool_use_result"].is_object() &&
      m["tool_use_result"].contains("structuredContent") &&
      !m["tool_use_result"]["structuredContent"].is_null()) {
    structured = &m["tool_use_result"]["structuredContent"];
  }
  for (const auto& block : *cit) {
    if (!block.is_object() || str(block, "type") != "tool_result") continue;
    json e = {
        {"type", "tool_result"},
        {"tool_use_id", str(block, "tool_use_id")},
        {"content",
         block.contains("content") && !block["content"].is_null() ? block["content"] : json("")},
        {"is_error", flag(block, "is_error")}};
    if (structured != nullptr) e["structured_content"] = *structured;
    out.events.push_back(std::move(e));
  }
}

void Translator::onResult(const json& m, bool interrupted, Translation& out) {
  // total_cost_usd is the process's running total; this turn's cost is the difference. A total
  // that went down (the CLI reset its counters) starts over.
  double total = cumulativeCostUsd_;
  if (m.contains("total_cost_usd") && m["total_cost_usd"].is_number()) {
    total = m["total_cost_usd"].get<double>();
  }
  const double cost = total >= cumulativeCostUsd_ ? total - cumulativeCostUsd_ : total;
  cumulativeCostUsd_ = total;

  const std::string subtype = str(m, "subtype");
  const bool isError = flag(m, "is_error") || subtype.starts_with("error");

  if (!interrupted) {
    std::string errors;
    if (m.contains("errors") && m["errors"].is_array()) {
      for (const auto& e : m["errors"]) {
        if (!e.is_string()) continue;
        if (!errors.empty()) errors += "; ";
        errors += e.get<std::string>();
      }
    }
    json error;
    if (subtype == "error_max_turns") {
      error = {{"code", "max_turns"},
               {"message", errors.empty() ? "The agent reached its turn limit." : errors},
               {"retryable", false}};
    } else if (subtype == "error_max_budget_usd") {
      error = {{"code", "max_budget"},
               {"message", errors.empty() ? "The agent reached its budget limit." : errors},
               {"retryable", false}};
    } else if (apiError_ || isError) {
      int status = 0;
      status = integer(m, "api_error_status");
      bool retryable = false;
      const std::string code = apiErrorCode(status, apiError_ ? apiError_->kind : "", retryable);
      std::string message = apiError_ ? apiError_->text : "";
      if (message.empty()) message = str(m, "result");
      if (message.empty()) message = errors;
      if (message.empty()) message = "The agent's LLM call failed (" + subtype + ").";
      // The CLI's own wording is written for its terminal UI ("Fix external API key"); say who
      // refused and with which status.
      if (code == "authentication_failed") {
        message = "The LLM endpoint refused the credentials: " + message;
      }
      if (status > 0 && message.find(std::to_string(status)) == std::string::npos) {
        message += " (HTTP " + std::to_string(status) + ")";
      }
      error = {{"code", code}, {"message", message}, {"retryable", retryable}};
    }
    if (!error.is_null()) {
      error["type"] = "error";
      out.events.push_back(std::move(error));
    }
  }

  json usage = json::object();
  if (m.contains("usage") && m["usage"].is_object()) {
    for (const char* key : {"input_tokens", "output_tokens", "cache_creation_input_tokens",
                            "cache_read_input_tokens"}) {
      usage[key] = number(m["usage"], key);
    }
  }
  json result = {{"type", "result"},
                 {"subtype", subtype},
                 {"is_error", isError},
                 {"duration_ms", number(m, "duration_ms")},
                 {"duration_api_ms", number(m, "duration_api_ms")},
                 {"num_turns", number(m, "num_turns")},
                 {"cost_usd", cost},
                 {"usage", usage},
                 {"stop_reason", m.contains("stop_reason") ? m["stop_reason"] : json()}};
  out.events.push_back(std::move(result));
  out.done = interrupted ? "cancelled" : (isError ? "failed" : "completed");
  beginTurn();
}

}  // namespace devkit::agent_claude
