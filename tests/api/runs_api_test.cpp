// The host's run layer with a scripted agent backend (tests/fixtures/bad_plugins/fixture_agent.cpp)
// instead of the Claude Code CLI: what the host does with whatever an agent backend writes, with
// long runs, and with runs at shutdown. (agent_api_test.cpp drives the real CLI.)

#include <thread>

#include "api_support.hpp"
#include "sse_client.hpp"

namespace devkit::testing {
namespace {

using nlohmann::json;

class RunsApi : public ApiTest {
 protected:
  void SetUp() override {
    // A short shutdown deadline: one test stops the host under a run that ignores interrupts.
    startHost("[server]\nshutdown_timeout_s = 2\n[plugin.fixture-agent]\nenabled = yes\n");
    projectId_ = createProject("Orders")["id"];
  }

  std::unique_ptr<SseStream> invoke(const std::string& message) {
    return std::make_unique<SseStream>(
        port_, "POST", "/api/agent/invoke", json{{"project_id", projectId_}, {"message", message}},
        std::map<std::string, std::string>{{"X-Forwarded-Email", kAlice}});
  }

  std::string projectId_;
};

TEST_F(RunsApi, InvalidEventsFromTheAgentAreDroppedAndNulCharactersStripped) {
  auto stream = invoke("garbage");
  stream->drain();
  std::vector<std::string> types = stream->types();
  EXPECT_EQ(types, (std::vector<std::string>{"run_started", "session", "text", "result", "done"}));
  EXPECT_EQ(stream->events()[2].data["text"], "ab") << "U+0000 never reaches storage or readers";
  const json conversation =
      call("GET", "/api/conversations/" + stream->header("X-Conversation-Id")).json();
  EXPECT_EQ(conversation["messages"][1]["content"], "ab");
}

TEST_F(RunsApi, ALongRunIsReplayedWholeFromAnyPointEvenBeyondTheMemoryBound) {
  // 25,000 deltas: more than the 20,000 events a run keeps in memory, so the oldest are read back
  // from storage.
  auto stream = invoke("burst 25000");
  const std::string runId = stream->header("X-Run-Id");
  stream->drain();
  ASSERT_EQ(stream->events().size(), 25005u);
  for (const int64_t after : {-1, 10, 12345, 25002}) {
    SseStream replay(port_, "GET",
                     "/api/agent/runs/" + runId + "/events?after=" + std::to_string(after), nullptr,
                     {{"X-Forwarded-Email", kAlice}});
    replay.drain();
    ASSERT_EQ(replay.events().size(), static_cast<size_t>(25004 - after)) << "after " << after;
    for (size_t i = 0; i < replay.events().size(); ++i) {
      ASSERT_EQ(replay.events()[i].id, after + 1 + static_cast<int64_t>(i));
    }
    EXPECT_EQ(replay.events().back().type, "done");
  }
}

TEST_F(RunsApi, StopCancelsAndAStoppedRunCannotBeStoppedAgain) {
  auto stream = invoke("hang");
  const std::string runId = stream->header("X-Run-Id");
  ASSERT_TRUE(stream->until("session").has_value());
  EXPECT_EQ(call("POST", "/api/agent/runs/" + runId + "/stop").status, 202);
  const auto done = stream->until("done");
  ASSERT_TRUE(done.has_value());
  EXPECT_EQ(done->data["status"], "cancelled");
  EXPECT_EQ(call("POST", "/api/agent/runs/" + runId + "/stop").status, 409);
  EXPECT_EQ(call("GET", "/api/agent/runs/" + runId).json()["status"], "cancelled");
  EXPECT_EQ(
      call("POST", "/api/agent/runs/" + runId + "/permissions/r1", {{"decision", "allow"}}).status,
      409);
}

TEST_F(RunsApi, ShutdownEndsARunWhoseAgentIgnoresTheInterruptAndStoresIt) {
  auto stream = invoke("deaf");
  const std::string runId = stream->header("X-Run-Id");
  const std::string conversationId = stream->header("X-Conversation-Id");
  ASSERT_TRUE(stream->until("session").has_value());
  stream->close();
  host_->stop();
  // A new host on the same data dir finds the run stored as failed, with the reason.
  host_.reset();
  startHost();
  const json run = call("GET", "/api/agent/runs/" + runId).json();
  EXPECT_EQ(run["status"], "failed") << run.dump();
  EXPECT_EQ(run["error"]["code"], "host_stopping");
  SseStream replay(port_, "GET", "/api/agent/runs/" + runId + "/events", nullptr,
                   {{"X-Forwarded-Email", kAlice}});
  replay.drain();
  ASSERT_FALSE(replay.events().empty());
  EXPECT_EQ(replay.events().back().type, "done");
  EXPECT_EQ(replay.events().back().data["status"], "failed");
  EXPECT_EQ(call("GET", "/api/conversations/" + conversationId).json()["messages"].size(), 2u);
}

class RunsApiHeartbeat : public ApiTest {
 protected:
  void SetUp() override {
    startHost("[server]\nsse_heartbeat_s = 1\n[plugin.fixture-agent]\nenabled = yes\n");
  }
};

TEST_F(RunsApiHeartbeat, AnIdleStreamGetsHeartbeatCommentsAndEndsWithTheRun) {
  const json project = createProject("Orders");
  SseStream stream(port_, "POST", "/api/agent/invoke",
                   {{"project_id", project["id"]}, {"message", "hang"}},
                   {{"X-Forwarded-Email", kAlice}});
  ASSERT_TRUE(stream.until("session").has_value());
  std::this_thread::sleep_for(std::chrono::milliseconds(2500));
  EXPECT_EQ(call("POST", "/api/agent/runs/" + stream.header("X-Run-Id") + "/stop").status, 202);
  stream.drain();
  EXPECT_GE(stream.comments(), 2) << "one heartbeat a second while nothing happens";
  EXPECT_EQ(stream.events().back().type, "done");
}

TEST_F(RunsApi, ConversationListsItsRunsNewestFirstAndPages) {
  std::string conversationId;
  std::vector<std::string> runIds;
  for (int i = 0; i < 3; ++i) {
    json body = {{"project_id", projectId_}, {"message", "turn " + std::to_string(i)}};
    if (!conversationId.empty()) body["conversation_id"] = conversationId;
    SseStream s(port_, "POST", "/api/agent/invoke", body, {{"X-Forwarded-Email", kAlice}});
    s.drain();
    conversationId = s.header("X-Conversation-Id");
    runIds.push_back(s.header("X-Run-Id"));
  }
  const auto page = call("GET", "/api/conversations/" + conversationId + "/runs?limit=2");
  ASSERT_EQ(page.status, 200);
  ASSERT_EQ(page.json().size(), 2u);
  EXPECT_EQ(page.json()[0]["id"], runIds[2]);
  EXPECT_FALSE(page.header("X-Next-Cursor").empty());
  const json messages = call("GET", "/api/conversations/" + conversationId).json()["messages"];
  ASSERT_EQ(messages.size(), 6u);
  EXPECT_EQ(messages[4]["content"], "turn 2");
  EXPECT_EQ(messages[5]["content"], "turn 2") << "the fixture echoes";
}

}  // namespace
}  // namespace devkit::testing
