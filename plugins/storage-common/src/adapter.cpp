// StorageAdapter: every rule of docs/storage.md that is about the JSON (members, types, limits,
// defaults, cursors, pages, error texts) lives here once, so storage-local and storage-lakebase
// answer alike by construction.
#include "devkit/storage/adapter.hpp"

#include <Poco/Base64Decoder.h>
#include <Poco/Base64Encoder.h>
#include <Poco/Exception.h>

#include <charconv>
#include <cstdint>
#include <initializer_list>
#include <limits>
#include <optional>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "devkit/storage/util.hpp"

namespace devkit::storage {
namespace {

using devkit::sdk::Error;
using nlohmann::json;

constexpr size_t kMaxOwnerBytes = 320;
constexpr size_t kMaxIdBytes = 128;
constexpr size_t kMaxNameBytes = 200;
constexpr size_t kMaxTitleBytes = 500;
constexpr size_t kMaxEventTypeBytes = 64;
constexpr size_t kMaxStateKeyBytes = 200;
constexpr size_t kMaxMessagesPerAppend = 1000;
constexpr size_t kMaxEventsPerAppend = 10000;
constexpr int kDefaultListLimit = 100;
constexpr int kMaxListLimit = 1000;
constexpr int kDefaultMessageLimit = 100;
constexpr int kMaxMessageLimit = 1000;
constexpr int kDefaultEventLimit = 1000;
constexpr int kMaxEventLimit = 10000;
// A cursor is base64url("<sortUs>:<id>"): at most 20 + 1 + 128 bytes before encoding.
constexpr size_t kMaxCursorChars = 256;
constexpr int kCursorEncoding = Poco::BASE64_URL_ENCODING | Poco::BASE64_NO_PADDING;

[[noreturn]] void invalid(const std::string& message) {
  throw Error(DK_ERR_INVALID_ARGUMENT, message);
}

json parseRequest(std::string_view request) {
  json doc;
  try {
    doc = json::parse(request.begin(), request.end());
  } catch (const json::parse_error& e) {
    invalid("the request is not valid JSON (at byte " + std::to_string(e.byte) + ")");
  }
  if (!doc.is_object()) {
    invalid("the request must be a JSON object");
  }
  return doc;
}

/// The members of one JSON object, with the path used in error messages ("messages[3].").
class Members {
 public:
  explicit Members(const json& object, std::string prefix = "")
      : object_(object), prefix_(std::move(prefix)) {}

  /// The member, or nullptr when absent. Null counts as absent for members that have a default.
  const json* find(std::string_view key) const {
    const auto it = object_.find(key);
    return it == object_.end() ? nullptr : &*it;
  }
  const json* findNonNull(std::string_view key) const {
    const json* v = find(key);
    return v == nullptr || v->is_null() ? nullptr : v;
  }
  std::string label(std::string_view key) const { return "\"" + prefix_ + std::string(key) + "\""; }

 private:
  const json& object_;
  std::string prefix_;
};

bool isIdChar(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '.' || c == '-';
}

bool isValidId(std::string_view id) {
  if (id.empty() || id.size() > kMaxIdBytes) {
    return false;
  }
  for (char c : id) {
    if (!isIdChar(c)) {
      return false;
    }
  }
  return true;
}

std::optional<int64_t> asInt64(const json& v) {
  if (v.is_number_unsigned()) {
    const auto u = v.get<uint64_t>();
    if (u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
      return std::nullopt;
    }
    return static_cast<int64_t>(u);
  }
  if (v.is_number_integer()) {
    return v.get<int64_t>();
  }
  return std::nullopt;
}

std::string ownerOf(const Members& m) {
  const json* v = m.find("owner");
  if (v == nullptr || !v->is_string() || v->get_ref<const std::string&>().empty()) {
    invalid(m.label("owner") + " must be a non-empty string");
  }
  const auto& owner = v->get_ref<const std::string&>();
  if (owner.size() > kMaxOwnerBytes) {
    invalid(m.label("owner") + " must be at most " + std::to_string(kMaxOwnerBytes) + " bytes");
  }
  for (char c : owner) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) {
      invalid(m.label("owner") + " must not contain control characters");
    }
  }
  return owner;
}

std::string idOf(const Members& m, std::string_view key) {
  const json* v = m.find(key);
  if (v == nullptr || !v->is_string() || !isValidId(v->get_ref<const std::string&>())) {
    invalid(m.label(key) + " must be 1-" + std::to_string(kMaxIdBytes) +
            " characters of [A-Za-z0-9_.-]");
  }
  return v->get<std::string>();
}

std::optional<std::string> optionalIdOf(const Members& m, std::string_view key) {
  const json* v = m.findNonNull(key);
  if (v == nullptr) {
    return std::nullopt;
  }
  if (!v->is_string() || !isValidId(v->get_ref<const std::string&>())) {
    invalid(m.label(key) + " must be null or 1-" + std::to_string(kMaxIdBytes) +
            " characters of [A-Za-z0-9_.-]");
  }
  return v->get<std::string>();
}

/// A string of minBytes..maxBytes bytes; `fallback` (when set) stands in for an absent member.
std::string stringOf(const Members& m, std::string_view key, size_t minBytes, size_t maxBytes,
                     std::optional<std::string> fallback = std::nullopt) {
  const json* v = fallback ? m.findNonNull(key) : m.find(key);
  if (v == nullptr && fallback) {
    return *fallback;
  }
  const auto describe = [&] {
    return minBytes == 0 ? m.label(key) + " must be a string of at most " +
                               std::to_string(maxBytes) + " bytes"
                         : m.label(key) + " must be a string of " + std::to_string(minBytes) + "-" +
                               std::to_string(maxBytes) + " bytes";
  };
  if (v == nullptr || !v->is_string()) {
    invalid(describe());
  }
  const auto& s = v->get_ref<const std::string&>();
  if (s.size() < minBytes || s.size() > maxBytes) {
    invalid(describe());
  }
  return s;
}

std::string enumOf(const Members& m, std::string_view key,
                   std::initializer_list<std::string_view> allowed) {
  const json* v = m.find(key);
  if (v != nullptr && v->is_string()) {
    for (std::string_view a : allowed) {
      if (v->get_ref<const std::string&>() == a) {
        return std::string(a);
      }
    }
  }
  std::string list;
  for (std::string_view a : allowed) {
    list += (list.empty() ? "" : ", ") + std::string(a);
  }
  invalid(m.label(key) + " must be one of " + list);
}

/// An integer timestamp; absent or null means `fallback` (the current time for puts).
int64_t timestampOf(const Members& m, std::string_view key, int64_t fallback) {
  const json* v = m.findNonNull(key);
  if (v == nullptr) {
    return fallback;
  }
  const auto value = asInt64(*v);
  if (!value) {
    invalid(m.label(key) + " must be an integer (microseconds since the Unix epoch)");
  }
  return *value;
}

std::optional<int64_t> nullableTimestampOf(const Members& m, std::string_view key) {
  const json* v = m.findNonNull(key);
  if (v == nullptr) {
    return std::nullopt;
  }
  const auto value = asInt64(*v);
  if (!value) {
    invalid(m.label(key) + " must be an integer (microseconds since the Unix epoch) or null");
  }
  return value;
}

int64_t seqOf(const Members& m) {
  const json* v = m.find("seq");
  const auto value = v == nullptr ? std::nullopt : asInt64(*v);
  if (!value || *value < 0) {
    invalid(m.label("seq") + " must be an integer >= 0");
  }
  return *value;
}

json objectOrNullOf(const Members& m, std::string_view key) {
  const json* v = m.findNonNull(key);
  if (v == nullptr) {
    return nullptr;
  }
  if (!v->is_object()) {
    invalid(m.label(key) + " must be an object or null");
  }
  return *v;
}

int limitOf(const Members& m, int fallback, int max) {
  const json* v = m.findNonNull("limit");
  if (v == nullptr) {
    return fallback;
  }
  const auto value = asInt64(*v);
  if (!value || *value < 1 || *value > max) {
    invalid(m.label("limit") + " must be an integer from 1 to " + std::to_string(max));
  }
  return static_cast<int>(*value);
}

int64_t afterSeqOf(const Members& m) {
  const json* v = m.findNonNull("after_seq");
  if (v == nullptr) {
    return -1;
  }
  const auto value = asInt64(*v);
  if (!value || *value < -1) {
    invalid(m.label("after_seq") + " must be an integer >= -1");
  }
  return *value;
}

const json& arrayOf(const Members& m, std::string_view key, size_t maxItems, const char* what) {
  const json* v = m.find(key);
  if (v == nullptr || !v->is_array()) {
    invalid(m.label(key) + " must be an array of " + what);
  }
  if (v->size() > maxItems) {
    invalid(m.label(key) + " must hold at most " + std::to_string(maxItems) + " " + what +
            " per call");
  }
  return *v;
}

// ---- Cursors --------------------------------------------------------------------------------

std::string encodeCursor(const Keyset& position) {
  std::ostringstream out;
  {
    Poco::Base64Encoder encoder(out, kCursorEncoding);
    encoder.rdbuf()->setLineLength(0);
    encoder << position.sortUs << ':' << position.id;
    encoder.close();
  }
  return out.str();
}

std::optional<Keyset> cursorOf(const Members& m) {
  const json* v = m.findNonNull("cursor");
  if (v == nullptr) {
    return std::nullopt;
  }
  if (!v->is_string()) {
    invalid(m.label("cursor") + " must be a string or null");
  }
  const auto& text = v->get_ref<const std::string&>();
  const auto bad = [&]() -> Keyset {
    invalid(m.label("cursor") + " is not a cursor this storage returned");
  };
  if (text.empty() || text.size() > kMaxCursorChars) {
    return bad();
  }
  for (char c : text) {
    if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
          c == '_')) {
      return bad();
    }
  }
  std::string decoded;
  try {
    std::istringstream in(text);
    Poco::Base64Decoder decoder(in, kCursorEncoding);
    decoded.assign(std::istreambuf_iterator<char>(decoder), std::istreambuf_iterator<char>());
    if (decoder.bad()) {
      return bad();
    }
  } catch (const Poco::Exception&) {
    return bad();
  }
  const size_t colon = decoded.find(':');
  if (colon == std::string::npos || colon == 0) {
    return bad();
  }
  Keyset position;
  const char* begin = decoded.data();
  const char* end = decoded.data() + colon;
  const auto [ptr, ec] = std::from_chars(begin, end, position.sortUs);
  if (ec != std::errc() || ptr != end) {
    return bad();
  }
  position.id = decoded.substr(colon + 1);
  if (!isValidId(position.id)) {
    return bad();
  }
  return position;
}

// ---- Records <-> JSON ---------------------------------------------------------------------

json optionalToJson(const std::optional<std::string>& v) { return v ? json(*v) : json(nullptr); }

json toJson(const ProjectRecord& p) {
  return {{"id", p.id},
          {"owner", p.owner},
          {"name", p.name},
          {"settings", p.settings},
          {"created_us", p.createdUs},
          {"updated_us", p.updatedUs},
          {"conversation_count", p.conversationCount}};
}

json toJson(const ConversationRecord& c) {
  return {{"id", c.id},
          {"owner", c.owner},
          {"project_id", c.projectId},
          {"title", c.title},
          {"claude_session_id", optionalToJson(c.claudeSessionId)},
          {"created_us", c.createdUs},
          {"updated_us", c.updatedUs}};
}

json toJson(const MessageRecord& m) {
  return {{"conversation_id", m.conversationId},
          {"seq", m.seq},
          {"role", m.role},
          {"blocks", m.blocks},
          {"run_id", optionalToJson(m.runId)},
          {"created_us", m.createdUs}};
}

json toJson(const RunRecord& r) {
  return {{"id", r.id},
          {"owner", r.owner},
          {"conversation_id", r.conversationId},
          {"status", r.status},
          {"started_us", r.startedUs},
          {"ended_us", r.endedUs ? json(*r.endedUs) : json(nullptr)},
          {"usage", r.usage},
          {"cost_usd", r.costUsd ? json(*r.costUsd) : json(nullptr)},
          {"error", r.error}};
}

json toJson(const RunEventRecord& e) {
  return {{"run_id", e.runId},
          {"seq", e.seq},
          {"type", e.type},
          {"data", e.data},
          {"time_us", e.timeUs}};
}

json toJson(const ArchiveInfo& a) {
  if (!a.exists) {
    return {{"exists", false}};
  }
  return {{"exists", true}, {"size", a.size}, {"sha256", a.sha256}, {"created_us", a.createdUs}};
}

/// A keyset page: the backend was asked for limit + 1 rows; the extra one only says "there is
/// more", and the cursor points at the last row actually returned.
template <class Record, class SortKey>
std::string keysetPage(std::vector<Record> rows, int limit, SortKey sortKey) {
  const bool more = rows.size() > static_cast<size_t>(limit);
  if (more) {
    rows.resize(static_cast<size_t>(limit));
  }
  json items = json::array();
  for (const Record& r : rows) {
    items.push_back(toJson(r));
  }
  json page{{"items", std::move(items)}, {"next_cursor", nullptr}};
  if (more) {
    page["next_cursor"] = encodeCursor(sortKey(rows.back()));
  }
  return page.dump();
}

template <class Record>
std::string seqPage(std::vector<Record> rows, int limit) {
  const bool more = rows.size() > static_cast<size_t>(limit);
  if (more) {
    rows.resize(static_cast<size_t>(limit));
  }
  json items = json::array();
  for (const Record& r : rows) {
    items.push_back(toJson(r));
  }
  json page{{"items", std::move(items)}, {"next_after_seq", nullptr}};
  if (more) {
    page["next_after_seq"] = rows.back().seq;
  }
  return page.dump();
}

[[noreturn]] void notFound(const char* what, const std::string& id) {
  throw Error(DK_ERR_NOT_FOUND, std::string(what) + " " + id + " not found");
}

std::string deleted(bool value) { return json{{"deleted", value}}.dump(); }

// get_<object> and delete_<object>: the same request ({owner, id}) and the same 404 for all kinds.
template <typename Get>
std::string getById(std::string_view request, const char* what, Get get) {
  const json doc = parseRequest(request);
  const Members m(doc);
  const std::string owner = ownerOf(m);
  const std::string id = idOf(m, "id");
  const auto found = get(owner, id);
  if (!found) {
    notFound(what, id);
  }
  return toJson(*found).dump();
}

template <typename Delete>
std::string deleteById(std::string_view request, const char* what, Delete remove) {
  const json doc = parseRequest(request);
  const Members m(doc);
  const std::string owner = ownerOf(m);
  const std::string id = idOf(m, "id");
  if (!remove(owner, id)) {
    notFound(what, id);
  }
  return deleted(true);
}

}  // namespace

StorageAdapter::StorageAdapter(std::unique_ptr<StorageBackend> backend)
    : backend_(std::move(backend)) {
  if (!backend_) {
    throw Error(DK_ERR_INTERNAL, "StorageAdapter needs a backend");
  }
}

// ---- Projects ---------------------------------------------------------------------------------

std::string StorageAdapter::putProject(std::string_view request) {
  const json doc = parseRequest(request);
  const Members m(doc);
  ProjectRecord p;
  p.id = idOf(m, "id");
  p.owner = ownerOf(m);
  p.name = stringOf(m, "name", 1, kMaxNameBytes);
  if (const json* settings = m.findNonNull("settings")) {
    if (!settings->is_object()) {
      invalid(m.label("settings") + " must be an object");
    }
    p.settings = *settings;
  }
  const int64_t now = nowUs();
  p.createdUs = timestampOf(m, "created_us", now);
  p.updatedUs = timestampOf(m, "updated_us", now);
  return toJson(backend_->putProject(p)).dump();
}

std::string StorageAdapter::getProject(std::string_view request) {
  return getById(request, "project", [this](const std::string& owner, const std::string& id) {
    return backend_->getProject(owner, id);
  });
}

std::string StorageAdapter::listProjects(std::string_view request) {
  const json doc = parseRequest(request);
  const Members m(doc);
  const std::string owner = ownerOf(m);
  const int limit = limitOf(m, kDefaultListLimit, kMaxListLimit);
  const auto after = cursorOf(m);
  return keysetPage(backend_->listProjects(owner, after, limit + 1), limit,
                    [](const ProjectRecord& p) {
                      return Keyset{p.updatedUs, p.id};
                    });
}

std::string StorageAdapter::deleteProject(std::string_view request) {
  return deleteById(request, "project", [this](const std::string& owner, const std::string& id) {
    return backend_->deleteProject(owner, id);
  });
}

// ---- Conversations ----------------------------------------------------------------------------

std::string StorageAdapter::putConversation(std::string_view request) {
  const json doc = parseRequest(request);
  const Members m(doc);
  ConversationRecord c;
  c.id = idOf(m, "id");
  c.owner = ownerOf(m);
  c.projectId = idOf(m, "project_id");
  c.title = stringOf(m, "title", 0, kMaxTitleBytes, std::string());
  if (const json* session = m.findNonNull("claude_session_id")) {
    if (!session->is_string()) {
      invalid(m.label("claude_session_id") + " must be a string or null");
    }
    c.claudeSessionId = session->get<std::string>();
  }
  const int64_t now = nowUs();
  c.createdUs = timestampOf(m, "created_us", now);
  c.updatedUs = timestampOf(m, "updated_us", now);
  return toJson(backend_->putConversation(c)).dump();
}

std::string StorageAdapter::getConversation(std::string_view request) {
  return getById(request, "conversation", [this](const std::string& owner, const std::string& id) {
    return backend_->getConversation(owner, id);
  });
}

std::string StorageAdapter::listConversations(std::string_view request) {
  const json doc = parseRequest(request);
  const Members m(doc);
  const std::string owner = ownerOf(m);
  const std::string projectId = idOf(m, "project_id");
  const int limit = limitOf(m, kDefaultListLimit, kMaxListLimit);
  const auto after = cursorOf(m);
  return keysetPage(backend_->listConversations(owner, projectId, after, limit + 1), limit,
                    [](const ConversationRecord& c) {
                      return Keyset{c.updatedUs, c.id};
                    });
}

std::string StorageAdapter::deleteConversation(std::string_view request) {
  return deleteById(request, "conversation",
                    [this](const std::string& owner, const std::string& id) {
                      return backend_->deleteConversation(owner, id);
                    });
}

// ---- Messages ---------------------------------------------------------------------------------

std::string StorageAdapter::appendMessages(std::string_view request) {
  const json doc = parseRequest(request);
  const Members m(doc);
  const std::string owner = ownerOf(m);
  const std::string conversationId = idOf(m, "conversation_id");
  const json& items = arrayOf(m, "messages", kMaxMessagesPerAppend, "messages");
  const int64_t now = nowUs();
  std::vector<MessageRecord> messages;
  messages.reserve(items.size());
  for (size_t i = 0; i < items.size(); ++i) {
    const std::string prefix = "messages[" + std::to_string(i) + "].";
    if (!items[i].is_object()) {
      invalid("\"messages[" + std::to_string(i) + "]\" must be an object");
    }
    const Members item(items[i], prefix);
    MessageRecord msg;
    msg.conversationId = conversationId;
    msg.seq = seqOf(item);
    msg.role = enumOf(item, "role", {"user", "assistant", "system"});
    const json* blocks = item.find("blocks");
    if (blocks == nullptr || !blocks->is_array()) {
      invalid(item.label("blocks") + " must be an array of objects");
    }
    for (const json& block : *blocks) {
      if (!block.is_object()) {
        invalid(item.label("blocks") + " must be an array of objects");
      }
    }
    msg.blocks = *blocks;
    msg.runId = optionalIdOf(item, "run_id");
    msg.createdUs = timestampOf(item, "created_us", now);
    messages.push_back(std::move(msg));
  }
  const int appended = backend_->appendMessages(owner, conversationId, messages);
  return json{{"appended", appended}}.dump();
}

std::string StorageAdapter::listMessages(std::string_view request) {
  const json doc = parseRequest(request);
  const Members m(doc);
  const std::string owner = ownerOf(m);
  const std::string conversationId = idOf(m, "conversation_id");
  const int64_t afterSeq = afterSeqOf(m);
  const int limit = limitOf(m, kDefaultMessageLimit, kMaxMessageLimit);
  return seqPage(backend_->listMessages(owner, conversationId, afterSeq, limit + 1), limit);
}

// ---- Runs -------------------------------------------------------------------------------------

std::string StorageAdapter::putRun(std::string_view request) {
  const json doc = parseRequest(request);
  const Members m(doc);
  RunRecord r;
  r.id = idOf(m, "id");
  r.owner = ownerOf(m);
  r.conversationId = idOf(m, "conversation_id");
  r.status = enumOf(m, "status", {"running", "completed", "cancelled", "failed"});
  r.startedUs = timestampOf(m, "started_us", nowUs());
  r.endedUs = nullableTimestampOf(m, "ended_us");
  r.usage = objectOrNullOf(m, "usage");
  if (const json* cost = m.findNonNull("cost_usd")) {
    if (!cost->is_number()) {
      invalid(m.label("cost_usd") + " must be a number or null");
    }
    r.costUsd = cost->get<double>();
  }
  r.error = objectOrNullOf(m, "error");
  return toJson(backend_->putRun(r)).dump();
}

std::string StorageAdapter::getRun(std::string_view request) {
  return getById(request, "run", [this](const std::string& owner, const std::string& id) {
    return backend_->getRun(owner, id);
  });
}

std::string StorageAdapter::listRuns(std::string_view request) {
  const json doc = parseRequest(request);
  const Members m(doc);
  const std::string owner = ownerOf(m);
  const std::string conversationId = idOf(m, "conversation_id");
  const int limit = limitOf(m, kDefaultListLimit, kMaxListLimit);
  const auto after = cursorOf(m);
  return keysetPage(backend_->listRuns(owner, conversationId, after, limit + 1), limit,
                    [](const RunRecord& r) {
                      return Keyset{r.startedUs, r.id};
                    });
}

// ---- Run events -------------------------------------------------------------------------------

std::string StorageAdapter::appendRunEvents(std::string_view request) {
  const json doc = parseRequest(request);
  const Members m(doc);
  const std::string owner = ownerOf(m);
  const std::string runId = idOf(m, "run_id");
  const json& items = arrayOf(m, "events", kMaxEventsPerAppend, "events");
  const int64_t now = nowUs();
  std::vector<RunEventRecord> events;
  events.reserve(items.size());
  for (size_t i = 0; i < items.size(); ++i) {
    if (!items[i].is_object()) {
      invalid("\"events[" + std::to_string(i) + "]\" must be an object");
    }
    const Members item(items[i], "events[" + std::to_string(i) + "].");
    RunEventRecord e;
    e.runId = runId;
    e.seq = seqOf(item);
    e.type = stringOf(item, "type", 1, kMaxEventTypeBytes);
    if (const json* data = item.find("data")) {
      e.data = *data;
    }
    e.timeUs = timestampOf(item, "time_us", now);
    events.push_back(std::move(e));
  }
  const int appended = backend_->appendRunEvents(owner, runId, events);
  return json{{"appended", appended}}.dump();
}

std::string StorageAdapter::listRunEvents(std::string_view request) {
  const json doc = parseRequest(request);
  const Members m(doc);
  const std::string owner = ownerOf(m);
  const std::string runId = idOf(m, "run_id");
  const int64_t afterSeq = afterSeqOf(m);
  const int limit = limitOf(m, kDefaultEventLimit, kMaxEventLimit);
  return seqPage(backend_->listRunEvents(owner, runId, afterSeq, limit + 1), limit);
}

// ---- Archives ---------------------------------------------------------------------------------

std::string StorageAdapter::putArchive(std::string_view request, const devkit::sdk::Source& data) {
  const json doc = parseRequest(request);
  const Members m(doc);
  const std::string owner = ownerOf(m);
  const std::string projectId = idOf(m, "project_id");
  return toJson(backend_->putArchive(owner, projectId, data)).dump();
}

void StorageAdapter::getArchive(std::string_view request, const devkit::sdk::Sink& data) {
  const json doc = parseRequest(request);
  const Members m(doc);
  const std::string owner = ownerOf(m);
  const std::string projectId = idOf(m, "project_id");
  backend_->getArchive(owner, projectId, data);
}

std::string StorageAdapter::statArchive(std::string_view request) {
  const json doc = parseRequest(request);
  const Members m(doc);
  const std::string owner = ownerOf(m);
  const std::string projectId = idOf(m, "project_id");
  return toJson(backend_->statArchive(owner, projectId)).dump();
}

std::string StorageAdapter::deleteArchive(std::string_view request) {
  const json doc = parseRequest(request);
  const Members m(doc);
  const std::string owner = ownerOf(m);
  const std::string projectId = idOf(m, "project_id");
  return deleted(backend_->deleteArchive(owner, projectId));
}

// ---- Host state -------------------------------------------------------------------------------

void StorageAdapter::putState(std::string_view request) {
  const json doc = parseRequest(request);
  const Members m(doc);
  const std::string key = stringOf(m, "key", 1, kMaxStateKeyBytes);
  const json* value = m.find("value");
  if (value == nullptr) {
    invalid(m.label("value") + " is required (any JSON value)");
  }
  backend_->putState(key, *value);
}

std::string StorageAdapter::getState(std::string_view request) {
  const json doc = parseRequest(request);
  const Members m(doc);
  const std::string key = stringOf(m, "key", 1, kMaxStateKeyBytes);
  const auto value = backend_->getState(key);
  if (!value) {
    throw Error(DK_ERR_NOT_FOUND, "state " + key + " not found");
  }
  return json{{"value", *value}}.dump();
}

std::string StorageAdapter::health() { return backend_->health().dump(); }

}  // namespace devkit::storage
