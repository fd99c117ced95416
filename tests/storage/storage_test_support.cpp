#include "storage_test_support.hpp"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <mutex>
#include <random>
#include <sstream>
#include <stdexcept>
#include <utility>

#include <Poco/DigestEngine.h>

#include "plugins/plugin_loader.hpp"
#include "plugins/proxies.hpp"

void PrintTo(dk_status status, std::ostream* os) { *os << devkit::plugins::statusName(status); }

namespace devkit::storage_test {
namespace {

constexpr const char* kHostVersion = "0.0.0-storage-test";

std::string plugin(const std::string& param) { return "storage-" + param; }

// One library per plugin for the whole run: loading and unloading a plugin (and the SQLite and
// libpq it pulls in) for every test would test the loader, not the storage.
std::shared_ptr<plugins::LoadedLibrary> library(const std::string& id) {
  static std::mutex mutex;
  static std::map<std::string, std::shared_ptr<plugins::LoadedLibrary>> libraries;
  std::lock_guard lock(mutex);
  auto& lib = libraries[id];
  if (!lib) {
    lib = plugins::loadPlugin(DEVKIT_PLUGIN_OUTPUT_DIR, id, id + ".so", kHostVersion,
                              plugins::UnloadPolicy::kOnRelease);
  }
  return lib;
}

std::string shorten(const std::string& text, size_t limit) {
  if (text.size() <= limit) return text;
  return text.substr(0, limit) + "...(" + std::to_string(text.size()) + " bytes)";
}

std::string replaceAll(std::string text, const std::string& from, const std::string& to) {
  for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
  return text;
}

const std::map<std::string, core::StorageOp>& jsonOps() {
  static const std::map<std::string, core::StorageOp> ops = {
      {"put_project", core::StorageOp::kPutProject},
      {"get_project", core::StorageOp::kGetProject},
      {"list_projects", core::StorageOp::kListProjects},
      {"delete_project", core::StorageOp::kDeleteProject},
      {"put_conversation", core::StorageOp::kPutConversation},
      {"get_conversation", core::StorageOp::kGetConversation},
      {"list_conversations", core::StorageOp::kListConversations},
      {"delete_conversation", core::StorageOp::kDeleteConversation},
      {"append_messages", core::StorageOp::kAppendMessages},
      {"list_messages", core::StorageOp::kListMessages},
      {"put_run", core::StorageOp::kPutRun},
      {"get_run", core::StorageOp::kGetRun},
      {"list_runs", core::StorageOp::kListRuns},
      {"append_run_events", core::StorageOp::kAppendRunEvents},
      {"list_run_events", core::StorageOp::kListRunEvents},
      {"stat_archive", core::StorageOp::kStatArchive},
      {"delete_archive", core::StorageOp::kDeleteArchive},
      {"get_state", core::StorageOp::kGetState},
  };
  return ops;
}

std::string trim(std::string s) {
  const auto notSpace = [](unsigned char c) { return !std::isspace(c); };
  s.erase(s.begin(), std::find_if(s.begin(), s.end(), notSpace));
  s.erase(std::find_if(s.rbegin(), s.rend(), notSpace).base(), s.end());
  return s;
}

}  // namespace

std::string Reply::describe() const {
  std::string text = op + " " + shorten(request, 400) + " -> " + plugins::statusName(status());
  if (!outcome.error.empty()) text += ": " + shorten(outcome.error, 400);
  if (!outcome.output.empty()) text += " (output: " + shorten(outcome.output, 400) + ")";
  return text;
}

int64_t nowUs() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

int64_t procStatusBytes(const char* field) {
  std::ifstream in("/proc/self/status");
  const std::string prefix = std::string(field) + ":";
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(prefix, 0) == 0) {
      return std::stoll(line.substr(prefix.size())) * 1024;  // "VmRSS:   1234 kB"
    }
  }
  return 0;
}

RssSampler::RssSampler() : peak_(procStatusBytes("VmRSS")) {
  thread_ = std::thread([this] {
    while (!stop_.load()) {
      const int64_t rss = procStatusBytes("VmRSS");
      if (rss > peak_.load()) peak_.store(rss);
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
  });
}

RssSampler::~RssSampler() { stop(); }

int64_t RssSampler::stop() {
  stop_.store(true);
  if (thread_.joinable()) thread_.join();
  return peak_.load();
}

ByteGenerator::ByteGenerator(uint64_t seed, uint64_t total)
    : state_(seed == 0 ? 0x9e3779b97f4a7c15ULL : seed), total_(total) {}

int64_t ByteGenerator::read(char* buffer, size_t capacity) {
  if (produced_ == total_) return 0;
  uint64_t n = std::min<uint64_t>(capacity, total_ - produced_);
  // Every third read is short: a source may return fewer bytes than asked for.
  if (++calls_ % 3 == 0) n = std::max<uint64_t>(1, n / 3);
  for (uint64_t i = 0; i < n; i += 8) {
    // xorshift64*: fast and incompressible enough that no layer can shrink the data.
    state_ ^= state_ >> 12;
    state_ ^= state_ << 25;
    state_ ^= state_ >> 27;
    const uint64_t word = state_ * 0x2545F4914F6CDD1DULL;
    const uint64_t len = std::min<uint64_t>(8, n - i);
    std::memcpy(buffer + i, &word, len);
  }
  sha_.update(buffer, n);
  produced_ += n;
  return static_cast<int64_t>(n);
}

std::string ByteGenerator::sha256Hex() { return Poco::DigestEngine::digestToHex(sha_.digest()); }

std::string sha256Hex(std::string_view data) {
  Poco::SHA2Engine sha(Poco::SHA2Engine::SHA_256);
  sha.update(data.data(), data.size());
  return Poco::DigestEngine::digestToHex(sha.digest());
}

std::string paramName(const ::testing::TestParamInfo<std::string>& info) { return info.param; }

::testing::AssertionResult hasMembers(const json& actual, const json& expected) {
  if (!actual.is_object()) {
    return ::testing::AssertionFailure() << "not an object: " << shorten(actual.dump(), 400);
  }
  std::string problems;
  for (const auto& [key, value] : expected.items()) {
    if (!actual.contains(key)) {
      problems += "\n  missing \"" + key + "\"";
    } else if (actual.at(key) != value) {
      problems += "\n  \"" + key + "\": expected " + shorten(value.dump(), 300) + ", got " +
                  shorten(actual.at(key).dump(), 300);
    }
  }
  if (problems.empty()) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "in " << shorten(actual.dump(), 400) << problems;
}

std::string StorageConformance::pgClusterDir() {
  const char* env = std::getenv("DEVKIT_TEST_PG_DIR");
  return env != nullptr && *env != '\0' ? env : DEVKIT_TEST_PG_DIR;
}

void StorageConformance::SetUp() {
  dir_ = std::make_unique<testing::TempDir>();
  idSalt_ = std::random_device{}();
  idSalt_ = (idSalt_ << 32) ^ std::random_device{}();
  config_ = freshConfig();
  storage_ = newInstance();
}

void StorageConformance::TearDown() {
  storage_.reset();  // destroy the instance before its files go
  dir_.reset();
}

json StorageConformance::freshConfig(const json& overrides) {
  const auto lib = library(plugin(GetParam()));
  json values = json::object();
  const int n = ++configCounter_;
  if (isLakebase()) {
    const std::string dsnFile = pgClusterDir() + "/dsn";
    std::ifstream in(dsnFile);
    std::stringstream dsn;
    dsn << in.rdbuf();
    if (!in || trim(dsn.str()).empty()) {
      // Never skipped: a missing PostgreSQL is a failure of the run, not a reason to pass.
      throw std::runtime_error("no PostgreSQL test cluster: " + dsnFile +
                               " is missing or empty (run through ctest, whose `pg` fixture "
                               "starts it, or scripts/pg-test-cluster.sh start " +
                               pgClusterDir() + ")");
    }
    std::mt19937_64 random(std::random_device{}());
    std::ostringstream schema;
    schema << "t_" << std::hex << random() << "_" << n;
    values = {{"dsn", trim(dsn.str())}, {"schema", schema.str()}, {"pool_size", 4}};
  } else {
    values = {{"database", (dir_->path() / ("devkit-" + std::to_string(n) + ".sqlite")).string()},
              {"archive_dir", (dir_->path() / ("archives-" + std::to_string(n))).string()}};
  }
  values.update(overrides);

  // What the host passes: every default of the plugin's schema, then the section's values.
  json config = json::object();
  const json schema = lib->configSchema.empty() ? json::object() : json::parse(lib->configSchema);
  const json properties = schema.value("properties", json::object());
  for (const auto& [key, property] : properties.items()) {
    if (!property.contains("default")) continue;
    json value = property["default"];
    if (value.is_string()) {
      value = replaceAll(replaceAll(value.get<std::string>(), "${data.dir}", dir_->path()),
                         "${host.home}", dir_->path());
    }
    config[key] = value;
  }
  for (const auto& [key, value] : values.items()) {
    if (!properties.contains(key)) {
      throw std::runtime_error("plugin " + lib->id + " does not declare config key '" + key +
                               "' in its schema: " + lib->configSchema);
    }
    config[key] = value;
  }
  return config;
}

std::shared_ptr<core::Storage> StorageConformance::newInstance(const json& config) const {
  return plugins::createStorage(library(plugin(GetParam())), config.dump());
}

Reply StorageConformance::callOn(core::Storage& storage, const std::string& op,
                                 const std::string& text) {
  Reply reply;
  reply.op = op;
  reply.request = text;
  if (op == "put_archive") {
    reply.outcome = storage.putArchive(text, [](char*, size_t) -> int64_t { return 0; });
  } else if (op == "get_archive") {
    reply.outcome = storage.getArchive(text, [](std::string_view) { return true; });
  } else if (op == "put_state") {
    reply.outcome = storage.putState(text);
  } else {
    const auto it = jsonOps().find(op);
    if (it == jsonOps().end()) throw std::invalid_argument("unknown storage op " + op);
    reply.outcome = storage.call(it->second, text);
  }
  reply.body = json::parse(reply.outcome.output, nullptr, false);
  return reply;
}

Reply StorageConformance::call(const std::string& op, const json& request) const {
  return callOn(*storage_, op, request.dump());
}

Reply StorageConformance::callText(const std::string& op, const std::string& text) const {
  return callOn(*storage_, op, text);
}

json StorageConformance::okOn(core::Storage& storage, const std::string& op, const json& request) {
  Reply reply = callOn(storage, op, request.dump());
  if (reply.status() != DK_OK) throw std::runtime_error("expected DK_OK: " + reply.describe());
  if (op != "put_state" && op != "get_archive" && reply.body.is_discarded()) {
    throw std::runtime_error("the output is not JSON: " + reply.describe());
  }
  return reply.body;
}

json StorageConformance::ok(const std::string& op, const json& request) const {
  return okOn(*storage_, op, request);
}

Reply StorageConformance::expectStatus(const std::string& op, const json& request,
                                       dk_status expected) const {
  Reply reply = call(op, request);
  EXPECT_EQ(reply.status(), expected) << reply.describe();
  return reply;
}

std::string StorageConformance::newId() {
  // UUID-shaped like the host's ids; unique per test via the random salt and a counter.
  std::mt19937_64 random(idSalt_ + ++idCounter_ * 0x9e3779b97f4a7c15ULL);
  char text[40];
  const uint64_t a = random(), b = random();
  std::snprintf(text, sizeof(text), "%08x-%04x-4%03x-a%03x-%012llx", static_cast<unsigned>(a >> 32),
                static_cast<unsigned>((a >> 16) & 0xffff), static_cast<unsigned>(a & 0xfff),
                static_cast<unsigned>(b >> 52),
                static_cast<unsigned long long>(b & 0xffffffffffffULL));
  return text;
}

json StorageConformance::projectJson(const std::string& id, int64_t updatedUs,
                                     const std::string& owner) {
  return {{"owner", owner},
          {"id", id},
          {"name", "Project " + id.substr(0, 8)},
          {"settings", {{"model", "claude"}, {"skills", json::array({"a", "b"})}}},
          {"created_us", updatedUs - 1000},
          {"updated_us", updatedUs}};
}

json StorageConformance::conversationJson(const std::string& id, const std::string& projectId,
                                          int64_t updatedUs, const std::string& owner) {
  return {{"owner", owner},
          {"id", id},
          {"project_id", projectId},
          {"title", "Conversation " + id.substr(0, 8)},
          {"claude_session_id", nullptr},
          {"created_us", updatedUs - 1000},
          {"updated_us", updatedUs}};
}

json StorageConformance::runJson(const std::string& id, const std::string& conversationId,
                                 int64_t startedUs, const std::string& owner) {
  return {{"owner", owner},
          {"id", id},
          {"conversation_id", conversationId},
          {"status", "running"},
          {"started_us", startedUs},
          {"ended_us", nullptr},
          {"usage", nullptr},
          {"cost_usd", nullptr},
          {"error", nullptr}};
}

json StorageConformance::messageJson(int64_t seq, const std::string& text, const json& runId) {
  return {{"seq", seq},
          {"role", seq % 2 == 0 ? "user" : "assistant"},
          {"blocks", json::array({{{"type", "text"}, {"text", text}}})},
          {"run_id", runId},
          {"created_us", kBaseUs + seq}};
}

json StorageConformance::eventJson(int64_t seq, const json& data) {
  return {{"seq", seq}, {"type", "text_delta"}, {"data", data}, {"time_us", kBaseUs + seq}};
}

std::string StorageConformance::putProject(const std::string& owner) {
  const std::string id = newId();
  ok("put_project", projectJson(id, kBaseUs, owner));
  return id;
}

std::string StorageConformance::putConversation(const std::string& projectId,
                                                const std::string& owner) {
  const std::string id = newId();
  ok("put_conversation", conversationJson(id, projectId, kBaseUs, owner));
  return id;
}

std::string StorageConformance::putRun(const std::string& conversationId,
                                       const std::string& owner) {
  const std::string id = newId();
  ok("put_run", runJson(id, conversationId, kBaseUs, owner));
  return id;
}

StorageConformance::Tree StorageConformance::putTree() {
  Tree t;
  t.projectId = putProject();
  t.conversationId = putConversation(t.projectId);
  t.runId = putRun(t.conversationId);
  ok("append_messages", {{"owner", kOwner},
                         {"conversation_id", t.conversationId},
                         {"messages", json::array({messageJson(0, "kept")})}});
  ok("append_run_events",
     {{"owner", kOwner}, {"run_id", t.runId}, {"events", json::array({eventJson(0, "kept")})}});
  const Reply archive = putArchiveBytes(t.projectId, "kept archive");
  if (archive.status() != DK_OK) throw std::runtime_error(archive.describe());
  return t;
}

std::vector<json> StorageConformance::walkPages(const std::string& op, json request,
                                                int limit) const {
  std::vector<json> items;
  json cursor = nullptr;
  for (int page = 0;; ++page) {
    if (page > 10000) throw std::runtime_error(op + ": more than 10000 pages, no progress");
    json pageRequest = request;
    pageRequest["limit"] = limit;
    if (!cursor.is_null()) pageRequest["cursor"] = cursor;
    const json body = ok(op, pageRequest);
    if (!body.is_object() || !body.contains("items") || !body["items"].is_array() ||
        !body.contains("next_cursor") ||
        !(body["next_cursor"].is_null() || body["next_cursor"].is_string())) {
      throw std::runtime_error(op + ": not a page {items, next_cursor}: " + body.dump());
    }
    EXPECT_LE(body["items"].size(), static_cast<size_t>(limit))
        << op << " page " << page << " with limit " << limit;
    for (const auto& item : body["items"]) items.push_back(item);
    if (body["next_cursor"].is_null()) break;
    if (body["items"].empty()) {
      throw std::runtime_error(op + ": an empty page with a next_cursor: " + body.dump());
    }
    cursor = body["next_cursor"];
  }
  return items;
}

std::vector<json> StorageConformance::walkSeq(const std::string& op, json request,
                                              int limit) const {
  std::vector<json> items;
  int64_t after = -1;
  for (int page = 0;; ++page) {
    if (page > 100000) throw std::runtime_error(op + ": more than 100000 pages, no progress");
    json pageRequest = request;
    pageRequest["limit"] = limit;
    if (page > 0) pageRequest["after_seq"] = after;  // the first page relies on the default -1
    const json body = ok(op, pageRequest);
    if (!body.is_object() || !body.contains("items") || !body["items"].is_array() ||
        !body.contains("next_after_seq") ||
        !(body["next_after_seq"].is_null() || body["next_after_seq"].is_number_integer())) {
      throw std::runtime_error(op + ": not a page {items, next_after_seq}: " + body.dump());
    }
    EXPECT_LE(body["items"].size(), static_cast<size_t>(limit)) << op << " page " << page;
    for (const auto& item : body["items"]) {
      EXPECT_GT(item.value("seq", int64_t{-100}), after) << op << ": " << item.dump();
      after = item.value("seq", after);
      items.push_back(item);
    }
    if (body["next_after_seq"].is_null()) break;
    if (body["items"].empty()) {
      throw std::runtime_error(op + ": an empty page with a next_after_seq: " + body.dump());
    }
    EXPECT_EQ(body["next_after_seq"].get<int64_t>(), after)
        << op << ": next_after_seq is not the last seq of the page";
    after = body["next_after_seq"].get<int64_t>();
  }
  return items;
}

Reply StorageConformance::putArchiveBytes(const std::string& projectId, const std::string& data,
                                          size_t chunk, const std::string& owner) const {
  const json request = {{"owner", owner}, {"project_id", projectId}};
  size_t offset = 0;
  Reply reply;
  reply.op = "put_archive";
  reply.request = request.dump();
  reply.outcome = storage_->putArchive(reply.request, [&](char* buffer, size_t capacity) {
    const size_t n = std::min({chunk, capacity, data.size() - offset});
    std::memcpy(buffer, data.data() + offset, n);
    offset += n;
    return static_cast<int64_t>(n);
  });
  reply.body = json::parse(reply.outcome.output, nullptr, false);
  return reply;
}

std::string StorageConformance::getArchiveBytes(const std::string& projectId, Reply* reply,
                                                const std::string& owner) const {
  const json request = {{"owner", owner}, {"project_id", projectId}};
  std::string bytes;
  Reply local;
  local.op = "get_archive";
  local.request = request.dump();
  local.outcome = storage_->getArchive(local.request, [&](std::string_view chunk) {
    bytes.append(chunk);
    return true;
  });
  if (reply != nullptr) {
    *reply = local;
  } else {
    EXPECT_EQ(local.status(), DK_OK) << local.describe();
  }
  return bytes;
}

// Every TEST_P of the suite runs once per plugin; the PostgreSQL-only part for lakebase alone.
INSTANTIATE_TEST_SUITE_P(Plugins, StorageConformance, ::testing::Values("local", "lakebase"),
                         paramName);
INSTANTIATE_TEST_SUITE_P(Plugins, PostgresConformance, ::testing::Values("lakebase"), paramName);

}  // namespace devkit::storage_test
