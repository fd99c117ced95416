// One corpus of malformed and hostile MCP input, driven through both transports: /mcp (an
// in-process host) and `devkit mcp --stdio` (a child process). Each message must get the JSON-RPC
// error code of docs/mcp.md (and, over HTTP, the matching status), and the server must go on
// answering afterwards.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "mcp/json_rpc.hpp"
#include "mcp_test_support.hpp"

namespace devkit::testing {
namespace {

using mcp::kInvalidParams;
using mcp::kInvalidRequest;
using mcp::kMethodNotFound;
using mcp::kParseError;
using nlohmann::json;

/// One message of the corpus and what must come back.
struct Case {
  std::string name;
  std::string text;         // the message as sent: one line, byte for byte
  std::optional<int> code;  // the error code; nullopt: a result
  json id;                  // the id the answer carries
  std::string mentions;     // a part of the error message
  int httpStatus;           // over /mcp: 202 when nothing is answered
};

Case error(std::string name, std::string text, int code, json id = nullptr,
           std::string mentions = "") {
  // Over HTTP a body that is no JSON is refused as a whole; any other error is the answer.
  const int status = code == kParseError ? 400 : 200;
  return {std::move(name), std::move(text), code, std::move(id), std::move(mentions), status};
}
Case result(std::string name, std::string text, json id) {
  return {std::move(name), std::move(text), std::nullopt, std::move(id), "", 200};
}
/// A notification or a client's response: nothing comes back.
Case unanswered(std::string name, std::string text) {
  return {std::move(name), std::move(text), std::nullopt, nullptr, "", 202};
}
/// Nesting beyond 64 levels is refused before parsing (recursive copies and dumps would exhaust
/// the handler's stack), like a body that is not JSON.
Case tooDeep(std::string name, std::string text) {
  return {std::move(name), std::move(text), kInvalidRequest, nullptr, "nests deeper", 400};
}

std::string nested(size_t depth) { return std::string(depth, '[') + std::string(depth, ']'); }

std::string request(const std::string& id, const std::string& method,
                    const std::string& params = "") {
  return R"({"jsonrpc":"2.0","id":)" + id + R"(,"method":")" + method + "\"" +
         (params.empty() ? "" : R"(,"params":)" + params) + "}";
}

std::string callEcho(int id, const std::string& arguments) {
  return request(std::to_string(id), "tools/call",
                 R"({"name":"echo","arguments":)" + arguments + "}");
}

constexpr size_t kDeep = 100000;

/// A call of fixture-tools' big, whose schema lets any other argument through, with `deep` too.
std::string callBig(int id, const std::string& deep) {
  return request(std::to_string(id), "tools/call",
                 R"({"name":"big","arguments":{"chars":1,"deep":)" + deep + "}}");
}

std::vector<Case> corpus() {
  const std::string bigId(1000000, 'i');  // 1 MB, under the host's 1 MiB body limit
  return {
      error("truncated JSON", R"({"jsonrpc":"2.0","id":1,"method":"pi)", kParseError),
      error("non-UTF-8 bytes in a string", request("2", "ping", "{\"x\":\"\xff\xfe\"}"),
            kParseError),
      error("non-UTF-8 bytes alone", "\xc3\x28\xff", kParseError),
      tooDeep("100,000 '[' never closed", std::string(kDeep, '[')),
      tooDeep("100,000 nested arrays", nested(kDeep)),
      tooDeep("100,000 nested arrays in params",
              request("3", "ping", "{\"deep\":" + nested(kDeep) + "}")),
      tooDeep("100,000 nested arrays in a tool's arguments", callBig(4, nested(kDeep))),
      // The message, params and arguments are 3 levels.
      result("a tool's arguments nested to the limit, 64 levels", callBig(5, nested(61)), 5),
      tooDeep("a tool's arguments nested one level more", callBig(6, nested(62))),
      error("id an object", R"({"jsonrpc":"2.0","id":{"a":1},"method":"ping"})", kInvalidRequest,
            nullptr, "\"id\""),
      error("id a boolean", R"({"jsonrpc":"2.0","id":true,"method":"ping"})", kInvalidRequest,
            nullptr, "\"id\""),
      error("id 1e308", R"({"jsonrpc":"2.0","id":1e308,"method":"ping"})", kInvalidRequest, nullptr,
            "\"id\""),
      // Beyond 64 bits the id would be answered rounded (1e20): refused instead.
      error("id a 20-digit integer beyond 64 bits",
            R"({"jsonrpc":"2.0","id":99999999999999999999,"method":"ping"})", kInvalidRequest,
            nullptr, "\"id\""),
      result("id the largest 20-digit integer that fits", request("18446744073709551615", "ping"),
             18446744073709551615ull),
      result("id a 1 MB string", request("\"" + bigId + "\"", "ping"), bigId),
      error("method a number", R"({"jsonrpc":"2.0","id":5,"method":42})", kInvalidRequest, 5,
            "\"method\""),
      error("no jsonrpc member", R"({"id":6,"method":"ping"})", kInvalidRequest, 6, "jsonrpc"),
      error("params an array", request("7", "tools/list", "[1]"), kInvalidParams, 7, "params"),
      error("params a string", request("8", "ping", "\"x\""), kInvalidParams, 8, "params"),
      error("an empty batch", "[]", kInvalidRequest, nullptr, "batch"),
      error("a batch of one ping", "[" + request("9", "ping") + "]", kInvalidRequest, nullptr,
            "batch"),
      error("a bare number", "42", kInvalidRequest),
      error("null", "null", kInvalidRequest),
      error("an unknown method", request("10", "tools/destroy"), kMethodNotFound, 10,
            "tools/destroy"),
      error("an unknown tool", request("11", "tools/call", R"({"name":"nope"})"), kInvalidParams,
            11, "unknown tool"),
      error("a tool name that is a number", request("12", "tools/call", R"({"name":7})"),
            kInvalidParams, 12, "\"name\""),
      error("arguments a string", callEcho(13, "\"text=hi\""), kInvalidParams, 13, "\"arguments\""),
      error("a required argument missing", callEcho(14, "{}"), kInvalidParams, 14, "'text'"),
      error("an argument of the wrong type", callEcho(15, R"({"text":5})"), kInvalidParams, 15,
            "must be string"),
      error("an argument the schema does not allow", callEcho(16, R"({"text":"a","extra":1})"),
            kInvalidParams, 16, "'extra'"),
      unanswered("a notification with params a string",
                 R"({"jsonrpc":"2.0","method":"notifications/cancelled","params":"x"})"),
      unanswered(
          "a cancel of no call in flight",
          R"({"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":{"a":1}}})"),
      unanswered("a client's response", R"({"jsonrpc":"2.0","id":99,"result":{}})"),
  };
}

/// The start of a (possibly 1 MB) answer, for failure messages.
std::string shown(const std::string& text) { return text.substr(0, 300); }

void expectAnswer(const Case& c, const std::string& text) {
  const json answer = json::parse(text, nullptr, false);
  ASSERT_TRUE(answer.is_object()) << shown(text);
  EXPECT_EQ(answer["jsonrpc"], "2.0") << shown(text);
  EXPECT_TRUE(answer["id"] == c.id) << shown(text);
  if (!c.code) {
    EXPECT_TRUE(answer.contains("result")) << shown(text);
    return;
  }
  ASSERT_TRUE(answer.contains("error")) << shown(text);
  EXPECT_EQ(answer["error"]["code"], *c.code) << shown(text);
  EXPECT_NE(answer["error"]["message"].get<std::string>().find(c.mentions), std::string::npos)
      << shown(text);
}

// ---------------------------------------------------------------------------------------------
// /mcp

class McpBadInputHttp : public McpHttp {
 protected:
  /// Posts one case: its status, and its answer unless it is a 202 (with no body).
  void exchange(const Case& c) {
    const HttpResult r = postRaw(c.text);
    EXPECT_EQ(r.status, c.httpStatus) << shown(r.body);
    if (c.httpStatus == 202) {
      EXPECT_TRUE(r.body.empty()) << shown(r.body);
      return;
    }
    expectAnswer(c, r.body);
  }

  void expectServing() {
    EXPECT_EQ(post({{"jsonrpc", "2.0"}, {"id", "after"}, {"method", "ping"}}).status, 200);
    const HttpResult list = post({{"jsonrpc", "2.0"}, {"id", "list"}, {"method", "tools/list"}});
    ASSERT_EQ(list.status, 200) << shown(list.body);
    const json tools = list.json()["result"]["tools"];
    EXPECT_TRUE(std::any_of(tools.begin(), tools.end(), [](const json& tool) {
      return tool["name"] == "echo";
    })) << shown(list.body);
  }
};

TEST_F(McpBadInputHttp, TheCorpusGetsItsErrorsAndTheServerGoesOn) {
  initialize();
  for (const Case& c : corpus()) {
    SCOPED_TRACE(c.name);
    exchange(c);
  }
  expectServing();
}

TEST_F(McpBadInputHttp, ABodyOverTheLimitIs413) {
  initialize();
  // [server] max_body_bytes is 1 MiB by default.
  const HttpResult r = postRaw(request("\"" + std::string(2 << 20, 'i') + "\"", "ping"));
  EXPECT_EQ(r.status, 413) << shown(r.body);
  expectServing();
}

TEST_F(McpBadInputHttp, TheTokenOfAnEndedRunIs401AndOtherRunsGoOn) {
  initialize();
  const auto other = startRun();
  const std::string ownToken = token_;
  const std::string ownSession = session_;
  token_ = host_->mcpTokens().tokenFor(other->info().conversationId);
  session_.clear();
  initialize();
  endRun(other);
  const HttpResult r = post({{"jsonrpc", "2.0"}, {"id", 1}, {"method", "ping"}});
  EXPECT_EQ(r.status, 401) << r.body;
  EXPECT_EQ(r.header("WWW-Authenticate").rfind("Bearer", 0), 0u);
  token_ = ownToken;
  session_ = ownSession;
  expectServing();
}

TEST_F(McpBadInputHttp, ACancelledCallIsNotAnsweredAndItsIdCanBeUsedAgain) {
  initialize();
  std::atomic<bool> answered = false;
  HttpResult slow;
  std::thread caller([&] {
    slow = post(
        {{"jsonrpc", "2.0"}, {"id", 9}, {"method", "tools/call"}, {"params", {{"name", "slow"}}}});
    answered = true;
  });
  // The call may not have started when a cancel arrives (then it is a cancel of nothing): cancel
  // until it ends.
  while (!answered) {
    EXPECT_EQ(post({{"jsonrpc", "2.0"},
                    {"method", "notifications/cancelled"},
                    {"params", {{"requestId", 9}, {"reason", "test"}}}})
                  .status,
              202);
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  caller.join();
  EXPECT_EQ(slow.status, 202) << slow.body;
  EXPECT_TRUE(slow.body.empty()) << slow.body;
  const json again = call("echo", {{"text", "again"}}, 9);
  EXPECT_EQ(again["id"], 9);
  EXPECT_EQ(again["result"]["content"][0]["text"], "again") << again.dump();
}

// ---------------------------------------------------------------------------------------------
// devkit mcp --stdio

class McpBadInputStdio : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = std::make_unique<StdioServer>(stdioConfig(dir_));
    ASSERT_TRUE(server_->send(
        request("0", "initialize", R"({"protocolVersion":"2025-11-25","capabilities":{}})")));
    const auto init = server_->next();
    ASSERT_TRUE(init) << server_->errors();
    ASSERT_TRUE(server_->send(R"({"jsonrpc":"2.0","method":"notifications/initialized"})"));
  }

  /// Sends one line. An answered case's answer is the next line; for one that is not, the next
  /// line must be the answer to a ping sent after it (lines are handled in order).
  void exchange(const Case& c) {
    ASSERT_TRUE(server_->send(c.text)) << server_->errors();
    if (c.httpStatus == 202) {
      const std::string sentinel = "after " + c.name;
      ASSERT_TRUE(
          server_->send(json{{"jsonrpc", "2.0"}, {"id", sentinel}, {"method", "ping"}}.dump()));
      const auto next = server_->next();
      ASSERT_TRUE(next) << "no answer to the ping; stderr:\n" << server_->errors();
      EXPECT_EQ(json::parse(*next, nullptr, false)["id"], sentinel) << shown(*next);
      return;
    }
    const auto answer = server_->next();
    ASSERT_TRUE(answer) << "no answer; stderr:\n" << server_->errors();
    expectAnswer(c, *answer);
  }

  void expectServing() {
    ASSERT_TRUE(server_->send(request("\"after\"", "ping"))) << server_->errors();
    auto answer = server_->next();
    ASSERT_TRUE(answer) << server_->errors();
    EXPECT_EQ(json::parse(*answer)["id"], "after") << shown(*answer);
    ASSERT_TRUE(server_->send(request("\"list\"", "tools/list")));
    answer = server_->next();
    ASSERT_TRUE(answer) << server_->errors();
    const json tools = json::parse(*answer)["result"]["tools"];
    EXPECT_TRUE(std::any_of(tools.begin(), tools.end(), [](const json& tool) {
      return tool["name"] == "hello";
    })) << shown(*answer);
    EXPECT_TRUE(server_->running());
    EXPECT_EQ(server_->finish(), 0) << server_->errors();
  }

  TempDir dir_;
  std::unique_ptr<StdioServer> server_;
};

TEST_F(McpBadInputStdio, TheCorpusGetsItsErrorsAndTheServerGoesOn) {
  for (const Case& c : corpus()) {
    SCOPED_TRACE(c.name);
    exchange(c);
  }
  expectServing();
}

TEST_F(McpBadInputStdio, BlankLinesAreSkipped) {
  for (const char* blank : {"", "   \t", "\r"}) {
    SCOPED_TRACE(::testing::Message() << "line " << json(blank).dump());
    exchange(unanswered("blank", blank));
  }
  expectServing();
}

TEST_F(McpBadInputStdio, ACancelledCallIsNotAnsweredAndItsIdCanBeUsedAgain) {
  ASSERT_TRUE(server_->send(request("7", "tools/call", R"({"name":"slow"})")));
  // The transport registers a call before it reads the next line, so this cancel finds it.
  ASSERT_TRUE(server_->send(
      R"({"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":7}})"));
  ASSERT_TRUE(server_->waitForLog("slow (fixture-tools) run -: cancelled")) << server_->errors();
  ASSERT_TRUE(server_->send(callEcho(7, R"({"text":"again"})")));
  const auto again = server_->next();
  ASSERT_TRUE(again) << server_->errors();
  const json answer = json::parse(*again);
  EXPECT_EQ(answer["id"], 7);
  EXPECT_EQ(answer["result"]["content"][0]["text"], "again") << *again;
  expectServing();
  EXPECT_FALSE(server_->next()) << "the cancelled call was answered";
}

}  // namespace
}  // namespace devkit::testing
