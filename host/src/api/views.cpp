#include "api/views.hpp"

#include "projects/project_files.hpp"

namespace devkit::api {
namespace {

using nlohmann::json;
using projects::files::isoTime;

json timeOf(const json& object, const char* key) {
  const auto it = object.find(key);
  if (it == object.end() || !it->is_number_integer()) return nullptr;
  return isoTime(it->get<int64_t>());
}

}  // namespace

json projectView(const json& project, const json& settings) {
  return {{"id", project.value("id", "")},
          {"name", project.value("name", "")},
          {"user_email", project.value("owner", "")},
          {"created_at", timeOf(project, "created_us")},
          {"updated_at", timeOf(project, "updated_us")},
          {"conversation_count", project.value("conversation_count", json())},
          {"settings", settings}};
}

json backupView(const json& status) {
  json out = {{"state", status.value("state", "clean")},
              {"last_backup_at", timeOf(status, "last_backup_us")}};
  for (const char* key : {"size", "sha256", "error", "result"}) {
    if (status.contains(key) && !status[key].is_null()) out[key] = status[key];
  }
  return out;
}

json conversationView(const json& conversation) {
  return {{"id", conversation.value("id", "")},
          {"project_id", conversation.value("project_id", "")},
          {"title", conversation.value("title", "")},
          {"session_id", conversation.value("claude_session_id", json())},
          {"created_at", timeOf(conversation, "created_us")},
          {"updated_at", timeOf(conversation, "updated_us")}};
}

json messageView(const json& message) {
  std::string content;
  bool isError = false;
  const json blocks = message.value("blocks", json::array());
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
          {"blocks", blocks},
          {"content", content},
          {"is_error", isError},
          {"run_id", message.value("run_id", json())},
          {"created_at", timeOf(message, "created_us")}};
}

}  // namespace devkit::api
