#include "api/views.hpp"

#include "projects/project_files.hpp"

namespace devkit::api {
namespace {

using nlohmann::json;
using projects::files::isoTime;

// The member `key` moved out of `object`, or `fallback` when absent.
json take(json& object, const char* key, json fallback = nullptr) {
  const auto it = object.find(key);
  return it == object.end() ? std::move(fallback) : std::move(*it);
}

json timeOf(const json& object, const char* key) {
  const auto it = object.find(key);
  if (it == object.end() || !it->is_number_integer()) return nullptr;
  return isoTime(it->get<int64_t>());
}

}  // namespace

json projectView(json project, json settings) {
  return {{"id", take(project, "id", "")},
          {"name", take(project, "name", "")},
          {"user_email", take(project, "owner", "")},
          {"created_at", timeOf(project, "created_us")},
          {"updated_at", timeOf(project, "updated_us")},
          {"conversation_count", take(project, "conversation_count")},
          {"settings", std::move(settings)}};
}

json backupView(const json& status) {
  json out = {{"state", status.value("state", "clean")},
              {"last_backup_at", timeOf(status, "last_backup_us")}};
  for (const char* key : {"size", "sha256", "error", "result"}) {
    if (status.contains(key) && !status[key].is_null()) out[key] = status[key];
  }
  return out;
}

json conversationView(json conversation) {
  return {{"id", take(conversation, "id", "")},
          {"project_id", take(conversation, "project_id", "")},
          {"title", take(conversation, "title", "")},
          {"session_id", take(conversation, "claude_session_id")},
          {"created_at", timeOf(conversation, "created_us")},
          {"updated_at", timeOf(conversation, "updated_us")}};
}

json messageView(json message) {
  std::string content;
  bool isError = false;
  json blocks = take(message, "blocks", json::array());
  for (const json& block : blocks) {
    if (!block.is_object()) continue;
    const std::string type = block.value("type", "");
    if (type == "text" && block.value("text", json()).is_string()) {
      if (!content.empty()) content += "\n\n";
      content += block["text"].get<std::string>();
    } else if (type == "error") {
      isError = true;
    }
  }
  return {{"seq", message.value("seq", 0)},
          {"role", message.value("role", "")},
          {"blocks", std::move(blocks)},
          {"content", content},
          {"is_error", isError},
          {"run_id", take(message, "run_id")},
          {"created_at", timeOf(message, "created_us")}};
}

}  // namespace devkit::api
