#include "conversations/conversation_service.hpp"

#include "core/failure.hpp"
#include "projects/project_paths.hpp"

namespace devkit::conversations {
namespace {

using core::Failure;
using core::FailureKind;
using core::StorageOp;
using nlohmann::json;

constexpr size_t kMaxTitleBytes = 500;

void requireId(const std::string& id, const char* what) {
  if (!projects::ProjectPaths::validId(id)) throw Failure::notFound(what);
}

}  // namespace

json ConversationService::create(const std::string& owner, const std::string& projectId,
                                 const json& titleValue) {
  requireId(projectId, "project");
  std::string title = titleValue.is_null()
                          ? std::string()
                          : projects::validateText(titleValue, "title", kMaxTitleBytes, true);
  if (title.empty()) title = kDefaultTitle;
  const json conversation = {{"id", projects::newId()},
                             {"owner", owner},
                             {"project_id", projectId},
                             {"title", title},
                             {"claude_session_id", nullptr}};
  return store_.call(StorageOp::kPutConversation, conversation, "project");
}

json ConversationService::get(const std::string& owner, const std::string& id) {
  requireId(id, "conversation");
  return store_.call(StorageOp::kGetConversation, {{"owner", owner}, {"id", id}}, "conversation");
}

store::Page ConversationService::list(const std::string& owner, const std::string& projectId,
                                      int limit, const std::optional<std::string>& cursor) {
  requireId(projectId, "project");
  return store_.list(StorageOp::kListConversations,
                     {{"owner", owner}, {"project_id", projectId}, {"limit", limit}}, cursor,
                     "project");
}

json ConversationService::rename(const std::string& owner, const std::string& id,
                                 const json& titleValue) {
  std::string title = projects::validateText(titleValue, "title", kMaxTitleBytes, true);
  if (title.empty()) title = kDefaultTitle;
  json conversation = get(owner, id);
  conversation["title"] = title;
  conversation.erase("updated_us");
  return store_.call(StorageOp::kPutConversation, conversation, "conversation");
}

json ConversationService::touch(const std::string& owner, const std::string& id,
                                const std::string& claudeSessionId) {
  json conversation = get(owner, id);
  if (!claudeSessionId.empty()) conversation["claude_session_id"] = claudeSessionId;
  conversation.erase("updated_us");
  return store_.call(StorageOp::kPutConversation, conversation, "conversation");
}

std::string ConversationService::titleFrom(const std::string& message) {
  constexpr size_t kMaxBytes = 80;
  std::string line = message.substr(0, message.find('\n'));
  if (line.size() > kMaxBytes) {
    size_t cut = kMaxBytes;
    while (cut > 0 && (static_cast<unsigned char>(line[cut]) & 0xc0) == 0x80) --cut;  // no split
    line = line.substr(0, cut) + "\u2026";
  }
  for (char& c : line) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = ' ';
  }
  const auto first = line.find_first_not_of(' ');
  if (first == std::string::npos) return kDefaultTitle;
  return line.substr(first, line.find_last_not_of(' ') - first + 1);
}

void ConversationService::remove(const std::string& owner, const std::string& id) {
  requireId(id, "conversation");
  const auto deleting = runs_.beginConversationDelete(id);
  if (!deleting) {
    get(owner, id);  // another user's conversation is 404, not 409
    throw Failure(FailureKind::kConflict, "run_in_progress",
                  "a run is in progress in this conversation; stop it before deleting it");
  }
  store_.call(StorageOp::kDeleteConversation, {{"owner", owner}, {"id", id}}, "conversation");
}

ConversationService::Messages ConversationService::messages(const std::string& owner,
                                                            const std::string& id, int64_t afterSeq,
                                                            int limit) {
  requireId(id, "conversation");
  const json page = store_.call(
      StorageOp::kListMessages,
      {{"owner", owner}, {"conversation_id", id}, {"after_seq", afterSeq}, {"limit", limit}},
      "conversation");
  Messages out;
  out.items = page.value("items", json::array());
  if (page.contains("next_after_seq") && page["next_after_seq"].is_number_integer()) {
    out.nextAfterSeq = page["next_after_seq"].get<int64_t>();
  }
  return out;
}

}  // namespace devkit::conversations
