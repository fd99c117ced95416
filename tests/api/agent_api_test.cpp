// Agent turns through the REST API, end to end: a real in-process host with storage-local and the
// real agent-claude plugin driving the REAL Claude Code CLI, which talks to a scripted mock of the
// Anthropic Messages API (tests/support/mock_anthropic.hpp; the real API is out of reach from the
// test machines). What is asserted is what a client sees: the event stream, the stored
// conversation and runs, files in the project, and the errors.

#include <signal.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <future>
#include <set>
#include <thread>

#include "api_support.hpp"
#include "mock_anthropic.hpp"
#include "sse_client.hpp"

namespace devkit::testing {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;
using std::chrono::seconds;

json textAnswer(const std::string& text, int chunks = 3) {
  return {{"content", json::array({{{"type", "text"}, {"text", text}, {"chunks", chunks}}})},
          {"stop_reason", "end_turn"}};
}

/// A long answer that stops streaming after two chunks until the test releases it.
json heldAnswer() {
  return {{"content", json::array({{{"type", "text"},
                                    {"text", "one two three four five six seven eight"},
                                    {"chunks", 8}}})},
          {"hold_after_chunks", 2},
          {"stop_reason", "end_turn"}};
}

std::vector<std::string> typesOf(const std::vector<SseEvent>& events) {
  std::vector<std::string> out;
  for (const auto& e : events) out.push_back(e.type);
  return out;
}

bool contains(const std::vector<std::string>& types, const std::string& type) {
  return std::find(types.begin(), types.end(), type) != types.end();
}

std::string joined(const std::vector<std::string>& types) {
  std::string out;
  for (const auto& t : types) out += (out.empty() ? "" : ",") + t;
  return out;
}

class AgentApi : public ApiTest {
 protected:
  void SetUp() override { start(); }

  void start(const std::string& agentIni = "") {
    startHost("[plugin.agent-claude]\nenabled = yes\nclaude_path = " DEVKIT_CLAUDE_CLI "\nllm = " +
                  mock_.baseUrl() + "\napi_max_retries = 0\n" + agentIni,
              "", {"DEVKIT__PLUGIN__AGENT_CLAUDE__ANTHROPIC_API_KEY=test-key-not-secret"});
    project_ = createProject("Orders");
  }

  std::string projectId() const { return project_["id"].get<std::string>(); }

  std::unique_ptr<SseStream> invoke(const std::string& message,
                                    const std::string& conversationId = "",
                                    const std::string& user = kAlice) {
    json body = {{"project_id", projectId()}, {"message", message}};
    if (!conversationId.empty()) body["conversation_id"] = conversationId;
    return std::make_unique<SseStream>(
        port_, "POST", "/api/agent/invoke", body,
        std::map<std::string, std::string>{{"X-Forwarded-Email", user}});
  }

  /// Runs a whole turn and returns its events (asserting the stream shape).
  std::vector<SseEvent> turn(const std::string& message, const std::string& conversationId = "") {
    auto stream = invoke(message, conversationId);
    EXPECT_EQ(stream->status(), 200);
    stream->drain();
    const auto& events = stream->events();
    EXPECT_FALSE(events.empty());
    if (!events.empty()) {
      EXPECT_EQ(events.front().type, "run_started");
      EXPECT_EQ(events.back().type, "done") << joined(typesOf(events));
    }
    for (size_t i = 0; i < events.size(); ++i) {
      EXPECT_EQ(events[i].id, static_cast<int64_t>(i)) << "ids are the run's sequence";
    }
    return events;
  }

  static json dataOf(const std::vector<SseEvent>& events, const std::string& type) {
    for (const auto& e : events) {
      if (e.type == type) return e.data;
    }
    return nullptr;
  }
  static std::string textOf(const std::vector<SseEvent>& events) {
    std::string text;
    for (const auto& e : events) {
      if (e.type == "text") text += e.data.value("text", "");
    }
    return text;
  }

  MockAnthropic mock_;
  json project_;
};

TEST_F(AgentApi, StreamsATurnAndStoresItsMessagesRunAndEvents) {
  mock_.push(textAnswer("Hello from the mock."));
  auto stream = invoke("Say hello");
  ASSERT_EQ(stream->status(), 200);
  EXPECT_EQ(stream->header("Content-Type").rfind("text/event-stream", 0), 0u);
  const std::string runId = stream->header("X-Run-Id");
  const std::string conversationId = stream->header("X-Conversation-Id");
  ASSERT_FALSE(runId.empty());
  stream->drain();
  const auto& events = stream->events();
  const auto types = typesOf(events);
  ASSERT_GE(events.size(), 5u) << joined(types);
  EXPECT_EQ(events.front().type, "run_started");
  EXPECT_EQ(events.front().data["run_id"], runId);
  EXPECT_EQ(events.front().data["conversation_id"], conversationId);
  EXPECT_TRUE(contains(types, "session")) << joined(types);
  EXPECT_TRUE(contains(types, "text_delta")) << "streamed as it is written: " << joined(types);
  EXPECT_EQ(textOf(events), "Hello from the mock.");
  const json result = dataOf(events, "result");
  ASSERT_TRUE(result.is_object()) << joined(types);
  EXPECT_TRUE(result["cost_usd"].is_number());
  EXPECT_EQ(events.back().data, json({{"status", "completed"}}));

  // Stored: the conversation (titled from the message, session id saved), its two messages, the
  // run with its figures, and every event (a replay equals what was streamed).
  const json conversation = call("GET", "/api/conversations/" + conversationId).json();
  EXPECT_EQ(conversation["title"], "Say hello");
  EXPECT_EQ(conversation["session_id"], dataOf(events, "session")["claude_session_id"]);
  EXPECT_TRUE(conversation["active_run_id"].is_null()) << "done means the run is over";
  ASSERT_EQ(conversation["messages"].size(), 2u) << conversation.dump();
  EXPECT_EQ(conversation["messages"][0]["role"], "user");
  EXPECT_EQ(conversation["messages"][0]["content"], "Say hello");
  EXPECT_EQ(conversation["messages"][1]["role"], "assistant");
  EXPECT_EQ(conversation["messages"][1]["content"], "Hello from the mock.");
  EXPECT_EQ(conversation["messages"][1]["run_id"], runId);

  const json runs = call("GET", "/api/conversations/" + conversationId + "/runs").json();
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0]["id"], runId);
  EXPECT_EQ(runs[0]["status"], "completed");
  EXPECT_FALSE(runs[0]["live"].get<bool>());
  EXPECT_TRUE(runs[0]["ended_at"].is_string());
  EXPECT_EQ(runs[0]["cost_usd"], result["cost_usd"]);

  SseStream replay(port_, "GET", "/api/agent/runs/" + runId + "/events", nullptr,
                   {{"X-Forwarded-Email", kAlice}});
  ASSERT_EQ(replay.status(), 200);
  replay.drain();
  ASSERT_EQ(replay.events().size(), events.size());
  for (size_t i = 0; i < events.size(); ++i) {
    EXPECT_EQ(replay.events()[i].id, events[i].id);
    EXPECT_EQ(replay.events()[i].type, events[i].type);
    EXPECT_EQ(replay.events()[i].data, events[i].data);
  }
}

TEST_F(AgentApi, AWriteToolCallCreatesTheFileAndShowsAsToolEvents) {
  const auto file = projectDir(projectId()) / "orders.sql";
  mock_.push({{"content", json::array({{{"type", "tool_use"},
                                        {"name", "Write"},
                                        {"input",
                                         {{"file_path", file.string()},
                                          {"content", "SELECT * FROM main.raw.orders;\n"}}}}})},
              {"stop_reason", "tool_use"}});
  mock_.push({{"when", {{"last_is_tool_result", true}}},
              {"content", json::array({{{"type", "text"}, {"text", "Wrote orders.sql."}}})},
              {"stop_reason", "end_turn"}});
  const auto events = turn("Write the orders query");
  const json use = dataOf(events, "tool_use");
  ASSERT_TRUE(use.is_object()) << joined(typesOf(events));
  EXPECT_EQ(use["name"], "Write");
  const json result = dataOf(events, "tool_result");
  ASSERT_TRUE(result.is_object()) << joined(typesOf(events));
  EXPECT_EQ(result["tool_use_id"], use["id"]);
  EXPECT_FALSE(result["is_error"].get<bool>()) << result.dump();
  EXPECT_EQ(events.back().data["status"], "completed");
  std::ifstream in(file);
  ASSERT_TRUE(in) << "the agent's Write landed in the project dir";
  std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(content, "SELECT * FROM main.raw.orders;\n");

  // The stored assistant message has the tool card's blocks in order.
  const std::string conversationId = events.front().data["conversation_id"];
  const json messages = call("GET", "/api/conversations/" + conversationId).json()["messages"];
  ASSERT_EQ(messages.size(), 2u);
  std::vector<std::string> blocks;
  for (const json& b : messages[1]["blocks"]) blocks.push_back(b["type"]);
  EXPECT_EQ(joined(blocks), "tool_use,tool_result,text");
  // The project is marked for the next backup.
  EXPECT_EQ(call("GET", "/api/projects/" + projectId()).json()["backup"]["state"], "dirty");
}

TEST_F(AgentApi, TheSecondTurnReusesTheWarmCliAndAfterAReapResumesWithHistory) {
  mock_.push(textAnswer("First answer."));
  mock_.push(textAnswer("Second answer."));
  mock_.push(textAnswer("Third answer."));
  const auto first = turn("First question");
  const std::string conversationId = first.front().data["conversation_id"];
  const json session1 = dataOf(first, "session");
  ASSERT_TRUE(session1.is_object());
  EXPECT_FALSE(session1["warm"].get<bool>());

  const auto second = turn("Second question", conversationId);
  const json session2 = dataOf(second, "session");
  ASSERT_TRUE(session2.is_object());
  EXPECT_TRUE(session2["warm"].get<bool>()) << session2.dump();
  EXPECT_EQ(session2["pid"], session1["pid"]) << "the same CLI process took turn two";
  EXPECT_EQ(textOf(second), "Second answer.");

  // Reap the warm session: the next turn starts a new CLI with --resume, and the request it sends
  // carries the earlier turns.
  ASSERT_TRUE(host_->plugins().agentBackend()->closeSessions("{}").ok());
  const auto third = turn("Third question", conversationId);
  const json session3 = dataOf(third, "session");
  ASSERT_TRUE(session3.is_object());
  EXPECT_TRUE(session3["resumed"].get<bool>()) << session3.dump();
  EXPECT_NE(session3["pid"], session1["pid"]);
  EXPECT_EQ(session3["claude_session_id"], session1["claude_session_id"]);
  const auto requests = mock_.mainRequests();
  ASSERT_GE(requests.size(), 3u);
  const std::string body = requests.back().rawBody;
  EXPECT_NE(body.find("First question"), std::string::npos) << "resume carries turn one";
  EXPECT_NE(body.find("Second answer."), std::string::npos) << "and turn two";
  EXPECT_EQ(textOf(third), "Third answer.");

  const json messages = call("GET", "/api/conversations/" + conversationId).json()["messages"];
  ASSERT_EQ(messages.size(), 6u);
  for (size_t i = 0; i < messages.size(); ++i) {
    EXPECT_EQ(messages[i]["seq"], i);
    EXPECT_EQ(messages[i]["role"], i % 2 == 0 ? "user" : "assistant");
  }
}

TEST_F(AgentApi, StopEndsTheTurnAsCancelledAndTheNextTurnWorks) {
  mock_.push(heldAnswer());
  mock_.push(textAnswer("After the stop."));
  auto stream = invoke("Write a long essay");
  ASSERT_EQ(stream->status(), 200);
  const std::string runId = stream->header("X-Run-Id");
  ASSERT_TRUE(mock_.waitForHold(seconds(60)));
  ASSERT_TRUE(stream->until("text_delta").has_value());
  EXPECT_TRUE(call("GET", "/api/agent/runs/" + runId).json()["live"].get<bool>());

  const auto stop = call("POST", "/api/agent/runs/" + runId + "/stop");
  EXPECT_EQ(stop.status, 202) << stop.body;
  const auto done = stream->until("done");
  ASSERT_TRUE(done.has_value()) << joined(stream->types());
  EXPECT_EQ(done->data["status"], "cancelled");
  const json run = call("GET", "/api/agent/runs/" + runId).json();
  EXPECT_EQ(run["status"], "cancelled");
  EXPECT_FALSE(run["live"].get<bool>());
  EXPECT_EQ(call("POST", "/api/agent/runs/" + runId + "/stop").status, 409) << "already over";

  const std::string conversationId = stream->header("X-Conversation-Id");
  mock_.release();  // let the held response go, whatever the CLI did with it
  const auto next = turn("Are you there?", conversationId);
  EXPECT_EQ(next.back().data["status"], "completed");
  EXPECT_EQ(textOf(next), "After the stop.");
}

TEST_F(AgentApi, AKilledCliFailsTheTurnWithinASecondAndTheNextTurnWorks) {
  mock_.push(heldAnswer());
  mock_.push(textAnswer("Back again."));
  auto stream = invoke("Start something long");
  const auto session = stream->until("session");
  ASSERT_TRUE(session.has_value()) << joined(stream->types());
  ASSERT_TRUE(mock_.waitForHold(seconds(60)));
  const int pid = session->data["pid"].get<int>();
  ASSERT_GT(pid, 0);
  const auto killedAt = std::chrono::steady_clock::now();
  ASSERT_EQ(::kill(pid, SIGKILL), 0);
  const auto error = stream->until("error");
  ASSERT_TRUE(error.has_value()) << joined(stream->types());
  EXPECT_EQ(error->data["code"], "cli_exited") << error->data.dump();
  const auto done = stream->until("done");
  ASSERT_TRUE(done.has_value());
  EXPECT_EQ(done->data["status"], "failed");
  EXPECT_LT(std::chrono::steady_clock::now() - killedAt, milliseconds(1000))
      << "error and done reach the reader within a second of the crash";
  mock_.release();

  const auto next = turn("Still there?", stream->header("X-Conversation-Id"));
  EXPECT_EQ(next.back().data["status"], "completed");
  EXPECT_EQ(textOf(next), "Back again.");
}

TEST_F(AgentApi, LlmErrorsBecomeClearErrorEvents) {
  mock_.push({{"status", 401},
              {"error", {{"type", "authentication_error"}, {"message", "invalid x-api-key"}}}});
  const auto unauthorised = turn("Hello?");
  const json error401 = dataOf(unauthorised, "error");
  ASSERT_TRUE(error401.is_object()) << joined(typesOf(unauthorised));
  EXPECT_EQ(error401["code"], "authentication_failed") << error401.dump();
  EXPECT_FALSE(error401.value("message", "").empty());
  EXPECT_EQ(unauthorised.back().data["status"], "failed");

  mock_.push(
      {{"status", 529}, {"error", {{"type", "overloaded_error"}, {"message", "Overloaded"}}}});
  const auto overloaded = turn("Hello again?", unauthorised.front().data["conversation_id"]);
  const json error529 = dataOf(overloaded, "error");
  ASSERT_TRUE(error529.is_object()) << joined(typesOf(overloaded));
  EXPECT_EQ(error529["code"], "overloaded") << error529.dump();
  EXPECT_TRUE(error529["retryable"].get<bool>());
  EXPECT_EQ(overloaded.back().data["status"], "failed");
  const json run =
      call("GET", "/api/agent/runs/" + overloaded.front().data["run_id"].get<std::string>()).json();
  EXPECT_EQ(run["status"], "failed");
  EXPECT_EQ(run["error"]["code"], "overloaded");
}

TEST_F(AgentApi, AReaderThatReconnectsWithLastEventIdMissesNothingAndGetsNothingTwice) {
  mock_.push(heldAnswer());
  auto stream = invoke("Count slowly");
  const std::string runId = stream->header("X-Run-Id");
  ASSERT_TRUE(mock_.waitForHold(seconds(60)));
  ASSERT_TRUE(stream->until("text_delta").has_value());
  const int64_t lastSeen = stream->events().back().id;
  stream->close();  // the browser tab goes away; the run does not

  mock_.release();  // the answer goes on while nobody is reading
  // Wait until the run is over (it belongs to the server, not to the closed connection).
  for (int i = 0; i < 600 && call("GET", "/api/agent/runs/" + runId).json()["live"].get<bool>();
       ++i) {
    std::this_thread::sleep_for(milliseconds(50));
  }
  SseStream again(port_, "GET", "/api/agent/runs/" + runId + "/events", nullptr,
                  {{"X-Forwarded-Email", kAlice}, {"Last-Event-ID", std::to_string(lastSeen)}});
  ASSERT_EQ(again.status(), 200);
  again.drain();
  ASSERT_FALSE(again.events().empty());
  EXPECT_EQ(again.events().front().id, lastSeen + 1) << "exactly the next event";
  for (size_t i = 1; i < again.events().size(); ++i) {
    EXPECT_EQ(again.events()[i].id, again.events()[i - 1].id + 1) << "no gap";
  }
  EXPECT_EQ(again.events().back().type, "done");
  std::vector<SseEvent> all = stream->events();
  all.insert(all.end(), again.events().begin(), again.events().end());
  std::string text;
  for (const auto& e : all) {
    if (e.type == "text_delta") text += e.data.value("text", "");
  }
  EXPECT_EQ(text, "one two three four five six seven eight") << "every delta exactly once";

  // ?after= does the same for clients that cannot set headers.
  SseStream viaQuery(port_, "GET",
                     "/api/agent/runs/" + runId + "/events?after=" + std::to_string(lastSeen),
                     nullptr, {{"X-Forwarded-Email", kAlice}});
  viaQuery.drain();
  EXPECT_EQ(viaQuery.events().size(), again.events().size());
}

TEST_F(AgentApi, ReattachingToALiveRunReplaysThenFollows) {
  mock_.push(heldAnswer());
  auto first = invoke("Count slowly");
  const std::string runId = first->header("X-Run-Id");
  ASSERT_TRUE(mock_.waitForHold(seconds(60)));
  ASSERT_TRUE(first->until("text_delta").has_value());
  // A second reader (a reloaded page) attaches while the run is live, from the start.
  auto second = std::make_unique<SseStream>(
      port_, "GET", "/api/agent/runs/" + runId + "/events", nullptr,
      std::map<std::string, std::string>{{"X-Forwarded-Email", kAlice}});
  ASSERT_TRUE(second->until("text_delta").has_value());
  EXPECT_EQ(second->events().front().type, "run_started");
  mock_.release();
  first->drain();
  second->drain();
  ASSERT_EQ(first->events().size(), second->events().size());
  EXPECT_EQ(typesOf(first->events()), typesOf(second->events()));
}

TEST_F(AgentApi, OneLiveRunPerConversation) {
  mock_.push(heldAnswer());
  auto stream = invoke("Long one");
  const std::string conversationId = stream->header("X-Conversation-Id");
  ASSERT_TRUE(mock_.waitForHold(seconds(60)));
  const auto second = call("POST", "/api/agent/invoke",
                           {{"project_id", projectId()},
                            {"conversation_id", conversationId},
                            {"message", "Another one"}});
  EXPECT_EQ(second.status, 409) << second.body;
  EXPECT_EQ(second.json()["error"]["code"], "run_in_progress");
  EXPECT_EQ(call("DELETE", "/api/conversations/" + conversationId).status, 409);
  const json conversation = call("GET", "/api/conversations/" + conversationId).json();
  EXPECT_EQ(conversation["active_run_id"], stream->header("X-Run-Id"));
  mock_.release();
  stream->drain();
  EXPECT_EQ(stream->events().back().data["status"], "completed");
}

TEST_F(AgentApi, AnotherUserCannotReadStopOrAnswerTheRun) {
  mock_.push(heldAnswer());
  auto stream = invoke("Private work");
  const std::string runId = stream->header("X-Run-Id");
  const std::string conversationId = stream->header("X-Conversation-Id");
  ASSERT_TRUE(mock_.waitForHold(seconds(60)));
  EXPECT_EQ(call("GET", "/api/agent/runs/" + runId, nullptr, kBob).status, 404);
  EXPECT_EQ(call("GET", "/api/agent/runs/" + runId + "/events", nullptr, kBob).status, 404);
  EXPECT_EQ(call("POST", "/api/agent/runs/" + runId + "/stop", nullptr, kBob).status, 404);
  EXPECT_EQ(
      call("POST", "/api/agent/runs/" + runId + "/permissions/x", {{"decision", "allow"}}, kBob)
          .status,
      404);
  EXPECT_EQ(call("GET", "/api/conversations/" + conversationId + "/runs", nullptr, kBob).status,
            404);
  const auto bobInvoke = call("POST", "/api/agent/invoke",
                              {{"project_id", projectId()}, {"message", "let me in"}}, kBob);
  EXPECT_EQ(bobInvoke.status, 404) << bobInvoke.body;
  mock_.release();
  stream->drain();
  EXPECT_EQ(stream->events().back().data["status"], "completed")
      << "Bob's attempts changed nothing";
}

TEST_F(AgentApi, BadInvokesAreRefusedBeforeAnythingStarts) {
  const std::string pid = projectId();
  auto status = [&](const json& body) { return call("POST", "/api/agent/invoke", body).status; };
  EXPECT_EQ(status({{"project_id", pid}}), 400) << "no message";
  EXPECT_EQ(status({{"project_id", pid}, {"message", "  \n "}}), 400) << "blank message";
  EXPECT_EQ(status({{"project_id", pid}, {"message", std::string("a\0b", 3)}}), 400);
  EXPECT_EQ(status({{"project_id", pid}, {"message", 42}}), 400);
  EXPECT_EQ(status({{"message", "hi"}}), 400) << "no project";
  EXPECT_EQ(status({{"project_id", pid}, {"message", "hi"}, {"model", "x"}}), 400)
      << "unknown member";
  EXPECT_EQ(status({{"project_id", "nope"}, {"message", "hi"}}), 404);
  EXPECT_EQ(status({{"project_id", pid}, {"conversation_id", "nope"}, {"message", "hi"}}), 404);
  const json other = createProject("Other");
  const json foreign = createConversation(other["id"]);
  const auto wrongProject =
      call("POST", "/api/agent/invoke",
           {{"project_id", pid}, {"conversation_id", foreign["id"]}, {"message", "hi"}});
  EXPECT_EQ(wrongProject.status, 400) << wrongProject.body;
  EXPECT_EQ(wrongProject.json()["error"]["field"], "conversation_id");
  const auto tooLong = call("POST", "/api/agent/invoke",
                            {{"project_id", pid}, {"message", std::string(300 * 1024, 'x')}});
  EXPECT_EQ(tooLong.status, 413) << tooLong.body;
  EXPECT_EQ(callRaw("POST", "/api/agent/invoke", "{not json", "application/json").status, 400);
  EXPECT_EQ(call("GET", "/api/agent/runs/not-a-run").status, 404);
  EXPECT_EQ(call("GET", "/api/agent/runs/../../etc/passwd/events").status, 404);
  EXPECT_TRUE(mock_.mainRequests().empty()) << "nothing reached the LLM";
  // Nothing was stored for the refused invokes.
  EXPECT_TRUE(call("GET", "/api/projects/" + pid + "/conversations").json().empty());
}

TEST_F(AgentApi, TheSystemPromptCarriesTheProjectsSettings) {
  ASSERT_EQ(call("PUT", "/api/projects/" + projectId() + "/settings",
                 {{"catalog", "dev"}, {"schema", "bronze"}, {"warehouse_id", "wh42"}})
                .status,
            200);
  const json prompt = call("GET", "/api/projects/" + projectId() + "/system-prompt").json();
  const std::string text = prompt["system_prompt"];
  EXPECT_NE(text.find("`dev`.`bronze`"), std::string::npos) << text;
  EXPECT_NE(text.find("`wh42`"), std::string::npos) << text;
  EXPECT_NE(text.find("databricks-sql"), std::string::npos) << "enabled skills are listed";

  // And it is what the CLI sends to the model.
  mock_.push(textAnswer("ok"));
  turn("hi");
  const auto requests = mock_.mainRequests();
  ASSERT_FALSE(requests.empty());
  EXPECT_NE(requests.front().rawBody.find("`dev`.`bronze`"), std::string::npos);
  // No Databricks or API secret reaches the model's request body.
  EXPECT_EQ(requests.front().rawBody.find("test-key-not-secret"), std::string::npos);
}

class AgentApiAsk : public AgentApi {
 protected:
  void SetUp() override { start("permission_mode = ask\npermission_timeout_s = 30\n"); }

  json writeCall(const std::filesystem::path& file) {
    return {
        {"content", json::array({{{"type", "tool_use"},
                                  {"name", "Write"},
                                  {"input", {{"file_path", file.string()}, {"content", "x\n"}}}}})},
        {"stop_reason", "tool_use"}};
  }
};

TEST_F(AgentApiAsk, APermissionRequestAllowedAndOneDenied) {
  const auto allowedFile = projectDir(projectId()) / "allowed.txt";
  const auto deniedFile = projectDir(projectId()) / "denied.txt";
  mock_.push(writeCall(allowedFile));
  mock_.push({{"when", {{"last_is_tool_result", true}}},
              {"content", json::array({{{"type", "text"}, {"text", "Written."}}})},
              {"stop_reason", "end_turn"}});

  auto stream = invoke("Write allowed.txt");
  const std::string runId = stream->header("X-Run-Id");
  const auto request = stream->until("permission_request");
  ASSERT_TRUE(request.has_value()) << joined(stream->types());
  EXPECT_EQ(request->data["tool_name"], "Write");
  const std::string requestId = request->data["request_id"];
  // A bad answer is refused; another user's answer is 404; the owner's is taken.
  EXPECT_EQ(call("POST", "/api/agent/runs/" + runId + "/permissions/" + requestId,
                 {{"decision", "maybe"}})
                .status,
            400);
  EXPECT_EQ(
      call("POST", "/api/agent/runs/" + runId + "/permissions/unknown", {{"decision", "allow"}})
          .status,
      404);
  const auto answer = call("POST", "/api/agent/runs/" + runId + "/permissions/" + requestId,
                           {{"decision", "allow"}});
  EXPECT_EQ(answer.status, 200) << answer.body;
  const auto resolved = stream->until("permission_resolved");
  ASSERT_TRUE(resolved.has_value());
  EXPECT_EQ(resolved->data["decision"], "allow");
  stream->drain();
  EXPECT_EQ(stream->events().back().data["status"], "completed");
  EXPECT_TRUE(std::filesystem::exists(allowedFile));

  mock_.push(writeCall(deniedFile));
  mock_.push({{"when", {{"last_is_tool_result", true}}},
              {"content", json::array({{{"type", "text"}, {"text", "Understood."}}})},
              {"stop_reason", "end_turn"}});
  auto second = invoke("Write denied.txt", stream->header("X-Conversation-Id"));
  const auto request2 = second->until("permission_request");
  ASSERT_TRUE(request2.has_value()) << joined(second->types());
  const std::string runId2 = second->header("X-Run-Id");
  EXPECT_EQ(call("POST",
                 "/api/agent/runs/" + runId2 + "/permissions/" +
                     request2->data["request_id"].get<std::string>(),
                 {{"decision", "deny"}})
                .status,
            200);
  const auto result = second->until("tool_result");
  ASSERT_TRUE(result.has_value());
  EXPECT_TRUE(result->data["is_error"].get<bool>()) << result->data.dump();
  second->drain();
  EXPECT_EQ(second->events().back().data["status"], "completed");
  EXPECT_FALSE(std::filesystem::exists(deniedFile));
  // The CLI got the denial as the tool's result.
  EXPECT_FALSE(mock_.mainRequests().back().lastToolResults().empty());
}

class AgentApiUnconfigured : public ApiTest {};

TEST_F(AgentApiUnconfigured, WithoutLlmCredentialsTheTurnFailsSayingWhatToConfigure) {
  startHost("[plugin.agent-claude]\nenabled = yes\nclaude_path = " DEVKIT_CLAUDE_CLI
            "\nllm = anthropic\n");
  const json project = createProject("Orders");
  SseStream stream(port_, "POST", "/api/agent/invoke",
                   {{"project_id", project["id"]}, {"message", "hi"}},
                   {{"X-Forwarded-Email", kAlice}});
  ASSERT_EQ(stream.status(), 200);
  stream.drain();
  ASSERT_GE(stream.events().size(), 3u);
  EXPECT_EQ(stream.events()[1].type, "error");
  EXPECT_EQ(stream.events()[1].data["code"], "llm_not_configured") << stream.events()[1].data;
  EXPECT_NE(stream.events()[1].data["message"].get<std::string>().find("ANTHROPIC_API_KEY"),
            std::string::npos);
  EXPECT_EQ(stream.events().back().data["status"], "failed");
  // /healthz says the same to the operator.
  const json health = call("GET", "/healthz").json();
  bool said = false;
  for (const json& plugin : health["plugins"]) {
    if (plugin.value("id", "") == "agent-claude")
      said = plugin.dump().find("ANTHROPIC_API_KEY") != std::string::npos;
  }
  EXPECT_TRUE(said) << health.dump();
}

TEST_F(AgentApiUnconfigured, WithoutAnAgentBackendInvokeIs503) {
  startHost();
  const json project = createProject("Orders");
  const auto r =
      call("POST", "/api/agent/invoke", {{"project_id", project["id"]}, {"message", "hi"}});
  EXPECT_EQ(r.status, 503) << r.body;
  EXPECT_EQ(r.json()["error"]["code"], "agent_unavailable");
}

}  // namespace
}  // namespace devkit::testing
