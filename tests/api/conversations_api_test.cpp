// Conversations: create (both paths), list, get with messages (structured blocks), rename, delete.
#include "api_support.hpp"

namespace devkit::testing {
namespace {

using nlohmann::json;

class ConversationsApi : public ApiTest {
 protected:
  void SetUp() override {
    startHost();
    project_ = createProject("chat")["id"];
  }

  // Messages arrive through agent runs (a later issue); here they are written the way the run
  // layer will write them: through the storage plugin.
  void appendMessages(const std::string& conversationId, const json& messages) {
    const core::CallOutcome o = host_->plugins().storage()->call(
        core::StorageOp::kAppendMessages,
        json{{"owner", kAlice}, {"conversation_id", conversationId}, {"messages", messages}}
            .dump());
    ASSERT_TRUE(o.ok()) << o.error;
  }

  std::string project_;
};

TEST_F(ConversationsApi, CreateOnBothPathsWithDefaultAndGivenTitles) {
  HttpResult r = call("POST", "/api/conversations", {{"project_id", project_}});
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(r.json()["title"], "New Conversation");
  EXPECT_EQ(r.json()["project_id"], project_);
  EXPECT_EQ(r.json()["session_id"], nullptr);
  EXPECT_EQ(r.json()["messages"], json::array());
  EXPECT_EQ(r.header("Location"), "/api/conversations/" + r.json()["id"].get<std::string>());

  r = call("POST", "/api/projects/" + project_ + "/conversations", {{"title", "  Bronze layer  "}});
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(r.json()["title"], "Bronze layer");

  // A bare POST (no body at all) is an untitled conversation.
  r = fetch(port_, "POST", "/api/projects/" + project_ + "/conversations", "", "",
            {{"X-Forwarded-Email", kAlice}});
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(r.json()["title"], "New Conversation");
  ASSERT_EQ(call("DELETE", "/api/conversations/" + r.json()["id"].get<std::string>()).status, 200);

  r = call("GET", "/api/projects/" + project_ + "/conversations");
  ASSERT_EQ(r.status, 200) << r.body;
  ASSERT_EQ(r.json().size(), 2u);
  EXPECT_EQ(r.json()[0]["title"], "Bronze layer");  // newest first
  EXPECT_EQ(call("GET", "/api/projects/" + project_).json()["conversation_count"], 2);

  EXPECT_EQ(call("POST", "/api/conversations", {{"project_id", "no-such-project"}}).status, 404);
  EXPECT_EQ(call("GET", "/api/projects/no-such-project/conversations").status, 404);
}

TEST_F(ConversationsApi, GetReturnsMessagesWithToolCallsAndResults) {
  const std::string id = createConversation(project_)["id"];
  const json blocks =
      json::array({{{"type", "thinking"}, {"thinking", "look at the table first"}},
                   {{"type", "text"}, {"text", "Counting the rows."}},
                   {{"type", "tool_use"},
                    {"id", "toolu_1"},
                    {"name", "mcp__databricks__execute_sql"},
                    {"input", {{"query", "SELECT count(*) FROM main.sales.orders"}}}},
                   {{"type", "tool_result"},
                    {"tool_use_id", "toolu_1"},
                    {"content", "42"},
                    {"is_error", false}},
                   {{"type", "text"}, {"text", "There are 42 orders."}}});
  appendMessages(id, json::array({{{"seq", 0},
                                   {"role", "user"},
                                   {"blocks", {{{"type", "text"}, {"text", "How many orders?"}}}}},
                                  {{"seq", 1}, {"role", "assistant"}, {"blocks", blocks}},
                                  {{"seq", 2},
                                   {"role", "assistant"},
                                   {"blocks", {{{"type", "error"}, {"message", "quota"}}}}}}));
  HttpResult r = call("GET", "/api/conversations/" + id);
  ASSERT_EQ(r.status, 200) << r.body;
  const json c = r.json();
  ASSERT_EQ(c["messages"].size(), 3u);
  EXPECT_EQ(c["messages"][0]["content"], "How many orders?");
  EXPECT_EQ(c["messages"][1]["blocks"], blocks);  // exactly as stored, tool calls included
  EXPECT_EQ(c["messages"][1]["content"], "Counting the rows.\n\nThere are 42 orders.");
  EXPECT_EQ(c["messages"][1]["is_error"], false);
  EXPECT_EQ(c["messages"][2]["is_error"], true);
  EXPECT_EQ(c["next_after_seq"], nullptr);
  EXPECT_EQ(c["active_run_id"], nullptr);

  // Paged reading of a long conversation.
  r = call("GET", "/api/conversations/" + id + "?limit=2");
  ASSERT_EQ(r.json()["messages"].size(), 2u);
  EXPECT_EQ(r.json()["next_after_seq"], 1);
  r = call("GET", "/api/conversations/" + id + "?after_seq=1");
  ASSERT_EQ(r.json()["messages"].size(), 1u);
  EXPECT_EQ(r.json()["messages"][0]["seq"], 2);
}

TEST_F(ConversationsApi, RenameAndDelete) {
  const std::string id = createConversation(project_)["id"];
  HttpResult r = call("PATCH", "/api/conversations/" + id, {{"title", "Silver tables"}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json()["title"], "Silver tables");
  EXPECT_EQ(call("GET", "/api/conversations/" + id).json()["title"], "Silver tables");
  r = call("PATCH", "/api/conversations/" + id, {{"title", ""}});
  EXPECT_EQ(r.json()["title"], "New Conversation");

  r = call("DELETE", "/api/conversations/" + id);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json()["deleted_conversation_id"], id);
  EXPECT_EQ(call("GET", "/api/conversations/" + id).status, 404);
  EXPECT_EQ(call("GET", "/api/projects/" + project_ + "/conversations").json().size(), 0u);
}

TEST_F(ConversationsApi, DeletingTheProjectRemovesItsConversations) {
  const std::string id = createConversation(project_)["id"];
  ASSERT_EQ(call("DELETE", "/api/projects/" + project_).status, 200);
  EXPECT_EQ(call("GET", "/api/conversations/" + id).status, 404);
}

}  // namespace
}  // namespace devkit::testing
