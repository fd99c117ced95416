#include "tools/tool.hpp"

#include <atomic>
#include <chrono>
#include <ctime>
#include <fstream>
#include <stdexcept>

namespace devkit::databricks {

namespace fs = std::filesystem;
using devkit::sdk::Error;
using nlohmann::json;

namespace {

const json* findArg(const json& args, const char* name) {
  if (!args.is_object()) return nullptr;
  const auto it = args.find(name);
  return it == args.end() || it->is_null() ? nullptr : &*it;
}

[[noreturn]] void wrongType(const char* name, const char* expected) {
  throw Error(DK_ERR_INVALID_ARGUMENT,
              std::string("argument \"") + name + "\" must be " + expected);
}

std::string utcStamp() {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y%m%dT%H%M%SZ", &tm);
  return buffer;
}

}  // namespace

ToolContext::ToolContext(const json& args, RestClient& client, const ToolSettings& settings,
                         Caller caller, devkit::sdk::Sink progress, devkit::sdk::Host host)
    : args_(args),
      client_(client),
      settings_(settings),
      caller_(std::move(caller)),
      progress_(progress),
      host_(host) {}

std::string ToolContext::str(const char* name, const std::string& fallback) const {
  const json* v = findArg(args_, name);
  if (v == nullptr) return fallback;
  if (!v->is_string()) wrongType(name, "a string");
  return v->get<std::string>();
}

std::optional<std::string> ToolContext::optStr(const char* name) const {
  const json* v = findArg(args_, name);
  if (v == nullptr) return std::nullopt;
  if (!v->is_string()) wrongType(name, "a string");
  return v->get<std::string>();
}

int64_t ToolContext::integer(const char* name, int64_t fallback) const {
  const json* v = findArg(args_, name);
  if (v == nullptr) return fallback;
  if (v->is_number_integer()) return v->get<int64_t>();
  if (v->is_number_float()) {
    const double d = v->get<double>();
    if (d == static_cast<double>(static_cast<int64_t>(d))) return static_cast<int64_t>(d);
  }
  wrongType(name, "an integer");
}

bool ToolContext::boolean(const char* name, bool fallback) const {
  const json* v = findArg(args_, name);
  if (v == nullptr) return fallback;
  if (!v->is_boolean()) wrongType(name, "true or false");
  return v->get<bool>();
}

std::vector<std::string> ToolContext::strings(const char* name) const {
  const json* v = findArg(args_, name);
  if (v == nullptr) return {};
  if (!v->is_array()) wrongType(name, "an array of strings");
  std::vector<std::string> out;
  for (const auto& item : *v) {
    if (!item.is_string()) wrongType(name, "an array of strings");
    out.push_back(item.get<std::string>());
  }
  return out;
}

void ToolContext::progress(double n, std::optional<double> total,
                           const std::string& message) const {
  json note = {{"progress", n}, {"message", message}};
  if (total) note["total"] = *total;
  std::lock_guard<std::mutex> lock(progressMutex_);
  progress_.write(note.dump());
}

fs::path ToolContext::projectPath(const std::string& relative) const {
  if (caller_.projectDir.empty()) {
    throw ToolFailure(
        "this call is not inside a project, so there are no local files; give a "
        "remote path instead");
  }
  if (relative.empty()) throw Error(DK_ERR_INVALID_ARGUMENT, "the local path is empty");
  const fs::path root = fs::weakly_canonical(caller_.projectDir);
  fs::path candidate(relative);
  if (candidate.is_relative()) candidate = root / candidate;
  candidate = candidate.lexically_normal();
  const auto inside = [&](const fs::path& p) {
    const auto rel = p.lexically_relative(root);
    return !rel.empty() && *rel.begin() != ".." && !rel.is_absolute();
  };
  // Lexically first (no ".."), then through symlinks (no link leading out).
  if (!inside(candidate) && candidate != root) {
    throw Error(DK_ERR_INVALID_ARGUMENT,
                "the local path \"" + relative + "\" is outside the project");
  }
  const fs::path real = fs::weakly_canonical(candidate);
  if (!inside(real) && real != root) {
    throw Error(DK_ERR_INVALID_ARGUMENT,
                "the local path \"" + relative + "\" leads outside the project");
  }
  return candidate;
}

std::string ToolContext::saveResult(const std::string& tool, const std::string& extension,
                                    const std::string& content) const {
  static std::atomic<unsigned> counter{0};
  if (caller_.projectDir.empty()) {
    throw ToolFailure(
        "the result is too large to return and there is no project to save it "
        "in; ask for less (a filter or a limit)");
  }
  const fs::path dir = caller_.projectDir / ".devkit" / "results";
  std::error_code ec;
  fs::create_directories(dir, ec);
  const std::string name =
      tool + "-" + utcStamp() + "-" + std::to_string(++counter) + "." + extension;
  const fs::path temp = dir / ("." + name + ".tmp");
  {
    std::ofstream out(temp, std::ios::binary | std::ios::trunc);
    out.write(content.data(), static_cast<std::streamsize>(content.size()));
    if (!out) throw ToolFailure("could not save the result into the project (disk full?)");
  }
  fs::rename(temp, dir / name, ec);
  if (ec) throw ToolFailure("could not save the result into the project: " + ec.message());
  return (fs::path(".devkit") / "results" / name).string();
}

ToolResult ToolResult::text(std::string text) {
  ToolResult r;
  r.addText(std::move(text));
  return r;
}

ToolResult ToolResult::structured(nlohmann::json value) {
  ToolResult r;
  // Compact: the same data travels twice (text for clients that read only text).
  r.addText(value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  r.result_["structuredContent"] = std::move(value);
  return r;
}

ToolResult ToolResult::error(std::string text) {
  ToolResult r = ToolResult::text(std::move(text));
  r.result_["isError"] = true;
  return r;
}

ToolResult& ToolResult::addText(std::string text) {
  result_["content"].push_back({{"type", "text"}, {"text", std::move(text)}});
  return *this;
}

std::string ToolResult::dump() const {
  return result_.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

namespace {

size_t dumpedSize(const json& value) {
  return value.dump(-1, ' ', false, json::error_handler_t::replace).size();
}

std::string savedNote(const std::string& savedTo) {
  return savedTo.empty() ? "ask for less (a filter or a smaller limit)"
                         : "the full result is in " + savedTo + " (inside the project)";
}

}  // namespace

json capForAnswer(const ToolContext& ctx, const std::string& tool, json value,
                  const std::string& arrayKey) {
  const size_t limit = ctx.settings().maxResultChars;
  const std::string full = value.dump(-1, ' ', false, json::error_handler_t::replace);
  if (full.size() <= limit) return value;
  std::string savedTo;
  try {
    savedTo = ctx.saveResult(tool, "json", full);
  } catch (const ToolFailure&) {
    // No project: the answer says how to ask for less instead.
  }
  if (!value.is_object()) {
    json summary = {{"truncated", true}, {"chars", full.size()}, {"note", savedNote(savedTo)}};
    if (!savedTo.empty()) summary["saved_to"] = savedTo;
    return summary;
  }
  std::string key = arrayKey;
  if (key.empty()) {  // the largest array member holds the long list
    size_t largest = 0;
    for (const auto& [name, member] : value.items()) {
      if (!member.is_array()) continue;
      const size_t size = dumpedSize(member);
      if (size > largest) {
        largest = size;
        key = name;
      }
    }
  }
  const size_t target = limit * 8 / 10;
  size_t used = full.size();
  if (const auto it = value.find(key); !key.empty() && it != value.end() && it->is_array()) {
    json items = std::move(*it);
    const size_t total = items.size();
    used -= dumpedSize(items);
    json kept = json::array();
    for (auto& item : items) {
      const size_t size = dumpedSize(item) + 1;
      if (used + size > target) break;
      used += size;
      kept.push_back(std::move(item));
    }
    const size_t shown = kept.size();
    value[key] = std::move(kept);
    value["shown"] = shown;
    value["total"] = total;
    value["note"] = "Only the first " + std::to_string(shown) + " of " + std::to_string(total) +
                    " items are shown; " + savedNote(savedTo) + ".";
  } else {
    value["note"] =
        "The result was too large; large members are omitted; " + savedNote(savedTo) + ".";
  }
  value["truncated"] = true;
  if (!savedTo.empty()) value["saved_to"] = savedTo;
  // Whatever is still too large (long strings, nested lists) gives way, largest first.
  while (dumpedSize(value) > limit) {
    std::string largestName;
    size_t largest = 0;
    for (const auto& [name, member] : value.items()) {
      if (name == "note" || name == "saved_to") continue;
      const size_t size = dumpedSize(member);
      if (size > largest && size > 64) {
        largest = size;
        largestName = name;
      }
    }
    if (largestName.empty()) break;
    value[largestName] = "(omitted: " + std::to_string(largest) + " characters)";
  }
  return value;
}

ToolResult capResult(const ToolContext& ctx, const std::string& tool, ToolResult result) {
  const size_t limit = ctx.settings().maxResultChars;
  json& r = result.value();
  bool structuredCut = false;
  if (const auto it = r.find("structuredContent"); it != r.end() && dumpedSize(*it) > limit) {
    *it = capForAnswer(ctx, tool, std::move(*it), "");
    structuredCut = true;
  }
  size_t textSize = 0;
  std::string text;
  for (const auto& block : r["content"]) {
    if (block.value("type", "") != "text") continue;
    const std::string t = block.value("text", "");
    textSize += t.size();
    if (!text.empty()) text += "\n";
    text += t;
  }
  if (textSize <= limit) return result;
  json content = json::array();
  for (auto& block : r["content"]) {
    if (block.value("type", "") != "text") content.push_back(std::move(block));
  }
  if (structuredCut) {
    // The text is the structured result's own rendering: render the cut one.
    content.insert(content.begin(),
                   json{{"type", "text"},
                        {"text", r["structuredContent"].dump(-1, ' ', false,
                                                             json::error_handler_t::replace)}});
  } else {
    std::string savedTo;
    try {
      savedTo = ctx.saveResult(tool, "txt", text);
    } catch (const ToolFailure&) {
    }
    size_t keep = limit * 9 / 10;
    while (keep > 0 && (static_cast<unsigned char>(text[keep]) & 0xC0) == 0x80) --keep;
    content.insert(
        content.begin(),
        json{{"type", "text"},
             {"text", text.substr(0, keep) + "\n\n[cut: " + std::to_string(text.size() - keep) +
                          " more characters; " + savedNote(savedTo) + "]"}});
  }
  r["content"] = std::move(content);
  return result;
}

void ToolRegistry::add(ToolDef tool) {
  const std::string name = tool.name;
  if (!tools_.emplace(name, std::move(tool)).second) {
    throw std::logic_error("mcp-databricks: tool " + name + " is registered twice");
  }
}

const ToolDef* ToolRegistry::find(const std::string& name) const {
  const auto it = tools_.find(name);
  return it == tools_.end() ? nullptr : &it->second;
}

json ToolRegistry::list() const {
  json out = json::array();
  for (const auto& [name, tool] : tools_) {
    json entry = {{"name", name},
                  {"title", tool.title},
                  {"description", tool.description},
                  {"inputSchema", tool.inputSchema},
                  {"annotations",
                   {{"title", tool.title},
                    {"readOnlyHint", tool.readOnly},
                    {"destructiveHint", tool.destructive},
                    {"idempotentHint", tool.idempotent},
                    {"openWorldHint", true}}}};
    if (!tool.outputSchema.is_null()) entry["outputSchema"] = tool.outputSchema;
    out.push_back(std::move(entry));
  }
  return out;
}

}  // namespace devkit::databricks
