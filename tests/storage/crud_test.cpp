// Create, read, replace and delete of every object through the JSON ABI: what a get returns after a
// put, replace semantics, defaults, cascades, message upserts, idempotent run events, host state.
#include <functional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "plugins/proxies.hpp"
#include "storage_test_support.hpp"

namespace devkit::storage_test {
namespace {

// Settings that exercise every JSON type, nesting, and numbers a naive store would mangle.
json richSettings() {
  return {{"model", "databricks-claude-sonnet"},
          {"nested", {{"deep", {{"deeper", json::array({1, "two", nullptr, false})}}}}},
          {"nothing", nullptr},
          {"flag", true},
          {"zero", 0},
          {"negative", -17},
          {"fraction", 3.25},
          {"small", -0.5},
          {"big", int64_t{9007199254740993}},  // 2^53 + 1: not representable as a double
          {"empty_object", json::object()},
          {"empty_array", json::array()},
          {"text", "line\nbreak \"quoted\" back\\slash"}};
}

TEST_P(StorageConformance, ProjectPutThenGetReturnsTheSameValues) {
  const std::string id = newId();
  json project = projectJson(id, kBaseUs + 5);
  project["settings"] = richSettings();

  const json stored = ok("put_project", project);
  EXPECT_TRUE(hasMembers(stored, project));
  const json got = ok("get_project", {{"owner", kOwner}, {"id", id}});
  EXPECT_TRUE(hasMembers(got, project));
  const json page = ok("list_projects", {{"owner", kOwner}});
  ASSERT_EQ(page["items"].size(), 1u) << page.dump();
  EXPECT_TRUE(hasMembers(page["items"][0], project));
  EXPECT_TRUE(page["next_cursor"].is_null()) << page.dump();
}

TEST_P(StorageConformance, ProjectPutFillsDefaults) {
  const std::string id = newId();
  const int64_t before = nowUs();
  const json stored = ok("put_project", {{"owner", kOwner}, {"id", id}, {"name", "Defaults"}});
  const int64_t after = nowUs();
  const json got = ok("get_project", {{"owner", kOwner}, {"id", id}});
  for (const json& p : {stored, got}) {
    EXPECT_EQ(p.value("settings", json()), json::object()) << p.dump();
    ASSERT_TRUE(p.contains("created_us") && p["created_us"].is_number_integer()) << p.dump();
    ASSERT_TRUE(p.contains("updated_us") && p["updated_us"].is_number_integer()) << p.dump();
    EXPECT_GE(p["created_us"].get<int64_t>(), before) << p.dump();
    EXPECT_LE(p["created_us"].get<int64_t>(), after) << p.dump();
    EXPECT_GE(p["updated_us"].get<int64_t>(), before) << p.dump();
    EXPECT_LE(p["updated_us"].get<int64_t>(), after) << p.dump();
  }
  EXPECT_EQ(stored, got);
}

TEST_P(StorageConformance, ProjectPutReplacesEveryMember) {
  const std::string id = newId();
  json first = projectJson(id, kBaseUs);
  first["settings"] = {{"old", 1}, {"keep", "no"}};
  ok("put_project", first);

  json second = projectJson(id, kBaseUs + 99);
  second["name"] = "Renamed";
  second["settings"] = {{"new", 2}};
  second["created_us"] = kBaseUs + 1;
  EXPECT_TRUE(hasMembers(ok("put_project", second), second));

  const json got = ok("get_project", {{"owner", kOwner}, {"id", id}});
  EXPECT_TRUE(hasMembers(got, second));
  EXPECT_EQ(got["settings"], second["settings"]) << "settings must be replaced, not merged";
  EXPECT_EQ(ok("list_projects", {{"owner", kOwner}})["items"].size(), 1u);
}

TEST_P(StorageConformance, ReplacingAnObjectKeepsWhatIsUnderIt) {
  // A replace is an update: it must not delete and re-insert the row (which would cascade).
  const auto [projectId, conversationId, runId] = putTree();

  json project = projectJson(projectId, kBaseUs + 10);
  project["name"] = "Replaced";
  ok("put_project", project);
  json conversation = conversationJson(conversationId, projectId, kBaseUs + 10);
  conversation["title"] = "Replaced";
  ok("put_conversation", conversation);
  json run = runJson(runId, conversationId);
  run["status"] = "completed";
  run["ended_us"] = kBaseUs + 20;
  ok("put_run", run);

  EXPECT_EQ(
      ok("list_conversations", {{"owner", kOwner}, {"project_id", projectId}})["items"].size(), 1u);
  EXPECT_EQ(
      ok("list_messages", {{"owner", kOwner}, {"conversation_id", conversationId}})["items"].size(),
      1u);
  EXPECT_EQ(
      ok("list_runs", {{"owner", kOwner}, {"conversation_id", conversationId}})["items"].size(),
      1u);
  EXPECT_EQ(ok("list_run_events", {{"owner", kOwner}, {"run_id", runId}})["items"].size(), 1u);
  EXPECT_EQ(getArchiveBytes(projectId), "kept archive");
}

TEST_P(StorageConformance, LargeValuesRoundTrip) {
  // Tool results and settings can be big; the host's per-call output limit is 64 MiB.
  std::string big(8 * 1024 * 1024, 'x');
  for (size_t i = 0; i < big.size(); i += 997) big[i] = static_cast<char>('a' + i % 26);
  const std::string projectId = newId();
  json project = projectJson(projectId);
  project["settings"] = {{"blob", big.substr(0, 1024 * 1024)}};
  ok("put_project", project);
  EXPECT_TRUE(hasMembers(ok("get_project", {{"owner", kOwner}, {"id", projectId}}), project));

  const std::string conversationId = putConversation(projectId);
  json message = messageJson(0, big);
  ok("append_messages", {{"owner", kOwner},
                         {"conversation_id", conversationId},
                         {"messages", json::array({message, messageJson(1, big)})}});
  const json messages =
      ok("list_messages", {{"owner", kOwner}, {"conversation_id", conversationId}});
  ASSERT_EQ(messages["items"].size(), 2u);
  EXPECT_TRUE(messages["items"][0]["blocks"] == message["blocks"]) << "an 8 MiB block changed";

  const std::string runId = putRun(conversationId);
  const json event = eventJson(0, {{"output", big.substr(0, 2 * 1024 * 1024)}});
  ok("append_run_events", {{"owner", kOwner}, {"run_id", runId}, {"events", json::array({event})}});
  EXPECT_TRUE(ok("list_run_events", {{"owner", kOwner}, {"run_id", runId}})["items"][0]["data"] ==
              event["data"]);
}

TEST_P(StorageConformance, ConversationPutThenGetAndReplace) {
  const std::string projectId = putProject();
  const std::string id = newId();
  json conversation = conversationJson(id, projectId, kBaseUs + 7);
  conversation["claude_session_id"] = "sess-0123";
  EXPECT_TRUE(hasMembers(ok("put_conversation", conversation), conversation));
  EXPECT_TRUE(hasMembers(ok("get_conversation", {{"owner", kOwner}, {"id", id}}), conversation));

  conversation["title"] = "Second title";
  conversation["claude_session_id"] = nullptr;
  conversation["updated_us"] = kBaseUs + 8;
  EXPECT_TRUE(hasMembers(ok("put_conversation", conversation), conversation));
  EXPECT_TRUE(hasMembers(ok("get_conversation", {{"owner", kOwner}, {"id", id}}), conversation));

  const json page = ok("list_conversations", {{"owner", kOwner}, {"project_id", projectId}});
  ASSERT_EQ(page["items"].size(), 1u) << page.dump();
  EXPECT_TRUE(hasMembers(page["items"][0], conversation));
}

TEST_P(StorageConformance, ConversationTitleDefaultsToEmpty) {
  const std::string projectId = putProject();
  const std::string id = newId();
  const json stored = ok(
      "put_conversation",
      {{"owner", kOwner}, {"id", id}, {"project_id", projectId}, {"claude_session_id", nullptr}});
  EXPECT_EQ(stored.value("title", json()), "") << stored.dump();
  const json got = ok("get_conversation", {{"owner", kOwner}, {"id", id}});
  EXPECT_EQ(got.value("title", json()), "") << got.dump();
  EXPECT_TRUE(got.value("updated_us", json()).is_number_integer()) << got.dump();
}

TEST_P(StorageConformance, RunPutThenGetAndReplace) {
  const std::string conversationId = putConversation(putProject());
  const std::string id = newId();
  json run = runJson(id, conversationId, kBaseUs + 3);
  EXPECT_TRUE(hasMembers(ok("put_run", run), run));
  EXPECT_TRUE(hasMembers(ok("get_run", {{"owner", kOwner}, {"id", id}}), run));

  run["status"] = "failed";
  run["ended_us"] = kBaseUs + 4'000'000;
  run["usage"] = {{"input_tokens", 1200}, {"output_tokens", 345}, {"cache", {{"hit", true}}}};
  run["cost_usd"] = 0.0123;
  run["error"] = {{"code", "model_error"}, {"message", "overloaded"}, {"retry", nullptr}};
  EXPECT_TRUE(hasMembers(ok("put_run", run), run));
  const json got = ok("get_run", {{"owner", kOwner}, {"id", id}});
  EXPECT_TRUE(hasMembers(got, run));
  EXPECT_DOUBLE_EQ(got.value("cost_usd", 0.0), 0.0123);

  // Costs keep their exact double value.
  for (const double cost : {0.0, 1e-9, 0.1, 123456.789012345, 3.0e100}) {
    run["cost_usd"] = cost;
    ok("put_run", run);
    EXPECT_EQ(ok("get_run", {{"owner", kOwner}, {"id", id}})["cost_usd"].get<double>(), cost);
  }
  for (const char* status : {"running", "completed", "cancelled", "failed"}) {
    run["status"] = status;
    ok("put_run", run);
    EXPECT_EQ(ok("get_run", {{"owner", kOwner}, {"id", id}})["status"], status);
  }
  const json page = ok("list_runs", {{"owner", kOwner}, {"conversation_id", conversationId}});
  ASSERT_EQ(page["items"].size(), 1u) << page.dump();
  EXPECT_TRUE(hasMembers(page["items"][0], run));
}

TEST_P(StorageConformance, MessagesAppendThenList) {
  const std::string conversationId = putConversation(putProject());
  const std::string runId = putRun(conversationId);
  const json messages = json::array({
      {{"seq", 0},
       {"role", "user"},
       {"blocks", json::array({{{"type", "text"}, {"text", "Hello"}}})},
       {"run_id", nullptr},
       {"created_us", kBaseUs}},
      {{"seq", 1},
       {"role", "assistant"},
       {"blocks", json::array({{{"type", "thinking"}, {"thinking", "hm"}},
                               {{"type", "tool_use"},
                                {"id", "tu_1"},
                                {"name", "run_sql"},
                                {"input", {{"sql", "SELECT 1"}, {"limit", 10}}}},
                               {{"type", "tool_result"},
                                {"tool_use_id", "tu_1"},
                                {"content", json::array({{{"type", "text"}, {"text", "1"}}})},
                                {"is_error", false}},
                               {{"type", "text"}, {"text", "Done."}}})},
       {"run_id", runId},
       {"created_us", kBaseUs + 1}},
      {{"seq", 2},
       {"role", "system"},
       {"blocks", json::array({{{"type", "error"}, {"message", "stopped"}}})},
       {"run_id", runId},
       {"created_us", kBaseUs + 2}},
      {{"seq", 3},
       {"role", "user"},
       {"blocks", json::array()},
       {"run_id", nullptr},
       {"created_us", kBaseUs + 3}},
  });
  const json appended =
      ok("append_messages",
         {{"owner", kOwner}, {"conversation_id", conversationId}, {"messages", messages}});
  EXPECT_EQ(appended, json({{"appended", 4}}));

  const json page = ok("list_messages", {{"owner", kOwner}, {"conversation_id", conversationId}});
  ASSERT_EQ(page["items"].size(), messages.size()) << page.dump();
  EXPECT_TRUE(page["next_after_seq"].is_null()) << page.dump();
  for (size_t i = 0; i < messages.size(); ++i) {
    json expected = messages[i];
    expected["conversation_id"] = conversationId;
    EXPECT_TRUE(hasMembers(page["items"][i], expected));
  }
}

TEST_P(StorageConformance, MessageCreatedUsDefaultsToNow) {
  const std::string conversationId = putConversation(putProject());
  const int64_t before = nowUs();
  ok("append_messages",
     {{"owner", kOwner},
      {"conversation_id", conversationId},
      {"messages", json::array({{{"seq", 0}, {"role", "user"}, {"blocks", json::array()}}})}});
  const int64_t after = nowUs();
  const json page = ok("list_messages", {{"owner", kOwner}, {"conversation_id", conversationId}});
  ASSERT_EQ(page["items"].size(), 1u) << page.dump();
  const json& message = page["items"][0];
  ASSERT_TRUE(message.value("created_us", json()).is_number_integer()) << message.dump();
  EXPECT_GE(message["created_us"].get<int64_t>(), before);
  EXPECT_LE(message["created_us"].get<int64_t>(), after);
  EXPECT_TRUE(message.value("run_id", json("absent")).is_null()) << message.dump();
}

TEST_P(StorageConformance, RunEventsAppendThenList) {
  const std::string runId = putRun(putConversation(putProject()));
  const json events = json::array({
      eventJson(0, {{"text", "a"}}),
      eventJson(1, json::array({1, 2, 3})),
      eventJson(2, "just a string"),
      eventJson(3, 42),
      eventJson(4, 2.5),
      eventJson(5, nullptr),
      eventJson(6, true),
      eventJson(7, richSettings()),
  });
  EXPECT_EQ(ok("append_run_events", {{"owner", kOwner}, {"run_id", runId}, {"events", events}}),
            json({{"appended", 8}}));
  const json page = ok("list_run_events", {{"owner", kOwner}, {"run_id", runId}});
  ASSERT_EQ(page["items"].size(), events.size()) << page.dump();
  EXPECT_TRUE(page["next_after_seq"].is_null()) << page.dump();
  for (size_t i = 0; i < events.size(); ++i) {
    json expected = events[i];
    expected["run_id"] = runId;
    EXPECT_TRUE(hasMembers(page["items"][i], expected));
  }
}

TEST_P(StorageConformance, AppendMessagesUpsertsBySeq) {
  const std::string conversationId = putConversation(putProject());
  const json request = {{"owner", kOwner},
                        {"conversation_id", conversationId},
                        {"messages", json::array({messageJson(0, "question"), messageJson(1, "ans"),
                                                  messageJson(2, "next")})}};
  EXPECT_EQ(ok("append_messages", request), json({{"appended", 3}}));

  // A streamed assistant message grows: the same seq again replaces it, whatever its content.
  json grown = messageJson(1, "answer, now complete");
  grown["blocks"].push_back({{"type", "tool_use"}, {"id", "t"}, {"name", "x"}, {"input", {}}});
  const json upsert = ok(
      "append_messages",
      {{"owner", kOwner}, {"conversation_id", conversationId}, {"messages", json::array({grown})}});
  EXPECT_TRUE(upsert.value("appended", json()).is_number_integer()) << upsert.dump();

  const std::vector<json> items =
      walkSeq("list_messages", {{"owner", kOwner}, {"conversation_id", conversationId}}, 100);
  ASSERT_EQ(items.size(), 3u);
  EXPECT_EQ(items[0]["blocks"], request["messages"][0]["blocks"]);
  EXPECT_EQ(items[1]["blocks"], grown["blocks"]);
  EXPECT_EQ(items[2]["blocks"], request["messages"][2]["blocks"]);
}

TEST_P(StorageConformance, AppendRunEventsKeepsExistingSeqs) {
  const std::string runId = putRun(putConversation(putProject()));
  json first = json::array();
  for (int seq = 0; seq < 5; ++seq) first.push_back(eventJson(seq, {{"v", "first"}}));
  EXPECT_EQ(ok("append_run_events", {{"owner", kOwner}, {"run_id", runId}, {"events", first}}),
            json({{"appended", 5}}));

  // A retry that overlaps: 3 and 4 exist and are kept (not replaced, not counted).
  json second = json::array();
  for (int seq = 3; seq < 8; ++seq) second.push_back(eventJson(seq, {{"v", "second"}}));
  EXPECT_EQ(ok("append_run_events", {{"owner", kOwner}, {"run_id", runId}, {"events", second}}),
            json({{"appended", 3}}));
  // Exactly the same batch again: nothing new.
  EXPECT_EQ(ok("append_run_events", {{"owner", kOwner}, {"run_id", runId}, {"events", second}}),
            json({{"appended", 0}}));

  const std::vector<json> items =
      walkSeq("list_run_events", {{"owner", kOwner}, {"run_id", runId}}, 1000);
  ASSERT_EQ(items.size(), 8u);
  for (int seq = 0; seq < 8; ++seq) {
    EXPECT_EQ(items[seq]["seq"], seq);
    EXPECT_EQ(items[seq]["data"]["v"], seq < 5 ? "first" : "second") << items[seq].dump();
  }
}

TEST_P(StorageConformance, AppendRunEventsDuplicateSeqInOneCallCountsOnce) {
  const std::string runId = putRun(putConversation(putProject()));
  const json events = json::array({eventJson(0, "a"), eventJson(1, "b"), eventJson(1, "c")});
  EXPECT_EQ(ok("append_run_events", {{"owner", kOwner}, {"run_id", runId}, {"events", events}}),
            json({{"appended", 2}}));
  const json page = ok("list_run_events", {{"owner", kOwner}, {"run_id", runId}});
  ASSERT_EQ(page["items"].size(), 2u) << page.dump();
  EXPECT_EQ(page["items"][1]["data"], "b") << "the first of a duplicate seq is the one kept";
}

TEST_P(StorageConformance, GetOfUnknownIdsIsNotFound) {
  const std::string unknown = newId();
  expectStatus("get_project", {{"owner", kOwner}, {"id", unknown}}, DK_ERR_NOT_FOUND);
  expectStatus("get_conversation", {{"owner", kOwner}, {"id", unknown}}, DK_ERR_NOT_FOUND);
  expectStatus("get_run", {{"owner", kOwner}, {"id", unknown}}, DK_ERR_NOT_FOUND);
  expectStatus("delete_project", {{"owner", kOwner}, {"id", unknown}}, DK_ERR_NOT_FOUND);
  expectStatus("delete_conversation", {{"owner", kOwner}, {"id", unknown}}, DK_ERR_NOT_FOUND);
  expectStatus("list_conversations", {{"owner", kOwner}, {"project_id", unknown}},
               DK_ERR_NOT_FOUND);
  expectStatus("list_messages", {{"owner", kOwner}, {"conversation_id", unknown}},
               DK_ERR_NOT_FOUND);
  expectStatus("list_runs", {{"owner", kOwner}, {"conversation_id", unknown}}, DK_ERR_NOT_FOUND);
  expectStatus("list_run_events", {{"owner", kOwner}, {"run_id", unknown}}, DK_ERR_NOT_FOUND);
  expectStatus("get_archive", {{"owner", kOwner}, {"project_id", putProject()}}, DK_ERR_NOT_FOUND);
  const json empty = ok("list_projects", {{"owner", "nobody@example.com"}});
  EXPECT_EQ(empty, json({{"items", json::array()}, {"next_cursor", nullptr}}));
}

TEST_P(StorageConformance, ChildrenNeedAnExistingParent) {
  const std::string unknown = newId();
  expectStatus("put_conversation", conversationJson(newId(), unknown), DK_ERR_NOT_FOUND);
  expectStatus("put_run", runJson(newId(), unknown), DK_ERR_NOT_FOUND);
  expectStatus("append_messages",
               {{"owner", kOwner},
                {"conversation_id", unknown},
                {"messages", json::array({messageJson(0, "x")})}},
               DK_ERR_NOT_FOUND);
  expectStatus("append_run_events",
               {{"owner", kOwner}, {"run_id", unknown}, {"events", json::array({eventJson(0, 1)})}},
               DK_ERR_NOT_FOUND);
  const Reply put = putArchiveBytes(unknown, "bytes");
  EXPECT_EQ(put.status(), DK_ERR_NOT_FOUND) << put.describe();
  // Nothing was created on the way.
  EXPECT_EQ(ok("list_projects", {{"owner", kOwner}})["items"].size(), 0u);
}

TEST_P(StorageConformance, DeleteProjectRemovesEverythingUnderIt) {
  // Two projects; only the first is deleted.
  const std::string doomed = putProject();
  const std::string kept = putProject();
  std::vector<std::string> conversations, runs;
  for (const std::string& projectId : {doomed, kept}) {
    for (int c = 0; c < 2; ++c) {
      const std::string conversationId = putConversation(projectId);
      conversations.push_back(conversationId);
      const std::string runId = putRun(conversationId);
      runs.push_back(runId);
      ok("append_messages",
         {{"owner", kOwner},
          {"conversation_id", conversationId},
          {"messages", json::array({messageJson(0, "a"), messageJson(1, "b")})}});
      ok("append_run_events",
         {{"owner", kOwner}, {"run_id", runId}, {"events", json::array({eventJson(0, 1)})}});
    }
    ASSERT_EQ(putArchiveBytes(projectId, "archive of " + projectId).status(), DK_OK);
  }

  EXPECT_EQ(ok("delete_project", {{"owner", kOwner}, {"id", doomed}}), json({{"deleted", true}}));
  expectStatus("get_project", {{"owner", kOwner}, {"id", doomed}}, DK_ERR_NOT_FOUND);
  expectStatus("delete_project", {{"owner", kOwner}, {"id", doomed}}, DK_ERR_NOT_FOUND);
  for (int i = 0; i < 2; ++i) {
    expectStatus("get_conversation", {{"owner", kOwner}, {"id", conversations[i]}},
                 DK_ERR_NOT_FOUND);
    expectStatus("list_messages", {{"owner", kOwner}, {"conversation_id", conversations[i]}},
                 DK_ERR_NOT_FOUND);
    expectStatus("list_runs", {{"owner", kOwner}, {"conversation_id", conversations[i]}},
                 DK_ERR_NOT_FOUND);
    expectStatus("get_run", {{"owner", kOwner}, {"id", runs[i]}}, DK_ERR_NOT_FOUND);
    expectStatus("list_run_events", {{"owner", kOwner}, {"run_id", runs[i]}}, DK_ERR_NOT_FOUND);
  }
  expectStatus("get_archive", {{"owner", kOwner}, {"project_id", doomed}}, DK_ERR_NOT_FOUND);

  // Re-creating the same ids must not resurrect anything that was under them.
  ok("put_project", projectJson(doomed));
  EXPECT_EQ(ok("stat_archive", {{"owner", kOwner}, {"project_id", doomed}}).value("exists", true),
            false);
  EXPECT_EQ(ok("list_conversations", {{"owner", kOwner}, {"project_id", doomed}})["items"].size(),
            0u);
  ok("put_conversation", conversationJson(conversations[0], doomed));
  EXPECT_EQ(ok("list_messages", {{"owner", kOwner}, {"conversation_id", conversations[0]}})["items"]
                .size(),
            0u);
  EXPECT_EQ(
      ok("list_runs", {{"owner", kOwner}, {"conversation_id", conversations[0]}})["items"].size(),
      0u);
  ok("put_run", runJson(runs[0], conversations[0]));
  EXPECT_EQ(ok("list_run_events", {{"owner", kOwner}, {"run_id", runs[0]}})["items"].size(), 0u);

  // The other project is untouched.
  ok("get_project", {{"owner", kOwner}, {"id", kept}});
  for (int i = 2; i < 4; ++i) {
    ok("get_conversation", {{"owner", kOwner}, {"id", conversations[i]}});
    EXPECT_EQ(
        ok("list_messages", {{"owner", kOwner}, {"conversation_id", conversations[i]}})["items"]
            .size(),
        2u);
    EXPECT_EQ(ok("list_run_events", {{"owner", kOwner}, {"run_id", runs[i]}})["items"].size(), 1u);
  }
  EXPECT_EQ(getArchiveBytes(kept), "archive of " + kept);
}

TEST_P(StorageConformance, DeleteConversationRemovesMessagesRunsAndEvents) {
  const std::string projectId = putProject();
  const std::string doomed = putConversation(projectId);
  const std::string kept = putConversation(projectId);
  std::vector<std::string> runs;
  for (const std::string& conversationId : {doomed, kept}) {
    const std::string runId = putRun(conversationId);
    runs.push_back(runId);
    ok("append_messages", {{"owner", kOwner},
                           {"conversation_id", conversationId},
                           {"messages", json::array({messageJson(0, "a")})}});
    ok("append_run_events",
       {{"owner", kOwner}, {"run_id", runId}, {"events", json::array({eventJson(0, 1)})}});
  }
  ASSERT_EQ(putArchiveBytes(projectId, "project archive").status(), DK_OK);

  EXPECT_EQ(ok("delete_conversation", {{"owner", kOwner}, {"id", doomed}}),
            json({{"deleted", true}}));
  expectStatus("get_conversation", {{"owner", kOwner}, {"id", doomed}}, DK_ERR_NOT_FOUND);
  expectStatus("delete_conversation", {{"owner", kOwner}, {"id", doomed}}, DK_ERR_NOT_FOUND);
  expectStatus("get_run", {{"owner", kOwner}, {"id", runs[0]}}, DK_ERR_NOT_FOUND);
  expectStatus("list_run_events", {{"owner", kOwner}, {"run_id", runs[0]}}, DK_ERR_NOT_FOUND);

  ok("put_conversation", conversationJson(doomed, projectId));
  EXPECT_EQ(ok("list_messages", {{"owner", kOwner}, {"conversation_id", doomed}})["items"].size(),
            0u);
  EXPECT_EQ(ok("list_runs", {{"owner", kOwner}, {"conversation_id", doomed}})["items"].size(), 0u);

  // Siblings and the project (with its archive) are untouched.
  EXPECT_EQ(ok("list_messages", {{"owner", kOwner}, {"conversation_id", kept}})["items"].size(),
            1u);
  EXPECT_EQ(ok("list_run_events", {{"owner", kOwner}, {"run_id", runs[1]}})["items"].size(), 1u);
  EXPECT_EQ(getArchiveBytes(projectId), "project archive");
}

TEST_P(StorageConformance, StatePutThenGet) {
  const std::vector<json> values = {
      {{"dirty", json::array({"p1", "p2"})}, {"since_us", kBaseUs}},
      json::array(),
      "text",
      12345,
      -1.5,
      false,
      richSettings(),
  };
  for (const json& value : values) {
    ok("put_state", {{"key", "backup.dirty"}, {"value", value}});
    EXPECT_EQ(ok("get_state", {{"key", "backup.dirty"}}), json({{"value", value}}));
  }
  ok("put_state", {{"key", "other.key"}, {"value", 1}});
  EXPECT_EQ(ok("get_state", {{"key", "other.key"}}), json({{"value", 1}}));
  EXPECT_EQ(ok("get_state", {{"key", "backup.dirty"}}), json({{"value", values.back()}}));

  const Reply unknown = expectStatus("get_state", {{"key", "never.set"}}, DK_ERR_NOT_FOUND);
  EXPECT_FALSE(unknown.outcome.error.empty());
}

TEST_P(StorageConformance, UnicodeRoundTrips) {
  // Emoji and other 4-byte sequences, CJK, right-to-left, combining marks, the last code points of
  // each plane, line/paragraph separators and every control character except NUL (JSON-escaped).
  std::string controls;
  for (char c = 1; c < 0x20; ++c) controls += c;
  controls += '\x7f';
  const std::string text =
      "Ünïcödé 😀🚀👩‍💻 漢字かなカナ 한국어 עברית العربية "
      "e\u0301 "
      "\u200f\u202e "
      "\u2028\u2029 \uFFFD \uFFFF 𝄞 \U0010FFFF " +
      controls + " \"\\/";
  const std::string projectId = newId();
  json project = projectJson(projectId);
  project["name"] = "项目 🚀 مشروع";
  project["settings"] = {{"text", text}, {"键", "值"}, {"😀", json::array({text})}};
  EXPECT_TRUE(hasMembers(ok("put_project", project), project));
  EXPECT_TRUE(hasMembers(ok("get_project", {{"owner", kOwner}, {"id", projectId}}), project));

  const std::string conversationId = newId();
  json conversation = conversationJson(conversationId, projectId);
  conversation["title"] = text;
  conversation["claude_session_id"] = "セッション";
  ok("put_conversation", conversation);
  EXPECT_TRUE(hasMembers(ok("get_conversation", {{"owner", kOwner}, {"id", conversationId}}),
                         conversation));

  const json message = messageJson(0, text);
  ok("append_messages", {{"owner", kOwner},
                         {"conversation_id", conversationId},
                         {"messages", json::array({message})}});
  const json messages =
      ok("list_messages", {{"owner", kOwner}, {"conversation_id", conversationId}});
  ASSERT_EQ(messages["items"].size(), 1u);
  EXPECT_EQ(messages["items"][0]["blocks"], message["blocks"]);

  const std::string runId = putRun(conversationId);
  ok("append_run_events", {{"owner", kOwner},
                           {"run_id", runId},
                           {"events", json::array({eventJson(0, {{"delta", text}})})}});
  EXPECT_EQ(ok("list_run_events", {{"owner", kOwner}, {"run_id", runId}})["items"][0]["data"],
            json({{"delta", text}}));

  ok("put_state", {{"key", "ключ.🔑"}, {"value", text}});
  EXPECT_EQ(ok("get_state", {{"key", "ключ.🔑"}}), json({{"value", text}}));

  // Owners are e-mail addresses and may be internationalised.
  const std::string owner = "ユーザー@例え.jp";
  const std::string theirs = newId();
  ok("put_project", projectJson(theirs, kBaseUs, owner));
  EXPECT_EQ(ok("get_project", {{"owner", owner}, {"id", theirs}})["owner"], owner);
  expectStatus("get_project", {{"owner", kOwner}, {"id", theirs}}, DK_ERR_NOT_FOUND);
}

TEST_P(StorageConformance, NulCharactersAreStoredOrRefused) {
  // U+0000 is valid in JSON strings ("\u0000") but not in every database's text: each place a
  // string is stored either keeps it exactly or refuses it as input, never fails internally.
  const std::string nul("a\0b", 3);
  const std::string projectId = putProject();
  const std::string conversationId = putConversation(projectId);
  const std::string runId = putRun(conversationId);
  const auto check = [&](const std::string& what, const Reply& put,
                         const std::function<json()>& readBack, const json& expected) {
    EXPECT_TRUE(put.status() == DK_OK || put.status() == DK_ERR_INVALID_ARGUMENT)
        << what << ": " << put.describe();
    RecordProperty(what, plugins::statusName(put.status()));
    if (put.status() == DK_OK) {
      EXPECT_EQ(readBack(), expected) << what << " was not kept exactly";
    }
  };

  json project = projectJson(newId());
  project["name"] = nul;
  check(
      "a project name", call("put_project", project),
      [&] {
        return ok("get_project", {{"owner", kOwner}, {"id", project["id"]}})["name"];
      },
      nul);
  project["name"] = "n";
  project["settings"] = {{"x", nul}};
  check(
      "a settings value", call("put_project", project),
      [&] {
        return ok("get_project", {{"owner", kOwner}, {"id", project["id"]}})["settings"];
      },
      project["settings"]);
  json conversation = conversationJson(newId(), projectId);
  conversation["title"] = nul;
  check(
      "a title", call("put_conversation", conversation),
      [&] {
        return ok("get_conversation", {{"owner", kOwner}, {"id", conversation["id"]}})["title"];
      },
      nul);
  check(
      "a message block",
      call("append_messages", {{"owner", kOwner},
                               {"conversation_id", conversationId},
                               {"messages", json::array({messageJson(0, nul)})}}),
      [&] {
        return ok("list_messages",
                  {{"owner", kOwner}, {"conversation_id", conversationId}})["items"][0]["blocks"];
      },
      messageJson(0, nul)["blocks"]);
  check(
      "run event data",
      call("append_run_events",
           {{"owner", kOwner}, {"run_id", runId}, {"events", json::array({eventJson(0, nul)})}}),
      [&] {
        return ok("list_run_events", {{"owner", kOwner}, {"run_id", runId}})["items"][0]["data"];
      },
      nul);
  check(
      "a state value", call("put_state", {{"key", "nul"}, {"value", nul}}),
      [&] {
        return ok("get_state", {{"key", "nul"}})["value"];
      },
      nul);
  check(
      "an owner", call("put_project", projectJson(newId(), kBaseUs, "x" + nul + "@y.z")),
      [&] { return json(nul); }, nul);
  // The store still works afterwards.
  ok("get_project", {{"owner", kOwner}, {"id", projectId}});
}

TEST_P(StorageConformance, BoundaryValuesAreAccepted) {
  const std::string longId =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-" + std::string(63, 'x');
  ASSERT_EQ(longId.size(), 128u);
  const std::string owner = std::string(314, 'o') + "@x.com";
  ASSERT_EQ(owner.size(), 320u);
  std::string emojiName;
  for (int i = 0; i < 50; ++i) emojiName += "😀";  // 200 bytes, 50 characters
  for (const std::string& name : {std::string(200, 'n'), emojiName, std::string("n")}) {
    json project = projectJson(longId, kBaseUs, owner);
    project["name"] = name;
    EXPECT_TRUE(hasMembers(ok("put_project", project), project));
    EXPECT_TRUE(hasMembers(ok("get_project", {{"owner", owner}, {"id", longId}}), project));
  }

  const std::string conversationId = newId();
  json conversation = conversationJson(conversationId, longId, kBaseUs, owner);
  conversation["title"] = std::string(500, 't');
  EXPECT_TRUE(hasMembers(ok("put_conversation", conversation), conversation));
  conversation["title"] = "";
  EXPECT_TRUE(hasMembers(ok("put_conversation", conversation), conversation));

  const std::string runId = newId();
  ok("put_run", runJson(runId, conversationId, kBaseUs, owner));
  json event = eventJson(0, nullptr);
  event["type"] = std::string(64, 'e');
  ok("append_run_events", {{"owner", owner}, {"run_id", runId}, {"events", json::array({event})}});
  EXPECT_EQ(ok("list_run_events", {{"owner", owner}, {"run_id", runId}})["items"][0]["type"],
            event["type"]);

  // seq 0 and a seq beyond 32 bits (seq is a 64-bit integer).
  const int64_t bigSeq = int64_t{1} << 40;
  ok("append_messages",
     {{"owner", owner},
      {"conversation_id", conversationId},
      {"messages", json::array({messageJson(0, "a"), messageJson(bigSeq, "b")})}});
  const json messages =
      ok("list_messages", {{"owner", owner}, {"conversation_id", conversationId}, {"limit", 1000}});
  ASSERT_EQ(messages["items"].size(), 2u) << messages.dump();
  EXPECT_EQ(messages["items"][1]["seq"], bigSeq);

  const std::string key(200, 'k');
  ok("put_state", {{"key", key}, {"value", 1}});
  EXPECT_EQ(ok("get_state", {{"key", key}}), json({{"value", 1}}));

  // Maximum batch sizes.
  json manyMessages = json::array();
  for (int seq = 0; seq < 1000; ++seq) manyMessages.push_back(messageJson(seq, "m"));
  EXPECT_EQ(ok("append_messages",
               {{"owner", owner}, {"conversation_id", conversationId}, {"messages", manyMessages}}),
            json({{"appended", 1000}}));
  json manyEvents = json::array();
  for (int seq = 0; seq < 10000; ++seq) manyEvents.push_back(eventJson(seq, seq));
  // seq 0 exists already: 9999 new.
  EXPECT_EQ(ok("append_run_events", {{"owner", owner}, {"run_id", runId}, {"events", manyEvents}}),
            json({{"appended", 9999}}));
  EXPECT_EQ(ok("list_run_events", {{"owner", owner}, {"run_id", runId}, {"limit", 10000}})["items"]
                .size(),
            10000u);
}

TEST_P(StorageConformance, UnknownMembersAreIgnored) {
  const std::string id = newId();
  json project = projectJson(id);
  project["future_member"] = {{"x", 1}};
  const json stored = ok("put_project", project);
  EXPECT_FALSE(stored.contains("future_member")) << stored.dump();
  const json got = ok("get_project", {{"owner", kOwner}, {"id", id}, {"also_unknown", true}});
  EXPECT_FALSE(got.contains("future_member")) << got.dump();
  project.erase("future_member");
  EXPECT_TRUE(hasMembers(got, project));
  ok("list_projects", {{"owner", kOwner}, {"cursor", nullptr}, {"whatever", json::array()}});
}

TEST_P(StorageConformance, HealthIsReachable) {
  const json health = storage_->health();
  EXPECT_EQ(health.value("status", ""), "ok") << health.dump();
  EXPECT_EQ(health.value("reachable", false), true) << health.dump();
  ASSERT_TRUE(health.value("schema_version", json()).is_number_integer()) << health.dump();
  EXPECT_GE(health["schema_version"].get<int64_t>(), 1) << health.dump();
  EXPECT_TRUE(health.value("detail", json()).is_string()) << health.dump();
}

}  // namespace
}  // namespace devkit::storage_test
