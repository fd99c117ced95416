#include "runs/message_builder.hpp"

namespace devkit::runs {
namespace {

using nlohmann::json;

std::string stringOf(const json& data, const char* key) {
  const auto it = data.find(key);
  return it != data.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

json& MessageBuilder::blockFor(const json& data, const char* type) {
  const auto index = data.value("index", json(0));
  const auto key = std::make_pair(stringOf(data, "message_id"),
                                  index.is_number_integer() ? index.get<int64_t>() : 0);
  if (const auto it = byKey_.find(key); it != byKey_.end() && blocks_[it->second]["type"] == type) {
    return blocks_[it->second];
  }
  byKey_[key] = blocks_.size();
  blocks_.push_back({{"type", type}, {type, ""}});
  return blocks_.back();
}

bool MessageBuilder::apply(const std::string& type, const json& data) {
  if (!data.is_object()) return false;
  if (type == "text_delta" || type == "thinking_delta") {
    const char* kind = type == "text_delta" ? "text" : "thinking";
    const std::string piece = stringOf(data, kind);
    if (piece.empty()) return false;
    json& block = blockFor(data, kind);
    block[kind] = block[kind].get<std::string>() + piece;
    return true;
  }
  if (type == "text" || type == "thinking") {
    blockFor(data, type.c_str())[type] = stringOf(data, type.c_str());
    return true;
  }
  if (type == "tool_use") {
    const std::string id = stringOf(data, "id");
    json block = {{"type", "tool_use"},
                  {"id", id},
                  {"name", stringOf(data, "name")},
                  {"input", data.value("input", json::object())}};
    if (const auto it = toolUses_.find(id); !id.empty() && it != toolUses_.end()) {
      blocks_[it->second] = std::move(block);
    } else {
      toolUses_[id] = blocks_.size();
      blocks_.push_back(std::move(block));
    }
    return true;
  }
  if (type == "tool_result") {
    json block = {{"type", "tool_result"},
                  {"tool_use_id", stringOf(data, "tool_use_id")},
                  {"content", data.value("content", json(""))},
                  {"is_error", data.value("is_error", false)}};
    if (data.contains("structured_content"))
      block["structured_content"] = data["structured_content"];
    blocks_.push_back(std::move(block));
    return true;
  }
  if (type == "error") {
    blocks_.push_back({{"type", "error"},
                       {"code", stringOf(data, "code")},
                       {"message", stringOf(data, "message")}});
    return true;
  }
  return false;
}

}  // namespace devkit::runs
