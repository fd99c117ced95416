// StorageAdapter (plugins/storage-common) over an in-memory fake StorageBackend: every validation
// rule of docs/storage.md, the defaults, the error statuses and the paging edges (exact page
// boundary, empty page, ties, bad cursors). The backends themselves are covered by tests/storage.
#include <devkit/storage/adapter.hpp>
#include <devkit/storage/util.hpp>

#include <algorithm>
#include <cctype>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace devkit::storage {
namespace {

using devkit::sdk::Error;
using nlohmann::json;

// ---- A fake backend: maps in memory, with the semantics backend.hpp promises ------------------

bool afterKeyset(int64_t sortUs, const std::string& id, const std::optional<Keyset>& after) {
  return !after || sortUs < after->sortUs || (sortUs == after->sortUs && id < after->id);
}

template <class Record, class Key>
std::vector<Record> keysetSlice(std::vector<Record> rows, Key key,
                                const std::optional<Keyset>& after, int limit) {
  std::sort(rows.begin(), rows.end(), [&](const Record& a, const Record& b) {
    return std::make_tuple(key(a), a.id) > std::make_tuple(key(b), b.id);
  });
  std::vector<Record> out;
  for (const Record& r : rows) {
    if (afterKeyset(key(r), r.id, after) && out.size() < static_cast<size_t>(limit)) {
      out.push_back(r);
    }
  }
  return out;
}

class FakeBackend final : public StorageBackend {
 public:
  std::map<std::string, ProjectRecord> projects;
  std::map<std::string, ConversationRecord> conversations;
  std::map<std::pair<std::string, int64_t>, MessageRecord> messages;
  std::map<std::string, RunRecord> runs;
  std::map<std::pair<std::string, int64_t>, RunEventRecord> events;
  std::map<std::string, std::string> archives;  // project id -> bytes
  std::map<std::string, json> state;
  // What the adapter last asked for, to check that it asks for limit + 1 rows.
  int lastLimit = 0;
  std::optional<Keyset> lastAfter;
  int64_t lastAfterSeq = 0;

  ProjectRecord putProject(const ProjectRecord& p) override {
    auto it = projects.find(p.id);
    if (it != projects.end() && it->second.owner != p.owner) {
      throw Error(DK_ERR_CONFLICT, "project " + p.id + " belongs to another owner");
    }
    projects[p.id] = p;
    return p;
  }
  std::optional<ProjectRecord> getProject(const std::string& owner,
                                          const std::string& id) override {
    auto it = projects.find(id);
    if (it == projects.end() || it->second.owner != owner) return std::nullopt;
    return it->second;
  }
  std::vector<ProjectRecord> listProjects(const std::string& owner,
                                          const std::optional<Keyset>& after, int limit) override {
    lastLimit = limit;
    lastAfter = after;
    std::vector<ProjectRecord> mine;
    for (const auto& [id, p] : projects) {
      if (p.owner == owner) mine.push_back(p);
    }
    return keysetSlice(
        mine, [](const ProjectRecord& p) { return p.updatedUs; }, after, limit);
  }
  bool deleteProject(const std::string& owner, const std::string& id) override {
    if (!getProject(owner, id)) return false;
    projects.erase(id);
    archives.erase(id);
    return true;
  }

  ConversationRecord putConversation(const ConversationRecord& c) override {
    if (!getProject(c.owner, c.projectId)) {
      throw Error(DK_ERR_NOT_FOUND, "project " + c.projectId + " not found");
    }
    conversations[c.id] = c;
    return c;
  }
  std::optional<ConversationRecord> getConversation(const std::string& owner,
                                                    const std::string& id) override {
    auto it = conversations.find(id);
    if (it == conversations.end() || it->second.owner != owner) return std::nullopt;
    return it->second;
  }
  std::vector<ConversationRecord> listConversations(const std::string& owner,
                                                    const std::string& projectId,
                                                    const std::optional<Keyset>& after,
                                                    int limit) override {
    if (!getProject(owner, projectId)) {
      throw Error(DK_ERR_NOT_FOUND, "project " + projectId + " not found");
    }
    lastLimit = limit;
    std::vector<ConversationRecord> rows;
    for (const auto& [id, c] : conversations) {
      if (c.owner == owner && c.projectId == projectId) rows.push_back(c);
    }
    return keysetSlice(
        rows, [](const ConversationRecord& c) { return c.updatedUs; }, after, limit);
  }
  bool deleteConversation(const std::string& owner, const std::string& id) override {
    if (!getConversation(owner, id)) return false;
    conversations.erase(id);
    return true;
  }

  int appendMessages(const std::string& owner, const std::string& conversationId,
                     const std::vector<MessageRecord>& batch) override {
    if (!getConversation(owner, conversationId)) {
      throw Error(DK_ERR_NOT_FOUND, "conversation " + conversationId + " not found");
    }
    for (const auto& m : batch) messages[{conversationId, m.seq}] = m;
    return static_cast<int>(batch.size());
  }
  std::vector<MessageRecord> listMessages(const std::string& owner,
                                          const std::string& conversationId, int64_t afterSeq,
                                          int limit) override {
    if (!getConversation(owner, conversationId)) {
      throw Error(DK_ERR_NOT_FOUND, "conversation " + conversationId + " not found");
    }
    lastLimit = limit;
    lastAfterSeq = afterSeq;
    std::vector<MessageRecord> out;
    for (const auto& [key, m] : messages) {
      if (key.first == conversationId && m.seq > afterSeq &&
          out.size() < static_cast<size_t>(limit)) {
        out.push_back(m);
      }
    }
    return out;
  }

  RunRecord putRun(const RunRecord& r) override {
    if (!getConversation(r.owner, r.conversationId)) {
      throw Error(DK_ERR_NOT_FOUND, "conversation " + r.conversationId + " not found");
    }
    runs[r.id] = r;
    return r;
  }
  std::optional<RunRecord> getRun(const std::string& owner, const std::string& id) override {
    auto it = runs.find(id);
    if (it == runs.end() || it->second.owner != owner) return std::nullopt;
    return it->second;
  }
  std::vector<RunRecord> listRuns(const std::string& owner, const std::string& conversationId,
                                  const std::optional<Keyset>& after, int limit) override {
    lastLimit = limit;
    std::vector<RunRecord> rows;
    for (const auto& [id, r] : runs) {
      if (r.owner == owner && r.conversationId == conversationId) rows.push_back(r);
    }
    return keysetSlice(
        rows, [](const RunRecord& r) { return r.startedUs; }, after, limit);
  }

  int appendRunEvents(const std::string& owner, const std::string& runId,
                      const std::vector<RunEventRecord>& batch) override {
    if (!getRun(owner, runId)) throw Error(DK_ERR_NOT_FOUND, "run " + runId + " not found");
    int added = 0;
    for (const auto& e : batch) added += events.emplace(std::pair(runId, e.seq), e).second ? 1 : 0;
    return added;
  }
  std::vector<RunEventRecord> listRunEvents(const std::string& owner, const std::string& runId,
                                            int64_t afterSeq, int limit) override {
    if (!getRun(owner, runId)) throw Error(DK_ERR_NOT_FOUND, "run " + runId + " not found");
    lastLimit = limit;
    lastAfterSeq = afterSeq;
    std::vector<RunEventRecord> out;
    for (const auto& [key, e] : events) {
      if (key.first == runId && e.seq > afterSeq && out.size() < static_cast<size_t>(limit)) {
        out.push_back(e);
      }
    }
    return out;
  }

  ArchiveInfo putArchive(const std::string& owner, const std::string& projectId,
                         const devkit::sdk::Source& data) override {
    if (!getProject(owner, projectId)) {
      throw Error(DK_ERR_NOT_FOUND, "project " + projectId + " not found");
    }
    std::string bytes;
    char buffer[7];
    for (size_t n; (n = data.read(buffer, sizeof(buffer))) > 0;) bytes.append(buffer, n);
    archives[projectId] = bytes;
    return statArchive(owner, projectId);
  }
  void getArchive(const std::string& owner, const std::string& projectId,
                  const devkit::sdk::Sink& data) override {
    auto it = archives.find(projectId);
    if (!getProject(owner, projectId) || it == archives.end()) {
      throw Error(DK_ERR_NOT_FOUND, "archive of project " + projectId + " not found");
    }
    data.writeOrThrow(it->second);
  }
  ArchiveInfo statArchive(const std::string& owner, const std::string& projectId) override {
    auto it = archives.find(projectId);
    if (!getProject(owner, projectId) || it == archives.end()) return {};
    return ArchiveInfo{true, static_cast<int64_t>(it->second.size()), sha256Hex(it->second), 7};
  }
  bool deleteArchive(const std::string& owner, const std::string& projectId) override {
    return getProject(owner, projectId) && archives.erase(projectId) > 0;
  }

  void putState(const std::string& key, const json& value) override { state[key] = value; }
  std::optional<json> getState(const std::string& key) override {
    auto it = state.find(key);
    if (it == state.end()) return std::nullopt;
    return it->second;
  }

  json health() override {
    return {{"status", "ok"}, {"reachable", true}, {"schema_version", 1}, {"detail", "fake"}};
  }
};

// ---- Fixture and helpers ----------------------------------------------------------------------

constexpr const char* kOwner = "ada@example.com";

class StorageAdapterTest : public ::testing::Test {
 protected:
  StorageAdapterTest() {
    auto backend = std::make_unique<FakeBackend>();
    fake_ = backend.get();
    adapter_ = std::make_unique<StorageAdapter>(std::move(backend));
  }

  /// Runs an adapter call that must succeed and parses its answer.
  static json ok(const std::function<std::string()>& call) {
    const std::string out = call();
    return json::parse(out);
  }

  json putProject(const std::string& id, int64_t updatedUs, const std::string& owner = kOwner) {
    return ok([&] {
      return adapter_->putProject(json{
          {"owner", owner},
          {"id", id},
          {"name", "Project " + id},
          {"created_us", 1},
          {"updated_us", updatedUs}}.dump());
    });
  }
  void putConversation(const std::string& id, const std::string& projectId, int64_t updatedUs) {
    adapter_->putConversation(json{
        {"owner", kOwner},
        {"id", id},
        {"project_id", projectId},
        {"updated_us", updatedUs}}.dump());
  }
  void putRun(const std::string& id, const std::string& conversationId, int64_t startedUs) {
    adapter_->putRun(json{
        {"owner", kOwner},
        {"id", id},
        {"conversation_id", conversationId},
        {"status", "running"},
        {"started_us",
         startedUs}}.dump());
  }

  FakeBackend* fake_ = nullptr;
  std::unique_ptr<StorageAdapter> adapter_;
};

/// Expects `call` to throw devkit::sdk::Error with `status` and a message containing `needle`.
void expectError(const std::function<void()>& call, dk_status status, const std::string& needle) {
  try {
    call();
    ADD_FAILURE() << "expected an error with status " << status << " mentioning " << needle;
  } catch (const Error& e) {
    EXPECT_EQ(e.status(), status) << e.what();
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos)
        << "message '" << e.what() << "' does not mention " << needle;
  }
}

json validProject() { return {{"owner", kOwner}, {"id", "p1"}, {"name", "Demo"}}; }

// ---- Requests ---------------------------------------------------------------------------------

TEST_F(StorageAdapterTest, RejectsRequestsThatAreNotJsonObjects) {
  expectError([&] { adapter_->putProject("{not json"); }, DK_ERR_INVALID_ARGUMENT, "JSON");
  expectError([&] { adapter_->putProject(""); }, DK_ERR_INVALID_ARGUMENT, "JSON");
  expectError([&] { adapter_->getProject("[1,2]"); }, DK_ERR_INVALID_ARGUMENT, "object");
  expectError([&] { adapter_->listProjects("\"x\""); }, DK_ERR_INVALID_ARGUMENT, "object");
  expectError([&] { adapter_->putState("null"); }, DK_ERR_INVALID_ARGUMENT, "object");
}

TEST_F(StorageAdapterTest, IgnoresUnknownMembers) {
  json p = validProject();
  p["colour"] = "blue";
  const json out = ok([&] { return adapter_->putProject(p.dump()); });
  EXPECT_FALSE(out.contains("colour"));
  EXPECT_EQ(out["name"], "Demo");
}

// ---- Owner and ids ----------------------------------------------------------------------------

TEST_F(StorageAdapterTest, OwnerRules) {
  const auto put = [&](const std::optional<json>& owner) {
    json p = validProject();
    if (owner) {
      p["owner"] = *owner;
    } else {
      p.erase("owner");
    }
    adapter_->putProject(p.dump());
  };
  expectError([&] { put(std::nullopt); }, DK_ERR_INVALID_ARGUMENT,
              "\"owner\" must be a non-empty string");
  expectError([&] { put(""); }, DK_ERR_INVALID_ARGUMENT, "\"owner\" must be a non-empty string");
  expectError([&] { put(42); }, DK_ERR_INVALID_ARGUMENT, "\"owner\"");
  expectError([&] { put(nullptr); }, DK_ERR_INVALID_ARGUMENT, "\"owner\"");
  expectError([&] { put(std::string(321, 'a')); }, DK_ERR_INVALID_ARGUMENT, "320 bytes");
  expectError([&] { put("ada\n@example.com"); }, DK_ERR_INVALID_ARGUMENT, "control characters");
  expectError([&] { put(std::string("ada\x7f")); }, DK_ERR_INVALID_ARGUMENT, "control");
  EXPECT_NO_THROW(put(std::string(320, 'a')));
  fake_->projects.clear();
  EXPECT_NO_THROW(put("zoë@example.com"));  // UTF-8 is fine, only control characters are not
  // Every operation that reads user data wants the owner.
  expectError([&] { adapter_->getProject(R"({"id":"p1"})"); }, DK_ERR_INVALID_ARGUMENT, "owner");
  expectError([&] { adapter_->listProjects("{}"); }, DK_ERR_INVALID_ARGUMENT, "owner");
  expectError([&] { adapter_->statArchive(R"({"project_id":"p1"})"); }, DK_ERR_INVALID_ARGUMENT,
              "owner");
}

TEST_F(StorageAdapterTest, IdRules) {
  const auto put = [&](const json& id) {
    json p = validProject();
    p["id"] = id;
    adapter_->putProject(p.dump());
  };
  expectError([&] { put(""); }, DK_ERR_INVALID_ARGUMENT, "\"id\" must be 1-128 characters");
  expectError([&] { put(std::string(129, 'a')); }, DK_ERR_INVALID_ARGUMENT, "\"id\"");
  expectError([&] { put("a/b"); }, DK_ERR_INVALID_ARGUMENT, "\"id\"");
  expectError([&] { put("a b"); }, DK_ERR_INVALID_ARGUMENT, "\"id\"");
  expectError([&] { put("é"); }, DK_ERR_INVALID_ARGUMENT, "\"id\"");
  expectError([&] { put(7); }, DK_ERR_INVALID_ARGUMENT, "\"id\"");
  EXPECT_NO_THROW(put(std::string(128, 'z')));
  EXPECT_NO_THROW(put("0b6f7c2e-6b8a-4f7e-9d7e-1c2b3a4d5e6f"));
  EXPECT_NO_THROW(put("A.z_9-"));
  expectError(
      [&] {
        adapter_->listConversations(json{{"owner", kOwner}}.dump());
      },
      DK_ERR_INVALID_ARGUMENT, "\"project_id\"");
  expectError(
      [&] {
        adapter_->listRunEvents(json{{"owner", kOwner}, {"run_id", "x y"}}.dump());
      },
      DK_ERR_INVALID_ARGUMENT, "\"run_id\"");
}

// ---- Projects ---------------------------------------------------------------------------------

TEST_F(StorageAdapterTest, ProjectNameAndSettingsRules) {
  const auto put = [&](const char* key, const json& value) {
    json p = validProject();
    p[key] = value;
    return adapter_->putProject(p.dump());
  };
  expectError([&] { put("name", ""); }, DK_ERR_INVALID_ARGUMENT,
              "\"name\" must be a string of 1-200 bytes");
  expectError([&] { put("name", std::string(201, 'n')); }, DK_ERR_INVALID_ARGUMENT, "\"name\"");
  expectError([&] { put("name", nullptr); }, DK_ERR_INVALID_ARGUMENT, "\"name\"");
  expectError(
      [&] {
        json p = validProject();
        p.erase("name");
        adapter_->putProject(p.dump());
      },
      DK_ERR_INVALID_ARGUMENT, "\"name\"");
  EXPECT_NO_THROW(put("name", std::string(200, 'n')));
  // 200 bytes, not characters: 100 two-byte characters fit, 101 do not.
  std::string wide;
  for (int i = 0; i < 100; ++i) wide += "é";
  EXPECT_NO_THROW(put("name", wide));
  expectError([&] { put("name", wide + "é"); }, DK_ERR_INVALID_ARGUMENT, "\"name\"");
  expectError([&] { put("settings", json::array()); }, DK_ERR_INVALID_ARGUMENT,
              "\"settings\" must be an object");
  expectError([&] { put("settings", "{}"); }, DK_ERR_INVALID_ARGUMENT, "\"settings\"");
  expectError([&] { put("created_us", 1.5); }, DK_ERR_INVALID_ARGUMENT, "\"created_us\"");
  expectError([&] { put("updated_us", "1"); }, DK_ERR_INVALID_ARGUMENT, "\"updated_us\"");
  expectError([&] { put("updated_us", 18446744073709551615ULL); }, DK_ERR_INVALID_ARGUMENT,
              "\"updated_us\"");
}

TEST_F(StorageAdapterTest, PutProjectFillsDefaultsAndAnswersTheStoredProject) {
  const int64_t before = nowUs();
  const json out = ok([&] { return adapter_->putProject(validProject().dump()); });
  const int64_t after = nowUs();
  EXPECT_EQ(out["id"], "p1");
  EXPECT_EQ(out["owner"], kOwner);
  EXPECT_EQ(out["name"], "Demo");
  EXPECT_EQ(out["settings"], json::object());
  ASSERT_TRUE(out["created_us"].is_number_integer());
  EXPECT_GE(out["created_us"].get<int64_t>(), before);
  EXPECT_LE(out["created_us"].get<int64_t>(), after);
  EXPECT_EQ(out["created_us"], out["updated_us"]);
  EXPECT_EQ(out["conversation_count"], 0);  // output only: counted by the backend
  EXPECT_EQ(out.size(), 7u);

  json p = validProject();
  p["settings"] = {{"model", "x"}, {"nested", {{"a", 1}}}};
  p["name"] = "名前 🚀";
  p["created_us"] = 5;
  p["updated_us"] = 9;
  const json out2 = ok([&] { return adapter_->putProject(p.dump()); });
  EXPECT_EQ(out2["settings"], p["settings"]);
  EXPECT_EQ(out2["name"], "名前 🚀");
  EXPECT_EQ(out2["created_us"], 5);
  EXPECT_EQ(out2["updated_us"], 9);
  EXPECT_EQ(fake_->projects.at("p1").settings, p["settings"]);
}

TEST_F(StorageAdapterTest, NullSettingsMeansTheDefault) {
  json p = validProject();
  p["settings"] = nullptr;
  EXPECT_EQ(ok([&] { return adapter_->putProject(p.dump()); })["settings"], json::object());
}

TEST_F(StorageAdapterTest, GetAndDeleteMapAbsenceToNotFound) {
  putProject("p1", 10);
  const json got =
      ok([&] { return adapter_->getProject(R"({"owner":"ada@example.com","id":"p1"})"); });
  EXPECT_EQ(got["name"], "Project p1");
  expectError([&] { adapter_->getProject(R"({"owner":"ada@example.com","id":"nope"})"); },
              DK_ERR_NOT_FOUND, "project nope not found");
  // Another owner's project is exactly as absent.
  expectError([&] { adapter_->getProject(R"({"owner":"bob@example.com","id":"p1"})"); },
              DK_ERR_NOT_FOUND, "project p1 not found");
  expectError([&] { adapter_->deleteProject(R"({"owner":"bob@example.com","id":"p1"})"); },
              DK_ERR_NOT_FOUND, "project p1 not found");
  EXPECT_EQ(ok([&] { return adapter_->deleteProject(R"({"owner":"ada@example.com","id":"p1"})"); }),
            json({{"deleted", true}}));
  expectError([&] { adapter_->deleteProject(R"({"owner":"ada@example.com","id":"p1"})"); },
              DK_ERR_NOT_FOUND, "project p1 not found");
}

TEST_F(StorageAdapterTest, BackendErrorsPassThrough) {
  putProject("p1", 10);
  json p = validProject();
  p["owner"] = "bob@example.com";
  expectError([&] { adapter_->putProject(p.dump()); }, DK_ERR_CONFLICT, "another owner");
}

// ---- Keyset paging ----------------------------------------------------------------------------

/// Reads every page of list_projects with `limit` and returns the ids in order, plus page count.
std::pair<std::vector<std::string>, int> readAllProjects(StorageAdapter& adapter, int limit) {
  std::vector<std::string> ids;
  json cursor = nullptr;
  int pages = 0;
  for (;;) {
    const json page = json::parse(
        adapter.listProjects(json{{"owner", kOwner}, {"limit", limit}, {"cursor", cursor}}.dump()));
    ++pages;
    EXPECT_LE(page["items"].size(), static_cast<size_t>(limit));
    for (const json& item : page["items"]) ids.push_back(item["id"]);
    if (page["next_cursor"].is_null()) break;
    EXPECT_TRUE(page["next_cursor"].is_string());
    cursor = page["next_cursor"];
    if (pages > 100) {
      ADD_FAILURE() << "paging does not end";
      break;
    }
  }
  return {ids, pages};
}

TEST_F(StorageAdapterTest, EmptyListIsOneEmptyPage) {
  const json page = ok([&] { return adapter_->listProjects(json{{"owner", kOwner}}.dump()); });
  EXPECT_EQ(page, json({{"items", json::array()}, {"next_cursor", nullptr}}));
  EXPECT_EQ(fake_->lastLimit, 101) << "default limit 100, asked for one more";
  EXPECT_FALSE(fake_->lastAfter.has_value());
}

TEST_F(StorageAdapterTest, PagesNewestFirstWithTiesByIdDescending) {
  putProject("a", 100);
  putProject("b", 300);
  putProject("c", 200);
  putProject("d", 200);  // ties with c: d comes first
  putProject("e", 50);
  putProject("x", 999, "bob@example.com");  // never visible to ada
  const auto [ids, pages] = readAllProjects(*adapter_, 2);
  EXPECT_EQ(ids, (std::vector<std::string>{"b", "d", "c", "a", "e"}));
  EXPECT_EQ(pages, 3);
  EXPECT_EQ(fake_->lastLimit, 3);
}

TEST_F(StorageAdapterTest, ExactPageBoundaryEndsWithoutAnEmptyPage) {
  for (int i = 0; i < 4; ++i) putProject("p" + std::to_string(i), 10 * i);
  const auto [ids, pages] = readAllProjects(*adapter_, 2);
  EXPECT_EQ(ids.size(), 4u);
  EXPECT_EQ(pages, 2) << "a full last page must say next_cursor: null";
  const auto [all, onePage] = readAllProjects(*adapter_, 4);
  EXPECT_EQ(all.size(), 4u);
  EXPECT_EQ(onePage, 1);
  const auto [same, single] = readAllProjects(*adapter_, 1);
  EXPECT_EQ(same, (std::vector<std::string>{"p3", "p2", "p1", "p0"}));
  EXPECT_EQ(single, 4);
}

TEST_F(StorageAdapterTest, CursorCarriesTheLastRowsKeyset) {
  putProject("a", -5);  // negative timestamps survive the cursor too
  putProject("b", 7);
  putProject("c", 7);
  const json page = ok([&] {
    return adapter_->listProjects(json{{"owner", kOwner}, {"limit", 1}}.dump());
  });
  ASSERT_TRUE(page["next_cursor"].is_string());
  const std::string cursor = page["next_cursor"];
  for (char c : cursor) {
    EXPECT_TRUE(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_')
        << "cursor '" << cursor << "' is not URL-safe";
  }
  adapter_->listProjects(json{{"owner", kOwner}, {"limit", 1}, {"cursor", cursor}}.dump());
  ASSERT_TRUE(fake_->lastAfter.has_value());
  EXPECT_EQ(fake_->lastAfter->sortUs, 7);
  EXPECT_EQ(fake_->lastAfter->id, "c");
  const auto [ids, pages] = readAllProjects(*adapter_, 2);
  EXPECT_EQ(ids, (std::vector<std::string>{"c", "b", "a"}));
}

TEST_F(StorageAdapterTest, PagesStayStableUnderInserts) {
  for (int i = 0; i < 5; ++i) putProject("p" + std::to_string(i), 100 + i);
  const json first = ok([&] {
    return adapter_->listProjects(json{{"owner", kOwner}, {"limit", 2}}.dump());
  });
  putProject("new", 1000);  // newer than everything: lands before the cursor, not on page 2
  const json second = ok([&] {
    return adapter_->listProjects(
        json{{"owner", kOwner}, {"limit", 2}, {"cursor", first["next_cursor"]}}.dump());
  });
  EXPECT_EQ(first["items"][0]["id"], "p4");
  EXPECT_EQ(first["items"][1]["id"], "p3");
  EXPECT_EQ(second["items"][0]["id"], "p2");
  EXPECT_EQ(second["items"][1]["id"], "p1");
}

TEST_F(StorageAdapterTest, BadCursorsAreInvalidArguments) {
  putProject("a", 1);
  const auto list = [&](const json& cursor) {
    adapter_->listProjects(json{{"owner", kOwner}, {"cursor", cursor}}.dump());
  };
  expectError([&] { list(""); }, DK_ERR_INVALID_ARGUMENT, "\"cursor\"");
  expectError([&] { list("!!!"); }, DK_ERR_INVALID_ARGUMENT, "\"cursor\"");
  expectError([&] { list("bm9jb2xvbg"); }, DK_ERR_INVALID_ARGUMENT, "\"cursor\"");  // "nocolon"
  expectError([&] { list("eDphYmM"); }, DK_ERR_INVALID_ARGUMENT, "\"cursor\"");     // "x:abc"
  expectError([&] { list("MTI6YS9i"); }, DK_ERR_INVALID_ARGUMENT, "\"cursor\"");    // "12:a/b"
  expectError([&] { list("MTI6"); }, DK_ERR_INVALID_ARGUMENT, "\"cursor\"");        // "12:"
  expectError([&] { list("OTk5OTk5OTk5OTk5OTk5OTk5OTk5OmE"); }, DK_ERR_INVALID_ARGUMENT,
              "\"cursor\"");  // sortUs overflows int64
  expectError([&] { list("YWJj+/=="); }, DK_ERR_INVALID_ARGUMENT, "\"cursor\"");  // not base64url
  expectError([&] { list(std::string(300, 'A')); }, DK_ERR_INVALID_ARGUMENT, "\"cursor\"");
  expectError([&] { list(12); }, DK_ERR_INVALID_ARGUMENT, "\"cursor\" must be a string or null");
  // A well-formed cursor of our own: "12:a" is accepted.
  EXPECT_NO_THROW(list("MTI6YQ"));
  EXPECT_NO_THROW(list(nullptr));
}

TEST_F(StorageAdapterTest, LimitRules) {
  const auto list = [&](const json& limit) {
    adapter_->listProjects(json{{"owner", kOwner}, {"limit", limit}}.dump());
  };
  expectError([&] { list(0); }, DK_ERR_INVALID_ARGUMENT,
              "\"limit\" must be an integer from 1 to 1000");
  expectError([&] { list(1001); }, DK_ERR_INVALID_ARGUMENT, "\"limit\"");
  expectError([&] { list(-1); }, DK_ERR_INVALID_ARGUMENT, "\"limit\"");
  expectError([&] { list("5"); }, DK_ERR_INVALID_ARGUMENT, "\"limit\"");
  expectError([&] { list(2.5); }, DK_ERR_INVALID_ARGUMENT, "\"limit\"");
  list(1000);
  EXPECT_EQ(fake_->lastLimit, 1001);
  list(1);
  EXPECT_EQ(fake_->lastLimit, 2);
}

// ---- Conversations ----------------------------------------------------------------------------

TEST_F(StorageAdapterTest, ConversationRulesAndDefaults) {
  putProject("p1", 1);
  const auto put = [&](const json& extra) {
    json c{{"owner", kOwner}, {"id", "c1"}, {"project_id", "p1"}};
    c.update(extra);
    return json::parse(adapter_->putConversation(c.dump()));
  };
  const json out = put(json::object());
  EXPECT_EQ(out["title"], "");
  EXPECT_TRUE(out["claude_session_id"].is_null());
  EXPECT_TRUE(out["created_us"].is_number_integer());
  EXPECT_EQ(out["project_id"], "p1");
  EXPECT_EQ(out.size(), 7u);
  EXPECT_EQ(put({{"title", std::string(500, 't')}})["title"].get<std::string>().size(), 500u);
  expectError(
      [&] {
        put({{"title", std::string(501, 't')}});
      },
      DK_ERR_INVALID_ARGUMENT, "\"title\" must be a string of at most 500 bytes");
  expectError([&] { put({{"title", 3}}); }, DK_ERR_INVALID_ARGUMENT, "\"title\"");
  EXPECT_EQ(put({{"claude_session_id", "sess-1"}})["claude_session_id"], "sess-1");
  expectError(
      [&] {
        put({{"claude_session_id", 5}});
      },
      DK_ERR_INVALID_ARGUMENT, "\"claude_session_id\" must be a string or null");
  expectError([&] { put({{"project_id", ""}}); }, DK_ERR_INVALID_ARGUMENT, "\"project_id\"");
  expectError([&] { put({{"project_id", "other"}}); }, DK_ERR_NOT_FOUND, "project other");
  expectError(
      [&] {
        adapter_->getConversation(json{{"owner", kOwner}, {"id", "zz"}}.dump());
      },
      DK_ERR_NOT_FOUND, "conversation zz not found");
  expectError(
      [&] {
        adapter_->deleteConversation(json{{"owner", kOwner}, {"id", "zz"}}.dump());
      },
      DK_ERR_NOT_FOUND, "conversation zz not found");
  EXPECT_EQ(json::parse(adapter_->deleteConversation(json{{"owner", kOwner}, {"id", "c1"}}.dump())),
            json({{"deleted", true}}));
}

TEST_F(StorageAdapterTest, ListConversationsPages) {
  putProject("p1", 1);
  for (int i = 0; i < 3; ++i) putConversation("c" + std::to_string(i), "p1", i);
  const json first = ok([&] {
    return adapter_->listConversations(
        json{{"owner", kOwner}, {"project_id", "p1"}, {"limit", 2}}.dump());
  });
  ASSERT_EQ(first["items"].size(), 2u);
  EXPECT_EQ(first["items"][0]["id"], "c2");
  const json second = ok([&] {
    return adapter_->listConversations(json{
        {"owner", kOwner},
        {"project_id", "p1"},
        {"limit", 2},
        {"cursor", first["next_cursor"]}}.dump());
  });
  ASSERT_EQ(second["items"].size(), 1u);
  EXPECT_EQ(second["items"][0]["id"], "c0");
  EXPECT_TRUE(second["next_cursor"].is_null());
  expectError(
      [&] {
        adapter_->listConversations(json{{"owner", kOwner}, {"project_id", "nope"}}.dump());
      },
      DK_ERR_NOT_FOUND, "project nope");
}

// ---- Messages ---------------------------------------------------------------------------------

class MessagesTest : public StorageAdapterTest {
 protected:
  MessagesTest() {
    putProject("p1", 1);
    putConversation("c1", "p1", 1);
  }
  json append(const json& messages) {
    return json::parse(adapter_->appendMessages(
        json{{"owner", kOwner}, {"conversation_id", "c1"}, {"messages", messages}}.dump()));
  }
  static json message(int64_t seq) {
    return {{"seq", seq},
            {"role", "user"},
            {"blocks", json::array({{{"type", "text"}, {"text", "hi"}}})}};
  }
};

TEST_F(MessagesTest, MessageRules) {
  const auto with = [&](const char* key, const json& value) {
    json m = message(0);
    m[key] = value;
    append(json::array({m}));
  };
  expectError([&] { with("seq", -1); }, DK_ERR_INVALID_ARGUMENT,
              "\"messages[0].seq\" must be an integer >= 0");
  expectError([&] { with("seq", 1.5); }, DK_ERR_INVALID_ARGUMENT, "\"messages[0].seq\"");
  expectError([&] { with("seq", "1"); }, DK_ERR_INVALID_ARGUMENT, "\"messages[0].seq\"");
  expectError([&] { with("role", "robot"); }, DK_ERR_INVALID_ARGUMENT,
              "\"messages[0].role\" must be one of user, assistant, system");
  expectError([&] { with("role", nullptr); }, DK_ERR_INVALID_ARGUMENT, "\"messages[0].role\"");
  expectError([&] { with("blocks", json::object()); }, DK_ERR_INVALID_ARGUMENT,
              "\"messages[0].blocks\" must be an array of objects");
  expectError([&] { with("blocks", json::array({"text"})); }, DK_ERR_INVALID_ARGUMENT,
              "\"messages[0].blocks\"");
  expectError([&] { with("run_id", "bad id"); }, DK_ERR_INVALID_ARGUMENT, "\"messages[0].run_id\"");
  expectError([&] { with("created_us", "now"); }, DK_ERR_INVALID_ARGUMENT,
              "\"messages[0].created_us\"");
  expectError(
      [&] {
        append(json::array({message(0), 5}));
      },
      DK_ERR_INVALID_ARGUMENT, "\"messages[1]\" must be an object");
  expectError([&] { append(json::object()); }, DK_ERR_INVALID_ARGUMENT, "\"messages\"");
  expectError(
      [&] {
        json m = message(0);
        m.erase("blocks");
        append(json::array({m}));
      },
      DK_ERR_INVALID_ARGUMENT, "\"messages[0].blocks\"");
  expectError(
      [&] {
        append(json::array({message(0), message(-4)}));
      },
      DK_ERR_INVALID_ARGUMENT, "\"messages[1].seq\"");
  EXPECT_TRUE(fake_->messages.empty()) << "a bad message rejects the whole call";
}

TEST_F(MessagesTest, AtMostAThousandPerCall) {
  json many = json::array();
  for (int i = 0; i < 1000; ++i) many.push_back(message(i));
  EXPECT_EQ(append(many)["appended"], 1000);
  many.push_back(message(1000));
  expectError([&] { append(many); }, DK_ERR_INVALID_ARGUMENT, "at most 1000");
  EXPECT_EQ(append(json::array())["appended"], 0);
}

TEST_F(MessagesTest, StoresDefaultsAndSerialises) {
  json m = message(3);
  m["role"] = "assistant";
  m["run_id"] = "r1";
  m["created_us"] = 77;
  append(json::array({message(0), m}));
  const auto& stored = fake_->messages.at({"c1", 0});
  EXPECT_FALSE(stored.runId.has_value());
  EXPECT_GT(stored.createdUs, 0);
  const json page = json::parse(
      adapter_->listMessages(json{{"owner", kOwner}, {"conversation_id", "c1"}}.dump()));
  ASSERT_EQ(page["items"].size(), 2u);
  EXPECT_EQ(page["items"][1], json({{"conversation_id", "c1"},
                                    {"seq", 3},
                                    {"role", "assistant"},
                                    {"blocks", m["blocks"]},
                                    {"run_id", "r1"},
                                    {"created_us", 77}}));
  EXPECT_TRUE(page["items"][0]["run_id"].is_null());
  EXPECT_TRUE(page["next_after_seq"].is_null());
  EXPECT_EQ(fake_->lastLimit, 101);
  EXPECT_EQ(fake_->lastAfterSeq, -1);
}

TEST_F(MessagesTest, SeqPaging) {
  json batch = json::array();
  for (int i = 0; i < 5; ++i) batch.push_back(message(i * 2));  // 0 2 4 6 8
  append(batch);
  const auto list = [&](const json& extra) {
    json r{{"owner", kOwner}, {"conversation_id", "c1"}};
    r.update(extra);
    return json::parse(adapter_->listMessages(r.dump()));
  };
  json page = list({{"limit", 2}});
  EXPECT_EQ(page["items"].size(), 2u);
  EXPECT_EQ(page["next_after_seq"], 2);
  page = list({{"limit", 2}, {"after_seq", 2}});
  EXPECT_EQ(page["items"][0]["seq"], 4);
  EXPECT_EQ(page["next_after_seq"], 6);
  page = list({{"limit", 2}, {"after_seq", 6}});
  EXPECT_EQ(page["items"].size(), 1u);
  EXPECT_TRUE(page["next_after_seq"].is_null());
  page = list({{"limit", 5}});  // exact boundary: all five, and no further page
  EXPECT_EQ(page["items"].size(), 5u);
  EXPECT_TRUE(page["next_after_seq"].is_null());
  page = list({{"after_seq", 8}});
  EXPECT_EQ(page, json({{"items", json::array()}, {"next_after_seq", nullptr}}));
  expectError(
      [&] {
        list({{"after_seq", -2}});
      },
      DK_ERR_INVALID_ARGUMENT, "\"after_seq\" must be an integer >= -1");
  expectError([&] { list({{"after_seq", "1"}}); }, DK_ERR_INVALID_ARGUMENT, "\"after_seq\"");
  expectError(
      [&] {
        list({{"limit", 1001}});
      },
      DK_ERR_INVALID_ARGUMENT, "\"limit\" must be an integer from 1 to 1000");
  list({{"limit", 1000}});
  EXPECT_EQ(fake_->lastLimit, 1001);
  expectError(
      [&] {
        adapter_->listMessages(
            json{{"owner", "bob@example.com"}, {"conversation_id", "c1"}}.dump());
      },
      DK_ERR_NOT_FOUND, "conversation c1");
}

// ---- Runs and run events ----------------------------------------------------------------------

class RunsTest : public MessagesTest {
 protected:
  json put(const json& extra) {
    json r{{"owner", kOwner}, {"id", "r1"}, {"conversation_id", "c1"}, {"status", "running"}};
    r.update(extra);
    return json::parse(adapter_->putRun(r.dump()));
  }
  json appendEvents(const json& events) {
    return json::parse(adapter_->appendRunEvents(
        json{{"owner", kOwner}, {"run_id", "r1"}, {"events", events}}.dump()));
  }
};

TEST_F(RunsTest, RunRulesAndDefaults) {
  const json out = put(json::object());
  EXPECT_TRUE(out["started_us"].is_number_integer());
  EXPECT_TRUE(out["ended_us"].is_null());
  EXPECT_TRUE(out["usage"].is_null());
  EXPECT_TRUE(out["cost_usd"].is_null());
  EXPECT_TRUE(out["error"].is_null());
  EXPECT_EQ(out.size(), 9u);
  const json full = put({{"status", "failed"},
                         {"started_us", 10},
                         {"ended_us", 20},
                         {"usage", {{"input_tokens", 5}}},
                         {"cost_usd", 0.25},
                         {"error", {{"message", "boom"}}}});
  EXPECT_EQ(full["ended_us"], 20);
  EXPECT_EQ(full["usage"]["input_tokens"], 5);
  EXPECT_DOUBLE_EQ(full["cost_usd"].get<double>(), 0.25);
  EXPECT_EQ(full["error"]["message"], "boom");
  EXPECT_EQ(put({{"cost_usd", 2}})["cost_usd"], 2.0);
  for (const char* status : {"running", "completed", "cancelled", "failed"}) {
    EXPECT_EQ(put({{"status", status}})["status"], status);
  }
  expectError(
      [&] {
        put({{"status", "done"}});
      },
      DK_ERR_INVALID_ARGUMENT, "\"status\" must be one of running, completed, cancelled, failed");
  expectError(
      [&] {
        put({{"usage", json::array()}});
      },
      DK_ERR_INVALID_ARGUMENT, "\"usage\" must be an object or null");
  expectError([&] { put({{"error", "boom"}}); }, DK_ERR_INVALID_ARGUMENT, "\"error\"");
  expectError(
      [&] {
        put({{"cost_usd", "1"}});
      },
      DK_ERR_INVALID_ARGUMENT, "\"cost_usd\" must be a number or null");
  expectError([&] { put({{"ended_us", 1.5}}); }, DK_ERR_INVALID_ARGUMENT, "\"ended_us\"");
  expectError([&] { put({{"started_us", true}}); }, DK_ERR_INVALID_ARGUMENT, "\"started_us\"");
  expectError([&] { put({{"conversation_id", "c9"}}); }, DK_ERR_NOT_FOUND, "conversation c9");
  expectError(
      [&] {
        adapter_->getRun(json{{"owner", kOwner}, {"id", "r9"}}.dump());
      },
      DK_ERR_NOT_FOUND, "run r9 not found");
}

TEST_F(RunsTest, ListRunsByStartedUs) {
  put({{"id", "r1"}, {"started_us", 5}});
  put({{"id", "r2"}, {"started_us", 9}});
  put({{"id", "r3"}, {"started_us", 7}});
  const json first = json::parse(
      adapter_->listRuns(json{{"owner", kOwner}, {"conversation_id", "c1"}, {"limit", 2}}.dump()));
  EXPECT_EQ(first["items"][0]["id"], "r2");
  EXPECT_EQ(first["items"][1]["id"], "r3");
  const json second = json::parse(adapter_->listRuns(json{
      {"owner", kOwner}, {"conversation_id", "c1"}, {"limit", 2}, {"cursor", first["next_cursor"]}}
                                                         .dump()));
  ASSERT_EQ(second["items"].size(), 1u);
  EXPECT_EQ(second["items"][0]["id"], "r1");
  EXPECT_TRUE(second["next_cursor"].is_null());
}

TEST_F(RunsTest, EventRulesAndPaging) {
  put(json::object());
  const auto event = [](int64_t seq) {
    return json{{"seq", seq}, {"type", "text_delta"}, {"data", {{"text", "x"}}}, {"time_us", 4}};
  };
  const auto with = [&](const char* key, const json& value) {
    json e = event(0);
    e[key] = value;
    appendEvents(json::array({e}));
  };
  expectError([&] { with("type", ""); }, DK_ERR_INVALID_ARGUMENT,
              "\"events[0].type\" must be a string of 1-64 bytes");
  expectError([&] { with("type", std::string(65, 't')); }, DK_ERR_INVALID_ARGUMENT,
              "\"events[0].type\"");
  expectError([&] { with("seq", -3); }, DK_ERR_INVALID_ARGUMENT, "\"events[0].seq\"");
  expectError([&] { with("time_us", "x"); }, DK_ERR_INVALID_ARGUMENT, "\"events[0].time_us\"");
  expectError([&] { appendEvents(json::array({1})); }, DK_ERR_INVALID_ARGUMENT,
              "\"events[0]\" must be an object");
  expectError([&] { appendEvents("x"); }, DK_ERR_INVALID_ARGUMENT, "\"events\"");
  json e = event(0);
  e["type"] = std::string(64, 't');
  e["data"] = json::array({1, "two", nullptr});
  json noData = event(1);
  noData.erase("data");
  noData.erase("time_us");
  EXPECT_EQ(appendEvents(json::array({e, noData}))["appended"], 2);
  EXPECT_EQ(appendEvents(json::array({event(1), event(2)}))["appended"], 1) << "idempotent per seq";
  EXPECT_TRUE(fake_->events.at({"r1", 1}).data.is_null());
  EXPECT_GT(fake_->events.at({"r1", 1}).timeUs, 0);

  json many = json::array();
  for (int i = 0; i < 10001; ++i) many.push_back(event(i));
  expectError([&] { appendEvents(many); }, DK_ERR_INVALID_ARGUMENT, "at most 10000");
  many.erase(many.size() - 1);
  EXPECT_EQ(appendEvents(many)["appended"], 10000 - 3);

  const auto list = [&](const json& extra) {
    json r{{"owner", kOwner}, {"run_id", "r1"}};
    r.update(extra);
    return json::parse(adapter_->listRunEvents(r.dump()));
  };
  json page = list(json::object());
  EXPECT_EQ(page["items"].size(), 1000u) << "default limit 1000";
  EXPECT_EQ(page["next_after_seq"], 999);
  EXPECT_EQ(page["items"][0], json({{"run_id", "r1"},
                                    {"seq", 0},
                                    {"type", e["type"]},
                                    {"data", e["data"]},
                                    {"time_us", 4}}));
  page = list({{"limit", 10000}});
  EXPECT_EQ(page["items"].size(), 10000u);
  EXPECT_TRUE(page["next_after_seq"].is_null()) << "exactly 10000 events: no further page";
  page = list({{"after_seq", 9998}, {"limit", 1}});
  EXPECT_EQ(page["items"][0]["seq"], 9999);
  EXPECT_TRUE(page["next_after_seq"].is_null());
  expectError(
      [&] {
        list({{"limit", 10001}});
      },
      DK_ERR_INVALID_ARGUMENT, "\"limit\" must be an integer from 1 to 10000");
  expectError([&] { list({{"limit", 0}}); }, DK_ERR_INVALID_ARGUMENT, "\"limit\"");
}

// ---- Archives and state -----------------------------------------------------------------------

/// A dk_source over a string, read in chunks of at most 3 bytes.
struct StringSource {
  std::string data;
  size_t pos = 0;
  dk_source source{sizeof(dk_source), this, &StringSource::read};
  static int64_t read(void* ctx, char* buffer, size_t capacity) {
    auto* self = static_cast<StringSource*>(ctx);
    const size_t n = std::min({capacity, size_t{3}, self->data.size() - self->pos});
    std::copy_n(self->data.data() + self->pos, n, buffer);
    self->pos += n;
    return static_cast<int64_t>(n);
  }
};

struct StringSink {
  std::string text;
  bool refuse = false;
  dk_sink sink{sizeof(dk_sink), this, &StringSink::write};
  static dk_status write(void* ctx, dk_str chunk) {
    auto* self = static_cast<StringSink*>(ctx);
    if (self->refuse) return DK_ERR_CANCELLED;
    self->text.append(chunk.ptr, chunk.len);
    return DK_OK;
  }
};

TEST_F(StorageAdapterTest, Archives) {
  putProject("p1", 1);
  const std::string request = json{{"owner", kOwner}, {"project_id", "p1"}}.dump();
  EXPECT_EQ(json::parse(adapter_->statArchive(request)), json({{"exists", false}}));
  StringSource source{"hello archive"};
  const json info = json::parse(adapter_->putArchive(request, devkit::sdk::Source(&source.source)));
  EXPECT_EQ(info, json({{"exists", true},
                        {"size", 13},
                        {"sha256", sha256Hex("hello archive")},
                        {"created_us", 7}}));
  EXPECT_EQ(json::parse(adapter_->statArchive(request)), info);
  StringSink sink;
  adapter_->getArchive(request, devkit::sdk::Sink(&sink.sink));
  EXPECT_EQ(sink.text, "hello archive");
  StringSink refusing;
  refusing.refuse = true;
  expectError([&] { adapter_->getArchive(request, devkit::sdk::Sink(&refusing.sink)); },
              DK_ERR_CANCELLED, "");
  EXPECT_EQ(json::parse(adapter_->deleteArchive(request)), json({{"deleted", true}}));
  EXPECT_EQ(json::parse(adapter_->deleteArchive(request)), json({{"deleted", false}}));
  expectError([&] { adapter_->getArchive(request, devkit::sdk::Sink(&sink.sink)); },
              DK_ERR_NOT_FOUND, "p1");
  expectError(
      [&] {
        adapter_->statArchive(json{{"owner", kOwner}, {"project_id", "../x"}}.dump());
      },
      DK_ERR_INVALID_ARGUMENT, "\"project_id\"");
  expectError([&] { adapter_->putArchive("{}", devkit::sdk::Source(&source.source)); },
              DK_ERR_INVALID_ARGUMENT, "\"owner\"");
}

TEST_F(StorageAdapterTest, State) {
  expectError([&] { adapter_->getState(R"({"key":"backup.dirty"})"); }, DK_ERR_NOT_FOUND,
              "state backup.dirty not found");
  adapter_->putState(R"({"key":"backup.dirty","value":["p1","p2"]})");
  EXPECT_EQ(json::parse(adapter_->getState(R"({"key":"backup.dirty"})")),
            json({{"value", {"p1", "p2"}}}));
  adapter_->putState(R"({"key":"n","value":null})");
  EXPECT_EQ(json::parse(adapter_->getState(R"({"key":"n"})")), json({{"value", nullptr}}));
  expectError([&] { adapter_->putState(R"({"key":"k"})"); }, DK_ERR_INVALID_ARGUMENT,
              "\"value\" is required");
  expectError([&] { adapter_->putState(R"({"key":"","value":1})"); }, DK_ERR_INVALID_ARGUMENT,
              "\"key\" must be a string of 1-200 bytes");
  expectError(
      [&] {
        adapter_->putState(json{{"key", std::string(201, 'k')}, {"value", 1}}.dump());
      },
      DK_ERR_INVALID_ARGUMENT, "\"key\"");
  EXPECT_NO_THROW(adapter_->putState(json{{"key", std::string(200, 'k')}, {"value", 1}}.dump()));
  expectError([&] { adapter_->getState(R"({"key":5})"); }, DK_ERR_INVALID_ARGUMENT, "\"key\"");
}

TEST_F(StorageAdapterTest, HealthIsTheBackendsAnswer) {
  EXPECT_EQ(json::parse(adapter_->health())["schema_version"], 1);
}

// ---- Helpers ----------------------------------------------------------------------------------

TEST(StorageUtil, Sha256IsLowerCaseHexAndIncremental) {
  EXPECT_EQ(sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  Sha256 hasher;
  hasher.update("a");
  hasher.update("bc");
  EXPECT_EQ(hasher.hexDigest(), sha256Hex("abc"));
  EXPECT_EQ(hasher.hexDigest(), sha256Hex("")) << "starts over after a digest";
}

TEST(StorageUtil, NowUsIsMicroseconds) {
  const int64_t now = nowUs();
  EXPECT_GT(now, 1'600'000'000'000'000);  // after 2020 in microseconds
  EXPECT_LT(now, 4'000'000'000'000'000);
}

}  // namespace
}  // namespace devkit::storage
