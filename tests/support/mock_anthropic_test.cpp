// The Anthropic API mock on its own (HTTP shapes, scenario rules, the executable) and with the
// real Claude Code CLI as its client: a streamed text answer, a tool_use -> tool_result loop, API
// errors, holds with release / interrupt / kill -9, side requests and MCP header expansion.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <future>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/StreamCopier.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "../unit/test_files.hpp"
#include "mock_anthropic.hpp"

namespace devkit::testing {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

// --- a child process with piped stdin/stdout ----------------------------------------------------

/// posix_spawn with an exact environment (Poco::Process only adds to the parent's), stdin and
/// stdout piped, stderr to a file. Killed with SIGKILL if still running at destruction.
class Child {
 public:
  Child(const std::string& exe, const std::vector<std::string>& args,
        const std::vector<std::string>& env, const fs::path& cwd, const fs::path& stderrFile) {
    ::signal(SIGPIPE, SIG_IGN);  // writing to a child that died must fail, not kill the test
    int in[2];
    int out[2];
    if (::pipe2(in, O_CLOEXEC) != 0 || ::pipe2(out, O_CLOEXEC) != 0)
      throw std::runtime_error("pipe");
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, in[0], 0);
    posix_spawn_file_actions_adddup2(&actions, out[1], 1);
    posix_spawn_file_actions_addopen(&actions, 2, stderrFile.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                     0644);
    posix_spawn_file_actions_addchdir_np(&actions, cwd.c_str());
    std::vector<std::string> argvStrings{exe};
    argvStrings.insert(argvStrings.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& arg : argvStrings) argv.push_back(arg.data());
    argv.push_back(nullptr);
    std::vector<std::string> envStrings = env;
    std::vector<char*> envp;
    for (auto& var : envStrings) envp.push_back(var.data());
    envp.push_back(nullptr);
    const int rc = ::posix_spawn(&pid_, exe.c_str(), &actions, nullptr, argv.data(), envp.data());
    posix_spawn_file_actions_destroy(&actions);
    ::close(in[0]);
    ::close(out[1]);
    in_ = in[1];
    out_ = out[0];
    if (rc != 0) {
      pid_ = -1;
      throw std::runtime_error("posix_spawn " + exe + ": " + std::strerror(rc));
    }
  }
  ~Child() {
    closeStdin();
    if (pid_ > 0 && !reaped_) {
      ::kill(pid_, SIGKILL);
      int status = 0;
      ::waitpid(pid_, &status, 0);
    }
    if (out_ >= 0) ::close(out_);
  }
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

  pid_t pid() const { return pid_; }

  bool writeLine(const std::string& line) {
    const std::string data = line + "\n";
    std::size_t done = 0;
    while (done < data.size()) {
      const ssize_t n = ::write(in_, data.data() + done, data.size() - done);
      if (n <= 0) return false;
      done += static_cast<std::size_t>(n);
    }
    return true;
  }
  void closeStdin() {
    if (in_ >= 0) ::close(in_);
    in_ = -1;
  }

  /// The next stdout line; nullopt at EOF or once `deadline` passes.
  std::optional<std::string> readLine(Clock::time_point deadline) {
    while (true) {
      const auto newline = buffer_.find('\n');
      if (newline != std::string::npos) {
        std::string line = buffer_.substr(0, newline);
        buffer_.erase(0, newline + 1);
        return line;
      }
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
      if (left.count() <= 0) return std::nullopt;
      pollfd pfd{out_, POLLIN, 0};
      if (::poll(&pfd, 1, static_cast<int>(left.count())) <= 0) continue;
      char chunk[65536];
      const ssize_t n = ::read(out_, chunk, sizeof chunk);
      if (n <= 0) return std::nullopt;
      buffer_.append(chunk, static_cast<std::size_t>(n));
    }
  }

  /// The exit code; -1 on timeout or death by signal.
  int wait(std::chrono::milliseconds timeout) {
    const auto until = Clock::now() + timeout;
    while (Clock::now() < until) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        reaped_ = true;
        return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
      }
      std::this_thread::sleep_for(20ms);
    }
    return -1;
  }

 private:
  pid_t pid_ = -1;
  int in_ = -1;
  int out_ = -1;
  bool reaped_ = false;
  std::string buffer_;
};

// --- the CLI ------------------------------------------------------------------------------------

std::string userLine(const std::string& text) {
  return json{{"type", "user"},
              {"session_id", ""},
              {"message", {{"role", "user"}, {"content", text}}},
              {"parent_tool_use_id", nullptr}}
      .dump();
}

/// The real `claude` in stream-json mode, in a temporary HOME and working dir, against `baseUrl`.
class Claude {
 public:
  Claude(const std::string& baseUrl, std::vector<std::string> extraArgs = {},
         std::vector<std::string> extraEnv = {}) {
    if (!fs::exists(DEVKIT_CLAUDE_CLI)) {
      throw std::runtime_error(std::string("no Claude Code CLI at ") + DEVKIT_CLAUDE_CLI +
                               " (npm ci --prefix plugins/agent-claude/cli)");
    }
    fs::create_directories(home() / "config");
    fs::create_directories(work());
    std::vector<std::string> args{
        "-p",          "--output-format",           "stream-json", "--verbose", "--input-format",
        "stream-json", "--include-partial-messages"};
    args.insert(args.end(), extraArgs.begin(), extraArgs.end());
    const char* path = std::getenv("PATH");
    std::vector<std::string> env{std::string("PATH=") + (path != nullptr ? path : "/usr/bin:/bin"),
                                 "HOME=" + home().string(),
                                 "CLAUDE_CONFIG_DIR=" + (home() / "config").string(),
                                 "ANTHROPIC_BASE_URL=" + baseUrl,
                                 "ANTHROPIC_API_KEY=test-key",
                                 "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1",
                                 "CLAUDE_CODE_ENTRYPOINT=sdk-devkit",
                                 "CLAUDE_CODE_MAX_RETRIES=0"};
    env.insert(env.end(), extraEnv.begin(), extraEnv.end());
    spawned_ = Clock::now();
    child_ = std::make_unique<Child>(DEVKIT_CLAUDE_CLI, args, env, work(), dir_.path() / "stderr");
  }

  fs::path home() const { return dir_.path() / "home"; }
  fs::path work() const { return dir_.path() / "work"; }
  Child& child() { return *child_; }
  Clock::time_point spawned() const { return spawned_; }
  const std::vector<json>& lines() const { return lines_; }

  std::string stderrText() const {
    std::ifstream in(dir_.path() / "stderr");
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }

  bool send(const json& line) { return child_->writeLine(line.dump()); }

  /// Reads stdout lines until one satisfies `done` (returned); nullopt on EOF or timeout.
  template <typename Predicate>
  std::optional<json> readUntil(Predicate done, std::chrono::milliseconds timeout = 60s) {
    const auto deadline = Clock::now() + timeout;
    while (auto line = child_->readLine(deadline)) {
      json parsed = json::parse(*line, nullptr, false);
      if (parsed.is_discarded()) continue;  // stdout is NDJSON; anything else is not ours
      lines_.push_back(parsed);
      if (done(parsed)) return parsed;
    }
    return std::nullopt;
  }
  std::optional<json> readResult(std::chrono::milliseconds timeout = 60s) {
    return readUntil([](const json& line) { return line.value("type", "") == "result"; }, timeout);
  }

  /// The first line read so far with this type (and subtype), or null.
  json find(const std::string& type, const std::string& subtype = "") const {
    for (const json& line : lines_) {
      if (line.value("type", "") == type &&
          (subtype.empty() || line.value("subtype", "") == subtype))
        return line;
    }
    return nullptr;
  }
  /// The stream_event deltas of one type, in order.
  std::vector<json> deltas(const std::string& deltaType) const {
    std::vector<json> found;
    for (const json& line : lines_) {
      if (line.value("type", "") != "stream_event") continue;
      const json& event = line["event"];
      if (event.value("type", "") == "content_block_delta" &&
          event["delta"].value("type", "") == deltaType) {
        found.push_back(event["delta"]);
      }
    }
    return found;
  }

 private:
  TempDir dir_;
  Clock::time_point spawned_;
  std::unique_ptr<Child> child_;
  std::vector<json> lines_;
};

// --- plain HTTP against the mock ----------------------------------------------------------------

struct Reply {
  int status = 0;
  std::string body;
  Poco::Net::HTTPResponse response;
};

Reply post(int port, const std::string& path, const std::string& body) {
  Poco::Net::HTTPClientSession session("127.0.0.1", static_cast<uint16_t>(port));
  session.setTimeout(Poco::Timespan(10, 0));
  Poco::Net::HTTPRequest request("POST", path, Poco::Net::HTTPMessage::HTTP_1_1);
  request.setContentType("application/json");
  request.setContentLength(static_cast<std::streamsize>(body.size()));
  session.sendRequest(request) << body;
  Reply reply;
  std::istream& in = session.receiveResponse(reply.response);
  std::ostringstream out;
  Poco::StreamCopier::copyStream(in, out);
  reply.status = static_cast<int>(reply.response.getStatus());
  reply.body = out.str();
  return reply;
}

Reply get(int port, const std::string& path) {
  Poco::Net::HTTPClientSession session("127.0.0.1", static_cast<uint16_t>(port));
  session.setTimeout(Poco::Timespan(10, 0));
  Poco::Net::HTTPRequest request("GET", path, Poco::Net::HTTPMessage::HTTP_1_1);
  session.sendRequest(request);
  Reply reply;
  std::istream& in = session.receiveResponse(reply.response);
  std::ostringstream out;
  Poco::StreamCopier::copyStream(in, out);
  reply.status = static_cast<int>(reply.response.getStatus());
  reply.body = out.str();
  return reply;
}

json messagesBody(const std::string& userText, bool stream) {
  return {{"model", "claude-test"},
          {"max_tokens", 1024},
          {"stream", stream},
          {"messages", json::array({{{"role", "user"}, {"content", userText}}})}};
}

/// Parses an SSE body into (event name, data) pairs.
std::vector<std::pair<std::string, json>> parseSse(const std::string& body) {
  std::vector<std::pair<std::string, json>> events;
  std::istringstream in(body);
  std::string line;
  std::string name;
  while (std::getline(in, line)) {
    if (line.rfind("event: ", 0) == 0) name = line.substr(7);
    if (line.rfind("data: ", 0) == 0) events.emplace_back(name, json::parse(line.substr(6)));
  }
  return events;
}

// --- the mock over plain HTTP -------------------------------------------------------------------

TEST(MockAnthropicHttp, StreamsAnAnthropicEventSequence) {
  MockAnthropic mock(
      json{{"responses",
            {{{"content",
               {{{"type", "thinking"}, {"thinking", "Think it over."}, {"chunks", 2}},
                {{"type", "text"}, {"text", "héllo wörld"}, {"chunks", 4}},
                {{"type", "tool_use"},
                 {"name", "Write"},
                 {"input", {{"file_path", "/tmp/x"}, {"content", "y"}}},
                 {"chunks", 3}}}}}}}});
  const Reply reply = post(mock.port(), "/v1/messages?beta=true", messagesBody("hi", true).dump());
  ASSERT_EQ(reply.status, 200);
  EXPECT_EQ(reply.response.getContentType(), "text/event-stream");
  const auto events = parseSse(reply.body);
  std::vector<std::string> names;
  std::string thinking;
  std::string text;
  std::string partialJson;
  std::string signature;
  json toolStart;
  for (const auto& [name, data] : events) {
    names.push_back(name);
    EXPECT_EQ(data["type"], name);  // the data's type always repeats the event name
    if (name == "content_block_start" && data["content_block"]["type"] == "tool_use") {
      toolStart = data["content_block"];
    }
    if (name != "content_block_delta") continue;
    const json& delta = data["delta"];
    if (delta["type"] == "thinking_delta") thinking += delta["thinking"].get<std::string>();
    if (delta["type"] == "text_delta") text += delta["text"].get<std::string>();
    if (delta["type"] == "input_json_delta")
      partialJson += delta["partial_json"].get<std::string>();
    if (delta["type"] == "signature_delta") signature = delta["signature"];
  }
  const std::vector<std::string> expected{
      "message_start",       "content_block_start", "content_block_delta", "content_block_delta",
      "content_block_delta", "content_block_stop",  "content_block_start", "content_block_delta",
      "content_block_delta", "content_block_delta", "content_block_delta", "content_block_stop",
      "content_block_start", "content_block_delta", "content_block_delta", "content_block_delta",
      "content_block_stop",  "message_delta",       "message_stop"};
  EXPECT_EQ(names, expected);
  EXPECT_EQ(thinking, "Think it over.");
  EXPECT_EQ(text, "héllo wörld");  // chunk boundaries never split a UTF-8 sequence
  EXPECT_FALSE(signature.empty());
  EXPECT_EQ(json::parse(partialJson), (json{{"file_path", "/tmp/x"}, {"content", "y"}}));
  EXPECT_EQ(toolStart["name"], "Write");
  EXPECT_TRUE(toolStart["id"].get<std::string>().starts_with("toolu_"));
  EXPECT_EQ(events.front().second["message"]["model"], "claude-test");
  EXPECT_TRUE(events.front().second["message"]["id"].get<std::string>().starts_with("msg_"));
  EXPECT_EQ(events[events.size() - 2].second["delta"]["stop_reason"], "tool_use");
  EXPECT_EQ(mock.remaining(), 0u);
}

TEST(MockAnthropicHttp, AnswersByTheScenarioRules) {
  MockAnthropic mock(json{
      {"responses",
       {{{"when", {{"last_user_text_contains", "second"}}},
         {"content", {{{"type", "text"}, {"text", "answer to second"}}}}},
        {{"status", 529}},
        {{"status", 401}, {"error", {{"type", "authentication_error"}, {"message", "bad key"}}}},
        {{"content", {{{"type", "text"}, {"text", "always"}}}}, {"repeat", true}}}},
      {"default_text", "nothing left"}});
  // The first request skips the conditional response and takes the 529, with retry-after.
  Reply reply = post(mock.port(), "/v1/messages", messagesBody("first", false).dump());
  EXPECT_EQ(reply.status, 529);
  EXPECT_EQ(reply.response.get("retry-after", ""), "1");
  EXPECT_EQ(json::parse(reply.body),
            (json{{"type", "error"},
                  {"error", {{"type", "overloaded_error"}, {"message", "mock error 529"}}}}));
  // Now the condition holds: the skipped response answers, as plain JSON (stream false).
  reply = post(mock.port(), "/v1/messages", messagesBody("the second one", false).dump());
  ASSERT_EQ(reply.status, 200);
  json message = json::parse(reply.body);
  EXPECT_EQ(message["type"], "message");
  EXPECT_EQ(message["content"], json::parse(R"([{"type":"text","text":"answer to second"}])"));
  EXPECT_EQ(message["stop_reason"], "end_turn");
  EXPECT_EQ(post(mock.port(), "/v1/messages", messagesBody("x", false).dump()).status, 401);
  // A "repeat" response is never used up.
  for (int i = 0; i < 2; ++i) {
    reply = post(mock.port(), "/v1/messages", messagesBody("x", false).dump());
    EXPECT_EQ(json::parse(reply.body)["content"][0]["text"], "always");
  }
  EXPECT_EQ(mock.remaining(), 1u);

  // Side requests never consume the script.
  reply = post(mock.port(), "/v1/messages/count_tokens", messagesBody("x", false).dump());
  EXPECT_EQ(reply.status, 200);
  EXPECT_GT(json::parse(reply.body)["input_tokens"].get<int>(), 0);
  json titleRequest = messagesBody("<session>x</session>", false);
  titleRequest["output_config"] = {
      {"format",
       {{"type", "json_schema"},
        {"schema", {{"type", "object"}, {"properties", {{"title", {{"type", "string"}}}}}}}}}};
  reply = post(mock.port(), "/v1/messages", titleRequest.dump());
  EXPECT_EQ(json::parse(json::parse(reply.body)["content"][0]["text"].get<std::string>()),
            (json{{"title", "Mock title"}}));
  json probe = messagesBody("quota", false);
  probe["max_tokens"] = 1;
  EXPECT_EQ(post(mock.port(), "/v1/messages", probe.dump()).status, 200);
  EXPECT_EQ(post(mock.port(), "/mcp", "{}").status, 404);

  const auto requests = mock.requests();
  ASSERT_EQ(requests.size(), 9u);
  EXPECT_EQ(requests[0].scriptIndex, 1);
  EXPECT_EQ(requests[1].scriptIndex, 0);
  EXPECT_EQ(requests[5].kind, RequestKind::kCountTokens);
  EXPECT_EQ(requests[6].kind, RequestKind::kStructured);
  EXPECT_EQ(requests[7].kind, RequestKind::kProbe);
  EXPECT_EQ(requests[8].kind, RequestKind::kOther);
  EXPECT_EQ(mock.mainRequests().size(), 5u);
  EXPECT_EQ(requests[1].lastUserText(), "the second one");
  EXPECT_EQ(requests[1].header("Content-Type"), "application/json");
  EXPECT_LE(requests[0].time, requests[1].time);

  // With the script exhausted, the default text answers.
  mock.setScenario({{"default_text", "nothing left"}});
  reply = post(mock.port(), "/v1/messages", messagesBody("x", false).dump());
  EXPECT_EQ(json::parse(reply.body)["content"][0]["text"], "nothing left");
  EXPECT_EQ(mock.mainRequests().back().scriptIndex, -1);
}

TEST(MockAnthropicHttp, RefusesMalformedScenarios) {
  EXPECT_THROW(MockAnthropic(json{{"responses", {{{"content", "not an array"}}}}}),
               std::invalid_argument);
  EXPECT_THROW(
      MockAnthropic(json{{"responses", {{{"content", json::array()}, {"stop_reson", "x"}}}}}),
      std::invalid_argument);
  EXPECT_THROW(MockAnthropic(json{{"responses", {{{"status", 200}}}}}), std::invalid_argument);
  EXPECT_THROW(MockAnthropic(json{{"responses", {{{"content", {{{"type", "image"}}}}}}}}),
               std::invalid_argument);
  EXPECT_THROW(MockAnthropic(json{
                   {"responses", {{{"content", json::array()}, {"when", {{"last_user", "x"}}}}}}}),
               std::invalid_argument);
  MockAnthropic mock;
  EXPECT_THROW(mock.push({{"content", {{{"type", "tool_use"}}}}}), std::invalid_argument);
  EXPECT_EQ(mock.remaining(), 0u);
}

TEST(MockAnthropicExecutable, ServesAScenarioFileAndControlRoutes) {
  TempDir dir;
  const std::string scenario = dir.write(
      "scenario.json",
      R"({"responses":[{"content":[{"type":"text","text":"from the file"}],"hold_after_chunks":0}]})");
  Child child(DEVKIT_MOCK_ANTHROPIC_BINARY, {"--scenario", scenario}, {}, dir.path(),
              dir.path() / "stderr");
  const auto line = child.readLine(Clock::now() + 10s);
  ASSERT_TRUE(line.has_value());
  ASSERT_TRUE(line->starts_with("port="));
  const int port = std::stoi(line->substr(5));

  // The scripted response holds before its first delta until /_mock/release.
  auto waiter = std::async(std::launch::async, [port] {
    return post(port, "/v1/messages", messagesBody("hi", false).dump());
  });
  const auto deadline = Clock::now() + 10s;
  while (json::parse(get(port, "/_mock/state").body)["holding"] != 1 && Clock::now() < deadline) {
    std::this_thread::sleep_for(20ms);
  }
  EXPECT_EQ(waiter.wait_for(200ms), std::future_status::timeout);
  EXPECT_EQ(post(port, "/_mock/release", "").status, 200);
  const Reply reply = waiter.get();
  EXPECT_EQ(json::parse(reply.body)["content"][0]["text"], "from the file");

  EXPECT_EQ(post(port, "/_mock/push", R"({"content":[{"type":"text","text":"pushed"}]})").status,
            200);
  EXPECT_EQ(post(port, "/_mock/push", R"({"content":7})").status, 400);
  EXPECT_EQ(
      json::parse(
          post(port, "/v1/messages", messagesBody("x", false).dump()).body)["content"][0]["text"],
      "pushed");
  const json requests = json::parse(get(port, "/_mock/requests").body);
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[0]["kind"], "main");
  EXPECT_EQ(requests[0]["body"]["messages"][0]["content"], "hi");

  ::kill(child.pid(), SIGTERM);
  EXPECT_EQ(child.wait(10s), 0);
  std::ifstream log(dir.path() / "stderr");
  const std::string text((std::istreambuf_iterator<char>(log)), std::istreambuf_iterator<char>());
  EXPECT_NE(text.find("POST /v1/messages main script=0"), std::string::npos) << text;
}

TEST(MockAnthropicExecutable, RejectsABadScenarioFile) {
  TempDir dir;
  const std::string scenario = dir.write("bad.json", R"({"responses":[{"status":"x"}]})");
  Child child(DEVKIT_MOCK_ANTHROPIC_BINARY, {"--scenario", scenario}, {}, dir.path(),
              dir.path() / "stderr");
  EXPECT_EQ(child.wait(10s), 64);
}

// --- the real Claude Code CLI against the mock ---------------------------------------------------

TEST(MockAnthropicCli, StreamsATextAnswer) {
  const std::string answer = "Hello from the scripted mock!";
  MockAnthropic mock(
      json{{"responses",
            {{{"content",
               {{{"type", "thinking"}, {"thinking", "The user says hi."}, {"chunks", 2}},
                {{"type", "text"}, {"text", answer}, {"chunks", 3}}}}}}}});
  Claude claude(mock.baseUrl());
  ASSERT_TRUE(claude.child().writeLine(userLine("hi")));
  const auto result = claude.readResult();
  ASSERT_TRUE(result.has_value()) << claude.stderrText();
  EXPECT_EQ((*result)["subtype"], "success");
  EXPECT_EQ((*result)["is_error"], false);
  EXPECT_EQ((*result)["result"], answer);
  EXPECT_EQ((*result)["stop_reason"], "end_turn");
  EXPECT_EQ((*result)["num_turns"], 1);

  const auto textDeltas = claude.deltas("text_delta");
  ASSERT_EQ(textDeltas.size(), 3u);
  std::string streamed;
  for (const json& delta : textDeltas) streamed += delta["text"].get<std::string>();
  EXPECT_EQ(streamed, answer);
  EXPECT_EQ(claude.deltas("thinking_delta").size(), 2u);
  EXPECT_EQ(claude.deltas("signature_delta").size(), 1u);

  const json init = claude.find("system", "init");
  ASSERT_TRUE(init.is_object());
  const auto main = mock.mainRequests();
  ASSERT_EQ(main.size(), 1u);
  const RecordedRequest& request = main[0];
  EXPECT_EQ(request.path, "/v1/messages");
  EXPECT_EQ(request.header("x-api-key"), "test-key");
  EXPECT_EQ(request.header("anthropic-version"), "2023-06-01");
  EXPECT_EQ(request.header("x-claude-code-session-id"), init["session_id"]);
  EXPECT_NE(request.header("user-agent").find("sdk-devkit"), std::string::npos);
  EXPECT_EQ(request.body["stream"], true);
  EXPECT_NE(request.lastUserText().find("hi"), std::string::npos);
  EXPECT_EQ(mock.remaining(), 0u);

  claude.child().closeStdin();
  EXPECT_EQ(claude.child().wait(30s), 0);
}

TEST(MockAnthropicCli, RunsAToolUseLoopThatWritesAFile) {
  MockAnthropic mock;
  Claude claude(mock.baseUrl(), {"--permission-mode", "acceptEdits"});
  const fs::path file = claude.work() / "hello.txt";
  mock.setScenario(
      {{"responses",
        {{{"content",
           {{{"type", "text"}, {"text", "I will write the file."}},
            {{"type", "tool_use"},
             {"name", "Write"},
             {"input", {{"file_path", file.string()}, {"content", "written by the mock\n"}}}}}}},
         {{"when", {{"last_is_tool_result", true}}},
          {"content", {{{"type", "text"}, {"text", "The file is written."}}}}}}}});
  ASSERT_TRUE(claude.child().writeLine(userLine("write hello.txt")));
  const auto result = claude.readResult();
  ASSERT_TRUE(result.has_value()) << claude.stderrText();
  EXPECT_EQ((*result)["result"], "The file is written.");
  EXPECT_EQ((*result)["num_turns"], 2);

  std::ifstream in(file);
  const std::string written((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(written, "written by the mock\n");

  const auto main = mock.mainRequests();
  ASSERT_EQ(main.size(), 2u);
  EXPECT_FALSE(main[0].lastIsToolResult());
  const auto toolResults = main[1].lastToolResults();
  ASSERT_EQ(toolResults.size(), 1u);
  EXPECT_FALSE(toolResults[0].value("is_error", false)) << toolResults[0].dump();
  // The tool_result answers the tool_use the mock streamed.
  std::string toolUseId;
  for (const json& line : claude.lines()) {
    if (line.value("type", "") != "assistant") continue;
    for (const json& block : line["message"]["content"]) {
      if (block["type"] == "tool_use") toolUseId = block["id"];
    }
  }
  EXPECT_FALSE(toolUseId.empty());
  EXPECT_EQ(toolResults[0]["tool_use_id"], toolUseId);
  EXPECT_EQ(mock.remaining(), 0u);
}

struct ApiErrorCase {
  int status;
  const char* errorType;
  const char* assistantError;  // the `error` of the CLI's synthetic assistant message
};

// Names the parameter in CTest's test list (instead of a byte dump).
void PrintTo(const ApiErrorCase& c, std::ostream* os) { *os << c.status; }

class MockAnthropicCliErrors : public ::testing::TestWithParam<ApiErrorCase> {};

TEST_P(MockAnthropicCliErrors, BecomeASyntheticAssistantMessageAndAnErrorResult) {
  const ApiErrorCase& c = GetParam();
  MockAnthropic mock(json{
      {"responses",
       {{{"status", c.status}, {"error", {{"type", c.errorType}, {"message", "scripted"}}}}}}});
  Claude claude(mock.baseUrl());
  ASSERT_TRUE(claude.child().writeLine(userLine("hi")));
  const auto result = claude.readResult();
  ASSERT_TRUE(result.has_value()) << claude.stderrText();
  EXPECT_EQ((*result)["subtype"], "success");  // API errors have no error subtype of their own
  EXPECT_EQ((*result)["is_error"], true);
  EXPECT_EQ((*result)["api_error_status"], c.status);
  EXPECT_NE((*result)["result"].get<std::string>().find(std::to_string(c.status)),
            std::string::npos)
      << (*result)["result"];
  const json assistant = claude.find("assistant");
  ASSERT_TRUE(assistant.is_object());
  EXPECT_EQ(assistant["message"]["model"], "<synthetic>");
  EXPECT_EQ(assistant["error"], c.assistantError);
  EXPECT_EQ(mock.mainRequests().size(), 1u);  // CLAUDE_CODE_MAX_RETRIES=0: no retry
  claude.child().closeStdin();
  EXPECT_EQ(claude.child().wait(30s), 1);  // the last result was an error
}

INSTANTIATE_TEST_SUITE_P(Statuses, MockAnthropicCliErrors,
                         ::testing::Values(ApiErrorCase{401, "authentication_error",
                                                        "authentication_failed"},
                                           ApiErrorCase{529, "overloaded_error", "server_error"}),
                         [](const auto& info) { return std::to_string(info.param.status); });

json heldAnswer(std::size_t holdAfter) {
  return {{"responses",
           {{{"content", {{{"type", "text"}, {"text", "one two three four"}, {"chunks", 4}}}},
             {"hold_after_chunks", holdAfter}}}}};
}

TEST(MockAnthropicCli, HoldKeepsTheTurnOpenUntilReleased) {
  MockAnthropic mock(heldAnswer(2));
  Claude claude(mock.baseUrl());
  ASSERT_TRUE(claude.child().writeLine(userLine("hi")));
  ASSERT_TRUE(mock.waitForHold(60s)) << claude.stderrText();
  // The two deltas before the hold reach stdout; the turn does not end while held.
  std::size_t seen = 0;
  const auto partial = claude.readUntil(
      [&](const json& line) {
        if (line.value("type", "") == "stream_event" &&
            line["event"].value("type", "") == "content_block_delta") {
          ++seen;
        }
        return seen == 2 || line.value("type", "") == "result";
      },
      10s);
  ASSERT_TRUE(partial.has_value());
  EXPECT_EQ(partial->value("type", ""), "stream_event");
  EXPECT_FALSE(claude.readResult(500ms).has_value());
  EXPECT_EQ(mock.holding(), 1u);

  mock.release();
  const auto result = claude.readResult();
  ASSERT_TRUE(result.has_value());
  EXPECT_EQ((*result)["result"], "one two three four");
  EXPECT_EQ(claude.deltas("text_delta").size(), 4u);
  EXPECT_EQ(mock.holding(), 0u);
  EXPECT_FALSE(mock.mainRequests()[0].clientGone);
}

/// Polls until the mock saw the main request's client hang up.
bool waitClientGone(const MockAnthropic& mock, std::chrono::milliseconds timeout) {
  const auto until = Clock::now() + timeout;
  while (Clock::now() < until) {
    const auto main = mock.mainRequests();
    if (!main.empty() && main[0].clientGone) return true;
    std::this_thread::sleep_for(20ms);
  }
  return false;
}

TEST(MockAnthropicCli, InterruptDuringAHoldAbortsTheRequest) {
  MockAnthropic mock(heldAnswer(1));
  Claude claude(mock.baseUrl());
  ASSERT_TRUE(claude.child().writeLine(userLine("hi")));
  ASSERT_TRUE(mock.waitForHold(60s)) << claude.stderrText();
  ASSERT_TRUE(claude.send({{"type", "control_request"},
                           {"request_id", "stop-1"},
                           {"request", {{"subtype", "interrupt"}}}}));
  const auto result = claude.readResult(30s);
  ASSERT_TRUE(result.has_value());
  EXPECT_EQ((*result)["subtype"], "error_during_execution");
  EXPECT_EQ((*result)["terminal_reason"], "aborted_streaming");
  EXPECT_TRUE(waitClientGone(mock, 5s));
  EXPECT_EQ(mock.holding(), 0u);
}

TEST(MockAnthropicCli, KillDuringAHoldEndsTheHold) {
  MockAnthropic mock(heldAnswer(0));
  Claude claude(mock.baseUrl());
  ASSERT_TRUE(claude.child().writeLine(userLine("hi")));
  ASSERT_TRUE(mock.waitForHold(60s)) << claude.stderrText();
  ::kill(claude.child().pid(), SIGKILL);
  EXPECT_TRUE(waitClientGone(mock, 5s));
  EXPECT_EQ(mock.holding(), 0u);
}

TEST(MockAnthropicCli, SideRequestsLeaveTheScriptAlone) {
  MockAnthropic mock(
      json{{"structured_output", {{"title", "Scripted title"}}},
           {"responses", {{{"content", {{{"type", "text"}, {"text", "the turn"}}}}}}}});
  Claude claude(mock.baseUrl());
  ASSERT_TRUE(claude.send({{"type", "control_request"},
                           {"request_id", "title-1"},
                           {"request",
                            {{"subtype", "generate_session_title"},
                             {"description", "fix the pipeline"},
                             {"persist", false}}}}));
  const auto title = claude.readUntil([](const json& line) {
    return line.value("type", "") == "control_response" &&
           line["response"].value("request_id", "") == "title-1";
  });
  ASSERT_TRUE(title.has_value()) << claude.stderrText();
  EXPECT_EQ((*title)["response"]["response"]["title"], "Scripted title");
  EXPECT_EQ(mock.remaining(), 1u);

  ASSERT_TRUE(claude.child().writeLine(userLine("hi")));
  const auto result = claude.readResult();
  ASSERT_TRUE(result.has_value());
  EXPECT_EQ((*result)["result"], "the turn");
  ASSERT_TRUE(claude.child().writeLine(userLine("and again")));
  const auto second = claude.readResult();
  ASSERT_TRUE(second.has_value());
  EXPECT_EQ((*second)["result"], "mock: no scripted response");

  const auto requests = mock.requests();
  EXPECT_TRUE(std::any_of(requests.begin(), requests.end(), [](const RecordedRequest& r) {
    return r.kind == RequestKind::kStructured;
  }));
  EXPECT_EQ(mock.mainRequests().size(), 2u);
}

// The agent plugin hands the MCP bearer token over in the environment, never in argv; this pins
// the CLI behaviour that makes that work.
TEST(MockAnthropicCli, McpHeadersExpandTheCliEnvironment) {
  MockAnthropic mock(
      json{{"responses", {{{"content", {{{"type", "text"}, {"text", "no tools"}}}}}}}});
  const json config = {{"mcpServers",
                        {{"databricks",
                          {{"type", "http"},
                           {"url", mock.baseUrl() + "/mcp"},
                           {"headers", {{"Authorization", "Bearer ${DEVKIT_MCP_TOKEN}"}}}}}}}};
  Claude claude(mock.baseUrl(), {"--mcp-config", config.dump(), "--strict-mcp-config"},
                {"DEVKIT_MCP_TOKEN=token-from-env"});
  ASSERT_TRUE(claude.child().writeLine(userLine("hi")));
  const auto result = claude.readResult();
  ASSERT_TRUE(result.has_value()) << claude.stderrText();
  // The server answered 404: it is marked failed, and the turn runs without it.
  EXPECT_EQ((*result)["result"], "no tools");
  const json init = claude.find("system", "init");
  ASSERT_EQ(init["mcp_servers"].size(), 1u);
  EXPECT_EQ(init["mcp_servers"][0]["status"], "failed");

  std::vector<RecordedRequest> mcp;
  for (const auto& request : mock.requests()) {
    if (request.path == "/mcp") mcp.push_back(request);
  }
  ASSERT_FALSE(mcp.empty());
  EXPECT_EQ(mcp[0].header("authorization"), "Bearer token-from-env");
  EXPECT_EQ(mcp[0].body["method"], "initialize");
}

}  // namespace
}  // namespace devkit::testing
