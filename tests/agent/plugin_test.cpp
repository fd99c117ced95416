// agent-claude end to end: the built plugin, loaded like the host loads it, runs the REAL Claude
// Code CLI (2.1.197) against the scripted Anthropic mock (tests/support), and every turn's events
// are checked against docs/events.md.
#include <signal.h>
#include <sys/types.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <mock_anthropic.hpp>
#include <sstream>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "agent_plugin_support.hpp"

namespace devkit::agent_test {
namespace {

using Clock = std::chrono::steady_clock;

constexpr const char* kSystemPrompt = "You are the devkit test agent.";
constexpr const char* kApiKey = "sk-ant-test-key-0123456789";

json textBlock(const std::string& text, int chunks = 1) {
  return {{"type", "text"}, {"text", text}, {"chunks", chunks}};
}
json toolUse(const std::string& name, json input) {
  return {{"type", "tool_use"}, {"name", name}, {"input", std::move(input)}};
}
json reply(json content) { return {{"content", std::move(content)}}; }
json afterToolResult(json content) {
  return {{"when", {{"last_is_tool_result", true}}}, {"content", std::move(content)}};
}
std::string readFile(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}
std::string cmdline(pid_t pid) {
  std::string text = readFile("/proc/" + std::to_string(pid) + "/cmdline");
  for (char& c : text) c = c == '\0' ? ' ' : c;
  return text;
}
bool processGone(pid_t pid) { return ::kill(pid, 0) != 0 && errno == ESRCH; }

class AgentPluginTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // The plugin reads these from the host's environment; the tests route explicitly.
    for (const char* name : {"DATABRICKS_HOST", "DATABRICKS_TOKEN", "ANTHROPIC_API_KEY"}) {
      ::unsetenv(name);
    }
    project_ = dir_.path() / "project";
    state_ = dir_.path() / "state";
    std::filesystem::create_directories(project_);
  }

  json config(const json& overrides = json::object()) const {
    json c = {{"claude_path", DEVKIT_CLAUDE_CLI_PATH},
              {"llm", mock_.baseUrl()},
              {"anthropic_api_key", kApiKey},
              {"model", "claude-sonnet-4-5"},
              {"api_max_retries", 0},
              {"stop_grace_s", 5},
              {"permission_mode", "acceptEdits"}};
    c.update(overrides);
    return c;
  }
  Agent& makeAgent(const json& overrides = json::object()) {
    agent_ = std::make_unique<Agent>(config(overrides).dump());
    return *agent_;
  }
  json request(const std::string& runId, const std::string& conversation,
               const std::string& message, const json& extra = json::object()) const {
    json r = {{"run_id", runId},
              {"conversation_id", conversation},
              {"project_id", "p1"},
              {"project_dir", project_.string()},
              {"state_dir", state_.string()},
              {"message", message},
              {"claude_session_id", nullptr},
              {"system_prompt", kSystemPrompt},
              {"allowed_tools", json::array()},
              {"mcp", nullptr},
              {"model", ""},
              {"llm", {{"workspace_url", ""}, {"databricks_token", ""}}}};
    r.update(extra);
    return r;
  }
  /// Starts a turn that must be accepted.
  TurnEvents& start(const std::string& conversation, const std::string& message,
                    const json& extra = json::object()) {
    TurnEvents& run = newRun();
    const auto r = agent_->startTurn(request(run.id(), conversation, message, extra), run);
    EXPECT_EQ(r.status, DK_OK) << r.error;
    return run;
  }
  TurnEvents& newRun() {
    runs_.push_back(std::make_unique<TurnEvents>("run-" + std::to_string(runs_.size() + 1)));
    return *runs_.back();
  }
  /// Runs one whole turn to its end.
  TurnEvents& turn(const std::string& conversation, const std::string& message,
                   const json& extra = json::object()) {
    TurnEvents& run = start(conversation, message, extra);
    EXPECT_TRUE(run.waitDone()) << run.dump();
    return run;
  }
  /// docs/events.md: exactly one done per turn, always last.
  static void expectOneDoneLast(const TurnEvents& run) {
    const auto events = run.events();
    ASSERT_FALSE(events.empty());
    EXPECT_EQ(events.back().value("type", ""), "done") << run.dump();
    EXPECT_EQ(run.ofType("done").size(), 1u) << run.dump();
  }
  /// The CLI appends to its transcript from a queue flushed every 100 ms: a CLI killed right
  /// after a result may not have saved that turn yet. Tests that kill one wait for it first.
  bool waitForTranscript(const std::string& sessionId) const {
    const auto deadline = Clock::now() + 10s;
    while (Clock::now() < deadline) {
      if (hasTranscript(sessionId)) return true;
      std::this_thread::sleep_for(20ms);
    }
    return false;
  }
  bool hasTranscript(const std::string& sessionId) const {
    std::error_code ec;
    for (std::filesystem::directory_iterator it(state_ / "claude" / "projects", ec), end;
         !ec && it != end; it.increment(ec)) {
      if (std::filesystem::exists(it->path() / (sessionId + ".jsonl"))) return true;
    }
    return false;
  }
  static std::string allText(const TurnEvents& run, const char* type = "text") {
    std::string out;
    for (const auto& e : run.ofType(type)) out += e.value("text", "");
    return out;
  }

  TempDir dir_;
  std::filesystem::path project_;
  std::filesystem::path state_;
  testing::MockAnthropic mock_;
  std::vector<std::unique_ptr<TurnEvents>> runs_;  // sinks outlive the agent (declared before it)
  std::unique_ptr<Agent> agent_;                   // destroyed first
};

TEST_F(AgentPluginTest, StreamsTextAndEndsWithOneDone) {
  mock_.setScenario({{"responses", {reply({textBlock("Hello from the mock", 3)})}}});
  makeAgent();
  TurnEvents& run = turn("conv-1", "Say hello");
  expectOneDoneLast(run);
  EXPECT_EQ(run.doneStatus(), "completed") << run.dump();

  const json session = run.first("session");
  ASSERT_TRUE(session.is_object()) << run.dump();
  EXPECT_FALSE(session["claude_session_id"].get<std::string>().empty());
  EXPECT_EQ(session["resumed"], false);
  EXPECT_EQ(session["warm"], false);
  EXPECT_EQ(session["model"], "claude-sonnet-4-5");
  EXPECT_GT(session["pid"].get<int>(), 0);

  const auto deltas = run.ofType("text_delta");
  ASSERT_GE(deltas.size(), 2u) << "streamed in pieces: " << run.dump();
  EXPECT_EQ(allText(run, "text_delta"), "Hello from the mock");
  const json text = run.first("text");
  EXPECT_EQ(text["text"], "Hello from the mock");
  EXPECT_EQ(text["message_id"], deltas.front()["message_id"]);
  EXPECT_EQ(text["index"], deltas.front()["index"]);

  const json result = run.first("result");
  EXPECT_EQ(result["is_error"], false);
  EXPECT_GT(result["cost_usd"].get<double>(), 0.0);
  EXPECT_GT(result["usage"]["output_tokens"].get<int>(), 0);
  EXPECT_TRUE(run.ofType("error").empty()) << run.dump();

  // The order of docs/events.md: session first, deltas before their block, result before done.
  const auto events = run.events();
  EXPECT_EQ(events.front()["type"], "session") << run.dump();
  EXPECT_EQ(events[events.size() - 2]["type"], "result");

  const auto main = mock_.mainRequests();
  ASSERT_EQ(main.size(), 1u);
  EXPECT_NE(main[0].rawBody.find(kSystemPrompt), std::string::npos) << "--system-prompt";
  EXPECT_EQ(main[0].header("x-api-key"), kApiKey);

  const json health = agent_->health();
  EXPECT_EQ(health["status"], "ok") << health.dump();
  EXPECT_EQ(health["sessions"], 1);
  EXPECT_EQ(health["live_turns"], 0);
  EXPECT_EQ(health["llm"], "url");
  EXPECT_EQ(health["claude_version"], "2.1.197");
}

TEST_F(AgentPluginTest, WriteToolCreatesAFileInTheProjectDir) {
  const std::string path = (project_ / "notes.md").string();
  mock_.setScenario({{"responses",
                      {reply({textBlock("Writing it."),
                              toolUse("Write", {{"file_path", path}, {"content", "# Notes\n"}})}),
                       afterToolResult({textBlock("Done.")})}}});
  makeAgent();
  TurnEvents& run = turn("conv-w", "Write notes.md");
  expectOneDoneLast(run);
  EXPECT_EQ(run.doneStatus(), "completed") << run.dump();
  const json use = run.first("tool_use");
  ASSERT_TRUE(use.is_object()) << run.dump();
  EXPECT_EQ(use["name"], "Write");
  EXPECT_EQ(use["input"]["file_path"], path);
  EXPECT_EQ(use["index"], 1) << "the text block is index 0 of the same message";
  const json result = run.first("tool_result");
  ASSERT_TRUE(result.is_object()) << run.dump();
  EXPECT_EQ(result["tool_use_id"], use["id"]);
  EXPECT_EQ(result["is_error"], false) << result.dump();
  EXPECT_EQ(readFile(path), "# Notes\n");
  EXPECT_EQ(allText(run), "Writing it.Done.");
}

TEST_F(AgentPluginTest, TodoWriteBecomesTodosAndNulsAreStripped) {
  const json todos = json::array(
      {{{"content", "Profile the table"}, {"status", "in_progress"}, {"activeForm", "Profiling"}},
       {{"content", "Write the pipeline"}, {"status", "pending"}, {"activeForm", "Writing"}}});
  mock_.setScenario({{"responses",
                      {reply({toolUse("TodoWrite", {{"todos", todos}})}),
                       afterToolResult({textBlock(std::string("clean\0text", 10))})}}});
  makeAgent();
  TurnEvents& run = turn("conv-t", "Plan it");
  EXPECT_EQ(run.doneStatus(), "completed") << run.dump();
  const json event = run.first("todos");
  ASSERT_TRUE(event.is_object()) << run.dump();
  EXPECT_EQ(event["todos"], todos);
  EXPECT_EQ(run.first("text")["text"], "cleantext") << "U+0000 must never reach the host";
}

TEST_F(AgentPluginTest, AWarmSessionTakesTheNextTurnAndCostsArePerTurn) {
  mock_.setScenario(
      {{"responses", {reply({textBlock("First answer.")}), reply({textBlock("Second answer.")})}}});
  makeAgent();
  TurnEvents& first = turn("conv-2", "First question");
  TurnEvents& second = turn("conv-2", "Second question");
  EXPECT_EQ(second.doneStatus(), "completed") << second.dump();
  const json s1 = first.first("session");
  const json s2 = second.first("session");
  EXPECT_EQ(s2["pid"], s1["pid"]) << "the same CLI process took the second turn";
  EXPECT_EQ(s2["warm"], true);
  EXPECT_EQ(s2["resumed"], false);
  EXPECT_EQ(s2["claude_session_id"], s1["claude_session_id"]);
  expectOneDoneLast(second);
  // Same usage both turns: a per-turn cost is equal, the CLI's running total would double.
  const double c1 = first.first("result")["cost_usd"];
  const double c2 = second.first("result")["cost_usd"];
  EXPECT_GT(c1, 0.0);
  EXPECT_NEAR(c2, c1, c1 * 0.5);
  const auto main = mock_.mainRequests();
  ASSERT_EQ(main.size(), 2u);
  EXPECT_NE(main[1].rawBody.find("First question"), std::string::npos);
}

TEST_F(AgentPluginTest, ResumesTheConversationAfterCloseSessions) {
  mock_.setScenario({{"responses", {reply({textBlock("Noted.")}), reply({textBlock("PAPAYA")})}}});
  makeAgent();
  TurnEvents& first = turn("conv-3", "Remember the word PAPAYA.");
  const json s1 = first.first("session");
  const std::string sid = s1["claude_session_id"];

  const auto closed = agent_->closeSessions({{"conversation_id", "conv-3"}});
  ASSERT_EQ(closed.status, DK_OK) << closed.error;
  const json health = agent_->health();
  EXPECT_EQ(health["sessions"], 0);
  EXPECT_EQ(health["claude_version"], "2.1.197") << "remembered after the session closed";
  EXPECT_TRUE(processGone(s1["pid"].get<int>()));

  TurnEvents& second = turn("conv-3", "Which word?", {{"claude_session_id", sid}});
  EXPECT_EQ(second.doneStatus(), "completed") << second.dump();
  const json s2 = second.first("session");
  EXPECT_EQ(s2["resumed"], true);
  EXPECT_EQ(s2["warm"], false);
  EXPECT_EQ(s2["claude_session_id"], sid);
  EXPECT_NE(s2["pid"], s1["pid"]);
  const auto main = mock_.mainRequests();
  ASSERT_EQ(main.size(), 2u);
  EXPECT_NE(main[1].rawBody.find("Remember the word PAPAYA."), std::string::npos)
      << "the resumed CLI sent the first turn along";
}

TEST_F(AgentPluginTest, ChangedTurnSettingsRestartTheCliWithResume) {
  mock_.setScenario({{"responses", {reply({textBlock("One.")}), reply({textBlock("Two.")})}}});
  makeAgent();
  TurnEvents& first = turn("conv-3b", "Remember the word LIME.");
  const json s1 = first.first("session");
  TurnEvents& second = turn("conv-3b", "Which word?",
                            {{"claude_session_id", s1["claude_session_id"]},
                             {"system_prompt", "You are the devkit test agent, version two."}});
  EXPECT_EQ(second.doneStatus(), "completed") << second.dump();
  const json s2 = second.first("session");
  EXPECT_NE(s2["pid"], s1["pid"]) << "a new system prompt needs a new process";
  EXPECT_EQ(s2["warm"], false);
  EXPECT_EQ(s2["resumed"], true);
  EXPECT_EQ(s2["claude_session_id"], s1["claude_session_id"]);
  EXPECT_TRUE(processGone(s1["pid"].get<int>()));
  const auto main = mock_.mainRequests();
  ASSERT_EQ(main.size(), 2u);
  EXPECT_NE(main[1].rawBody.find("version two"), std::string::npos);
  EXPECT_NE(main[1].rawBody.find("Remember the word LIME."), std::string::npos);
  EXPECT_EQ(agent_->health()["sessions"], 1);
}

TEST_F(AgentPluginTest, StopMidTurnEndsCancelledAndTheSessionLivesOn) {
  mock_.setScenario(
      {{"responses",
        {{{"content", {textBlock("one two three four", 4)}}, {"hold_after_chunks", 1}},
         reply({textBlock("Fresh answer.")})}}});
  makeAgent();
  TurnEvents& run = start("conv-4", "Talk slowly");
  ASSERT_TRUE(run.waitFor("text_delta")) << run.dump();
  const auto stop = agent_->sendInput(run.id(), {{"type", "interrupt"}});
  ASSERT_EQ(stop.status, DK_OK) << stop.error;
  ASSERT_TRUE(run.waitDone(30s)) << run.dump();
  expectOneDoneLast(run);
  EXPECT_EQ(run.doneStatus(), "cancelled") << run.dump();
  EXPECT_TRUE(run.ofType("error").empty()) << "a stop is not an error: " << run.dump();
  EXPECT_EQ(agent_->health()["live_turns"], 0);

  TurnEvents& next = turn("conv-4", "Again");
  EXPECT_EQ(next.doneStatus(), "completed") << next.dump();
  EXPECT_EQ(allText(next), "Fresh answer.");
  EXPECT_EQ(next.first("session")["pid"], run.first("session")["pid"]);
}

TEST_F(AgentPluginTest, StopKillsACliThatDoesNotAnswerAfterTheGrace) {
  mock_.setScenario({{"responses",
                      {reply({textBlock("Noted.")}),
                       {{"content", {textBlock("one two three", 3)}}, {"hold_after_chunks", 1}},
                       reply({textBlock("Back again.")})}}});
  makeAgent({{"stop_grace_s", 1}});
  TurnEvents& first = turn("conv-5", "Remember MANGO");
  const json session = first.first("session");
  ASSERT_TRUE(waitForTranscript(session["claude_session_id"]));
  TurnEvents& run = start("conv-5", "Talk");
  ASSERT_TRUE(run.waitFor("text_delta")) << run.dump();
  const pid_t pid = session["pid"].get<int>();
  ASSERT_EQ(::kill(pid, SIGSTOP), 0);  // a CLI that cannot react to the interrupt
  ASSERT_EQ(agent_->sendInput(run.id(), {{"type", "interrupt"}}).status, DK_OK);
  ASSERT_TRUE(run.waitDone(30s)) << run.dump();
  expectOneDoneLast(run);
  EXPECT_EQ(run.doneStatus(), "cancelled") << run.dump();
  EXPECT_TRUE(run.ofType("error").empty()) << run.dump();
  EXPECT_TRUE(processGone(pid)) << "SIGTERM cannot reach a stopped process; SIGKILL must follow";

  TurnEvents& next =
      turn("conv-5", "Hello?", {{"claude_session_id", session["claude_session_id"]}});
  EXPECT_EQ(next.doneStatus(), "completed") << next.dump();
  EXPECT_EQ(next.first("session")["resumed"], true);
  EXPECT_NE(mock_.mainRequests().back().rawBody.find("Remember MANGO"), std::string::npos);
}

TEST_F(AgentPluginTest, AKilledCliFailsTheTurnWithinASecondAndTheNextTurnResumes) {
  mock_.setScenario({{"responses",
                      {reply({textBlock("Noted.")}),
                       {{"content", {textBlock("one two three", 3)}}, {"hold_after_chunks", 1}},
                       reply({textBlock("I am back.")})}}});
  makeAgent();
  TurnEvents& first = turn("conv-6", "Remember KIWI");
  const json session = first.first("session");
  ASSERT_TRUE(waitForTranscript(session["claude_session_id"]));
  TurnEvents& run = start("conv-6", "Work");
  ASSERT_TRUE(run.waitFor("text_delta")) << run.dump();
  const pid_t pid = session["pid"].get<int>();
  const auto killedAt = Clock::now();
  ASSERT_EQ(::kill(pid, SIGKILL), 0);
  ASSERT_TRUE(run.waitDone(1000ms)) << "no done within 1 s of the kill: " << run.dump();
  EXPECT_LT(Clock::now() - killedAt, 1000ms);
  expectOneDoneLast(run);
  EXPECT_EQ(run.doneStatus(), "failed");
  const json error = run.first("error");
  ASSERT_TRUE(error.is_object()) << run.dump();
  EXPECT_EQ(error["code"], "cli_exited");
  EXPECT_EQ(error["retryable"], true);
  EXPECT_NE(error["message"].get<std::string>().find("signal 9"), std::string::npos) << error;
  EXPECT_EQ(agent_->health()["live_turns"], 0);

  TurnEvents& next =
      turn("conv-6", "Still there?", {{"claude_session_id", session["claude_session_id"]}});
  EXPECT_EQ(next.doneStatus(), "completed") << next.dump();
  const json resumed = next.first("session");
  EXPECT_EQ(resumed["resumed"], true);
  EXPECT_EQ(resumed["claude_session_id"], session["claude_session_id"]);
  EXPECT_NE(resumed["pid"], session["pid"]);
  EXPECT_EQ(allText(next), "I am back.");
  EXPECT_NE(mock_.mainRequests().back().rawBody.find("Remember KIWI"), std::string::npos);
}

TEST_F(AgentPluginTest, ACliKilledInItsFirstTurnStillLetsTheNextTurnRun) {
  mock_.setScenario({{"responses",
                      {{{"content", {textBlock("one two three", 3)}}, {"hold_after_chunks", 1}},
                       reply({textBlock("Fresh start.")})}}});
  makeAgent();
  TurnEvents& run = start("conv-6b", "Work");
  ASSERT_TRUE(run.waitFor("text_delta")) << run.dump();
  const json session = run.first("session");
  ASSERT_EQ(::kill(session["pid"].get<int>(), SIGKILL), 0);
  ASSERT_TRUE(run.waitDone(1000ms)) << run.dump();
  EXPECT_EQ(run.doneStatus(), "failed");
  // Whether the CLI saved the first prompt before it died depends on its 100 ms write queue;
  // either way the next turn runs, resuming exactly when there is something to resume.
  const bool saved = hasTranscript(session["claude_session_id"]);

  TurnEvents& next =
      turn("conv-6b", "Try again", {{"claude_session_id", session["claude_session_id"]}});
  EXPECT_EQ(next.doneStatus(), "completed") << next.dump();
  EXPECT_EQ(next.first("session")["resumed"], saved);
  EXPECT_EQ(allText(next), "Fresh start.");
}

TEST_F(AgentPluginTest, ASessionIdWithoutATranscriptStartsANewSession) {
  mock_.setScenario({{"responses", {reply({textBlock("New here.")})}}});
  makeAgent();
  const std::string lost = "0b8f8a52-1f5c-4f43-9d0e-6a2f4bfb5d10";
  TurnEvents& run = turn("conv-6c", "Hello", {{"claude_session_id", lost}});
  EXPECT_EQ(run.doneStatus(), "completed") << run.dump();
  const json session = run.first("session");
  EXPECT_EQ(session["resumed"], false);
  EXPECT_NE(session["claude_session_id"], lost) << "the host saves the new id from this event";
  EXPECT_EQ(allText(run), "New here.");
}

TEST_F(AgentPluginTest, AnAuthenticationFailureIsAClearError) {
  mock_.setScenario(
      {{"responses",
        {{{"status", 401},
          {"error", {{"type", "authentication_error"}, {"message", "invalid x-api-key"}}}}}}});
  makeAgent();
  TurnEvents& run = turn("conv-7", "Hello");
  expectOneDoneLast(run);
  EXPECT_EQ(run.doneStatus(), "failed");
  const auto errors = run.ofType("error");
  ASSERT_EQ(errors.size(), 1u) << run.dump();
  EXPECT_EQ(errors[0]["code"], "authentication_failed");
  EXPECT_EQ(errors[0]["retryable"], false);
  EXPECT_NE(errors[0]["message"].get<std::string>().find("401"), std::string::npos) << errors[0];
  EXPECT_TRUE(run.ofType("text").empty()) << "the failure is not assistant text";
}

TEST_F(AgentPluginTest, AnOverloadedApiIsARetryableError) {
  mock_.setScenario({{"responses", {{{"status", 529}}}}});
  makeAgent();
  TurnEvents& run = turn("conv-8", "Hello");
  expectOneDoneLast(run);
  EXPECT_EQ(run.doneStatus(), "failed");
  const json error = run.first("error");
  ASSERT_TRUE(error.is_object()) << run.dump();
  EXPECT_EQ(error["code"], "overloaded");
  EXPECT_EQ(error["retryable"], true);
}

TEST_F(AgentPluginTest, AskModeAllowsAndRemembersForTheSession) {
  const std::string a = (project_ / "a.txt").string();
  const std::string b = (project_ / "b.txt").string();
  mock_.setScenario({{"responses",
                      {reply({toolUse("Write", {{"file_path", a}, {"content", "A"}})}),
                       afterToolResult({textBlock("Wrote a.")}),
                       reply({toolUse("Write", {{"file_path", b}, {"content", "B"}})}),
                       afterToolResult({textBlock("Wrote b.")})}}});
  makeAgent({{"permission_mode", "ask"}});
  TurnEvents& run = start("conv-9", "Write a.txt");
  ASSERT_TRUE(run.waitFor("permission_request")) << run.dump();
  const json ask = run.first("permission_request");
  EXPECT_EQ(ask["tool_name"], "Write");
  EXPECT_EQ(ask["input"]["file_path"], a);
  EXPECT_EQ(ask["timeout_s"], 300);
  EXPECT_FALSE(ask["tool_use_id"].get<std::string>().empty());
  EXPECT_FALSE(std::filesystem::exists(a)) << "nothing written before the answer";
  const std::string requestId = ask["request_id"];
  const auto allow = agent_->sendInput(run.id(), {{"type", "permission"},
                                                  {"request_id", requestId},
                                                  {"decision", "allow"},
                                                  {"remember", true}});
  ASSERT_EQ(allow.status, DK_OK) << allow.error;
  ASSERT_TRUE(run.waitDone()) << run.dump();
  EXPECT_EQ(run.doneStatus(), "completed") << run.dump();
  EXPECT_EQ(run.first("permission_resolved"), json({{"type", "permission_resolved"},
                                                    {"request_id", requestId},
                                                    {"decision", "allow"},
                                                    {"reason", "user"}}));
  EXPECT_EQ(run.first("tool_result")["is_error"], false);
  EXPECT_EQ(readFile(a), "A");
  // The request is closed now.
  EXPECT_EQ(
      agent_
          ->sendInput(run.id(),
                      {{"type", "permission"}, {"request_id", requestId}, {"decision", "allow"}})
          .status,
      DK_ERR_NOT_FOUND);

  TurnEvents& again = turn("conv-9", "Write b.txt");
  EXPECT_EQ(again.doneStatus(), "completed") << again.dump();
  EXPECT_TRUE(again.ofType("permission_request").empty()) << "remembered: " << again.dump();
  EXPECT_EQ(readFile(b), "B");
}

TEST_F(AgentPluginTest, AskModeDenyTellsTheModel) {
  const std::string c = (project_ / "c.txt").string();
  mock_.setScenario({{"responses",
                      {reply({toolUse("Write", {{"file_path", c}, {"content", "C"}})}),
                       afterToolResult({textBlock("Understood.")})}}});
  makeAgent({{"permission_mode", "ask"}});
  TurnEvents& run = start("conv-10", "Write c.txt");
  ASSERT_TRUE(run.waitFor("permission_request")) << run.dump();
  const std::string requestId = run.first("permission_request")["request_id"];
  ASSERT_EQ(agent_
                ->sendInput(run.id(), {{"type", "permission"},
                                       {"request_id", requestId},
                                       {"decision", "deny"},
                                       {"remember", false}})
                .status,
            DK_OK);
  ASSERT_TRUE(run.waitDone()) << run.dump();
  EXPECT_EQ(run.doneStatus(), "completed") << run.dump();
  EXPECT_EQ(run.first("permission_resolved")["decision"], "deny");
  EXPECT_EQ(run.first("permission_resolved")["reason"], "user");
  const json result = run.first("tool_result");
  EXPECT_EQ(result["is_error"], true);
  EXPECT_NE(result.dump().find("Denied by the user in the web UI"), std::string::npos) << result;
  EXPECT_FALSE(std::filesystem::exists(c));
  const auto main = mock_.mainRequests();
  ASSERT_EQ(main.size(), 2u);
  EXPECT_NE(main[1].rawBody.find("Denied by the user in the web UI"), std::string::npos);
}

TEST_F(AgentPluginTest, AnUnansweredPermissionRequestIsDeniedAfterItsTimeout) {
  const std::string d = (project_ / "d.txt").string();
  mock_.setScenario({{"responses",
                      {reply({toolUse("Write", {{"file_path", d}, {"content", "D"}})}),
                       afterToolResult({textBlock("Nobody answered.")})}}});
  makeAgent({{"permission_mode", "ask"}, {"permission_timeout_s", 1}});
  TurnEvents& run = turn("conv-11", "Write d.txt");
  EXPECT_EQ(run.doneStatus(), "completed") << run.dump();
  const json ask = run.first("permission_request");
  ASSERT_TRUE(ask.is_object()) << run.dump();
  EXPECT_EQ(ask["timeout_s"], 1);
  const json resolved = run.first("permission_resolved");
  EXPECT_EQ(resolved["request_id"], ask["request_id"]);
  EXPECT_EQ(resolved["decision"], "deny");
  EXPECT_EQ(resolved["reason"], "timeout");
  EXPECT_EQ(run.first("error")["code"], "permission_timeout");
  EXPECT_EQ(run.first("tool_result")["is_error"], true);
  EXPECT_FALSE(std::filesystem::exists(d));
}

TEST_F(AgentPluginTest, AMissingCliIsUnavailableAndHealthSaysDown) {
  makeAgent({{"claude_path", (dir_.path() / "no-such-claude").string()}});
  const json health = agent_->health();
  EXPECT_EQ(health["status"], "down") << health.dump();
  EXPECT_NE(health["detail"].get<std::string>().find("not found"), std::string::npos);
  TurnEvents& run = newRun();
  const auto r = agent_->startTurn(request(run.id(), "conv-12", "Hi"), run);
  EXPECT_EQ(r.status, DK_ERR_UNAVAILABLE);
  // "<code>: " tells the host which error code the run gets.
  EXPECT_TRUE(r.error.starts_with("cli_not_found: Claude Code CLI not found")) << r.error;
  EXPECT_TRUE(run.events().empty());
}

TEST_F(AgentPluginTest, InstancesWithTheSchemaDefaultsComeAndGoCheaply) {
  // What the ABI suite does to every plugin: the defaults as the host expands them, many
  // instances, each asked for health and destroyed (every thread joined) without any turn.
  const json schema = json::parse(descriptor()->config_schema_json);
  json defaults = json::object();
  for (const auto& [key, property] : schema["properties"].items()) {
    std::string text =
        property["default"].is_string() ? property["default"].get<std::string>() : std::string();
    if (const auto pos = text.find("${host.home}"); pos != std::string::npos) {
      text.replace(pos, 12, dir_.path().string());
    }
    defaults[key] = property["default"].is_string() ? json(text) : property["default"];
  }
  for (int i = 0; i < 100; ++i) {
    Agent agent(defaults.dump());
    const json health = agent.health();
    EXPECT_EQ(health["status"], "down") << "no CLI under this ${host.home}: " << health.dump();
    EXPECT_EQ(health["sessions"], 0);
  }
}

TEST_F(AgentPluginTest, NoLlmCredentialsIsDegradedWithTheSameWordsAsTheRefusal) {
  makeAgent({{"llm", "auto"}, {"anthropic_api_key", ""}});
  const json health = agent_->health();
  EXPECT_EQ(health["status"], "degraded") << health.dump();
  EXPECT_EQ(health["llm"], "none");
  const std::string detail = health["detail"];
  EXPECT_NE(detail.find("DATABRICKS_HOST"), std::string::npos) << detail;
  EXPECT_NE(detail.find("ANTHROPIC_API_KEY"), std::string::npos) << detail;
  TurnEvents& run = newRun();
  const auto r = agent_->startTurn(request(run.id(), "conv-13", "Hi"), run);
  EXPECT_EQ(r.status, DK_ERR_UNAVAILABLE);
  EXPECT_EQ(r.error, "llm_not_configured: " + detail);
  EXPECT_TRUE(run.events().empty());
}

TEST_F(AgentPluginTest, ABusyConversationRefusesASecondTurnAndInputsAreChecked) {
  mock_.setScenario(
      {{"responses",
        {{{"content", {textBlock("slow answer here", 3)}}, {"hold_after_chunks", 1}}}}});
  makeAgent();
  TurnEvents& run = start("conv-14", "Work");
  ASSERT_TRUE(run.waitFor("text_delta")) << run.dump();
  TurnEvents& other = newRun();
  const auto busy = agent_->startTurn(request(other.id(), "conv-14", "Me too"), other);
  EXPECT_EQ(busy.status, DK_ERR_CONFLICT) << busy.error;
  EXPECT_TRUE(other.events().empty());
  EXPECT_EQ(agent_->sendInput("run-unknown", {{"type", "interrupt"}}).status, DK_ERR_NOT_FOUND);
  EXPECT_EQ(agent_->sendInput(run.id(), {{"type", "bogus"}}).status, DK_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(agent_
                ->sendInput(run.id(),
                            {{"type", "permission"}, {"request_id", "nope"}, {"decision", "allow"}})
                .status,
            DK_ERR_NOT_FOUND);
  EXPECT_EQ(agent_->health()["live_turns"], 1);
  ASSERT_EQ(agent_->sendInput(run.id(), {{"type", "interrupt"}}).status, DK_OK);
  ASSERT_TRUE(run.waitDone(30s)) << run.dump();
}

TEST_F(AgentPluginTest, DestroyEndsALiveTurnFirst) {
  mock_.setScenario(
      {{"responses", {{{"content", {textBlock("never finished", 3)}}, {"hold_after_chunks", 1}}}}});
  makeAgent();
  TurnEvents& run = start("conv-15", "Work");
  ASSERT_TRUE(run.waitFor("text_delta")) << run.dump();
  const pid_t pid = run.first("session")["pid"].get<int>();
  agent_->destroy();
  expectOneDoneLast(run);
  EXPECT_EQ(run.doneStatus(), "failed");
  EXPECT_NE(run.first("error")["message"].get<std::string>().find("shutting down"),
            std::string::npos);
  EXPECT_TRUE(processGone(pid));
}

TEST_F(AgentPluginTest, TheMcpTokenTravelsInTheEnvironmentNeverInArgv) {
  constexpr const char* kToken = "mcp-run-token-s3cr3t-42";
  mock_.setScenario({{"responses", {reply({textBlock("ok")})}}});
  makeAgent();
  TurnEvents& run = turn(
      "conv-16", "Hi",
      {{"mcp", {{"server", "databricks"}, {"url", mock_.baseUrl() + "/mcp"}, {"token", kToken}}},
       {"allowed_tools", {"mcp__databricks"}}});
  EXPECT_EQ(run.doneStatus(), "completed") << run.dump();
  const pid_t pid = run.first("session")["pid"].get<int>();
  const std::string args = cmdline(pid);  // the warm CLI is still running
  EXPECT_NE(args.find("--mcp-config="), std::string::npos) << args;
  EXPECT_NE(args.find("--allowedTools=mcp__databricks"), std::string::npos) << args;
  EXPECT_EQ(args.find(kToken), std::string::npos) << "the token is visible in ps: " << args;
  // The CLI connected to the MCP url (the mock answers 404) with the token as a bearer header.
  bool sawBearer = false;
  for (const auto& r : mock_.requests()) {
    if (r.path == "/mcp" && r.header("authorization") == std::string("Bearer ") + kToken) {
      sawBearer = true;
    }
  }
  EXPECT_TRUE(sawBearer) << "no MCP request carried the token";
  EXPECT_FALSE(fakeHost().logged(kToken)) << "a secret reached the log";
  EXPECT_FALSE(fakeHost().logged(kApiKey)) << "a secret reached the log";
}

TEST_F(AgentPluginTest, TheLruCapClosesTheLeastRecentlyUsedSession) {
  mock_.setScenario(
      {{"responses",
        {reply({textBlock("A1")}), reply({textBlock("B1")}), reply({textBlock("A2")})}}});
  makeAgent({{"max_sessions", 1}});
  TurnEvents& a1 = turn("conv-a", "first A");
  TurnEvents& b1 = turn("conv-b", "first B");
  EXPECT_EQ(b1.doneStatus(), "completed") << b1.dump();
  EXPECT_EQ(agent_->health()["sessions"], 1);
  const json sa = a1.first("session");
  TurnEvents& a2 = turn("conv-a", "second A", {{"claude_session_id", sa["claude_session_id"]}});
  EXPECT_EQ(a2.doneStatus(), "completed") << a2.dump();
  EXPECT_EQ(a2.first("session")["resumed"], true);
  EXPECT_NE(a2.first("session")["pid"], sa["pid"]);
}

}  // namespace
}  // namespace devkit::agent_test
