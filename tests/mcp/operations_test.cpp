// The protocol core's long-call operations (check_operation_status), provider log messages
// (notifications/message) and per-project tool gating, against an in-test provider.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "mcp/argument_check.hpp"
#include "mcp/json_rpc.hpp"
#include "mcp/mcp_server.hpp"
#include "mcp/tool_catalog.hpp"
#include "plugins/plugin_loader.hpp"

namespace devkit::mcp {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

/// "quick" answers at once; "slow" reports progress and runs until released or cancelled;
/// "log" writes one log message per level, then answers.
class SlowProvider : public core::ToolProvider {
 public:
  explicit SlowProvider(std::vector<std::string> names = {"quick", "slow", "log", "badflag",
                                                          "badblock"}) {
    for (const auto& name : names) {
      tools_.push_back({{"name", name}, {"inputSchema", {{"type", "object"}}}});
    }
  }
  json health() override { return {{"status", "ok"}}; }
  core::CallOutcome listTools() override { return {DK_OK, tools_.dump(), ""}; }
  core::CallOutcome callTool(const core::ToolCallRequest& request) override {
    if (request.name == "slow") {
      request.onProgress(R"({"progress":1,"message":"scanning"})");
      while (!release && !request.cancelled->load()) std::this_thread::sleep_for(2ms);
      if (request.cancelled->load()) {
        cancelled = true;
        return {DK_ERR_CANCELLED, "", "cancelled"};
      }
      return {DK_OK, R"({"content":[{"type":"text","text":"slow done"}]})", ""};
    }
    if (request.name == "badflag") {  // isError must be a boolean
      return {DK_OK, R"({"content":[{"type":"text","text":"x"}],"isError":"false"})", ""};
    }
    if (request.name == "badblock") {  // a content block's type must be a string
      return {DK_OK, R"({"content":[{"type":1,"text":"x"}]})", ""};
    }
    if (request.name == "log") {
      for (const char* level : {"debug", "info", "warning", "error"}) {
        request.onLog(json({{"level", level}, {"logger", "fake"}, {"data", level}}).dump());
      }
      request.onLog("not json");
      request.onLog(R"({"level":"loud","data":"x"})");
      request.onLog(R"({"level":"error"})");  // no data
    }
    return {DK_OK, R"({"content":[{"type":"text","text":"ok"}]})", ""};
  }

  json tools_ = json::array();
  std::atomic<bool> release{false};
  std::atomic<bool> cancelled{false};
};

class LongCalls : public ::testing::Test {
 protected:
  void make(std::chrono::milliseconds operationAfter) {
    provider_ = std::make_shared<SlowProvider>();
    McpServer::Options options;
    options.version = "1";
    options.operationAfter = operationAfter;
    options.onRunCall = [this](const std::string& runId, json data) {
      std::lock_guard lock(mutex_);
      calls_.push_back({{"run", runId}, {"data", data}});
    };
    server_ = std::make_unique<McpServer>(
        std::make_shared<ToolCatalog>(ToolCatalog({{"fake", provider_}})), options);
    context_.userEmail = "alice@example.com";
    context_.projectId = "p1";
    context_.runId = "r1";
  }
  void TearDown() override {
    if (provider_) provider_->release = true;
    server_.reset();  // its threads report to calls_ until they end: before the members go
  }
  json call(const std::string& tool, json arguments = json::object(), json id = 1,
            const CallContext* context = nullptr) {
    json message = {{"jsonrpc", "2.0"},
                    {"id", id},
                    {"method", "tools/call"},
                    {"params", {{"name", tool}, {"arguments", arguments}}}};
    auto response =
        server_->handle(message, session_, context ? *context : context_, [this](const json& note) {
          std::lock_guard lock(mutex_);
          notes_.push_back(note);
        });
    return response ? *response : json();
  }
  std::vector<std::string> listed(const CallContext& context) {
    json message = {{"jsonrpc", "2.0"}, {"id", 1}, {"method", "tools/list"}};
    std::vector<std::string> names;
    const json answer = *server_->handle(message, session_, context, nullptr);
    for (const json& tool : answer["result"]["tools"]) names.push_back(tool["name"]);
    return names;
  }
  static std::string text(const json& response) {
    return response["result"]["content"][0].value("text", "");
  }

  std::shared_ptr<SlowProvider> provider_;
  std::unique_ptr<McpServer> server_;
  Session session_;
  CallContext context_;
  std::mutex mutex_;
  std::vector<json> notes_;
  std::vector<json> calls_;
};

TEST_F(LongCalls, AQuickCallIsAnsweredDirectlyAndRecordedForTheRun) {
  make(5s);
  const json r = call("quick");
  EXPECT_EQ(text(r), "ok");
  std::lock_guard lock(mutex_);
  ASSERT_EQ(calls_.size(), 1u);
  EXPECT_EQ(calls_[0]["run"], "r1");
  EXPECT_EQ(calls_[0]["data"]["tool_name"], "quick");
  EXPECT_EQ(calls_[0]["data"]["plugin"], "fake");
  EXPECT_EQ(calls_[0]["data"]["outcome"], "ok");
  EXPECT_TRUE(calls_[0]["data"]["duration_ms"].is_number_integer());
}

TEST_F(LongCalls, ASlowCallBecomesAnOperationThatCheckOperationStatusResolves) {
  make(150ms);
  const json first = call("slow");
  ASSERT_TRUE(first.contains("result")) << first;
  const json& structured = first["result"]["structuredContent"];
  EXPECT_EQ(structured["status"], "running");
  EXPECT_EQ(structured["tool"], "slow");
  const std::string op = structured["operation_id"];
  EXPECT_EQ(op.rfind("op_", 0), 0u);
  EXPECT_NE(text(first).find("check_operation_status"), std::string::npos);

  // Still running: the check says so, with the last progress, after waiting wait_s.
  const json running = call("check_operation_status", {{"operation_id", op}, {"wait_s", 0}}, 2);
  EXPECT_EQ(running["result"]["structuredContent"]["status"], "running") << running;
  EXPECT_NE(text(running).find("scanning"), std::string::npos) << running;

  // Released while a check waits: the check returns the call's own result.
  std::thread releaser([this] {
    std::this_thread::sleep_for(100ms);
    provider_->release = true;
  });
  const json done = call("check_operation_status", {{"operation_id", op}, {"wait_s", 20}}, 3);
  releaser.join();
  EXPECT_EQ(text(done), "slow done") << done;
  EXPECT_FALSE(done["result"].value("isError", false));

  std::lock_guard lock(mutex_);
  ASSERT_EQ(calls_.size(), 2u);  // the hand-over, then the finished call
  EXPECT_EQ(calls_[0]["data"]["outcome"], "operation");
  EXPECT_EQ(calls_[0]["data"]["operation_id"], op);
  EXPECT_EQ(calls_[1]["data"]["outcome"], "ok");
  EXPECT_EQ(calls_[1]["data"]["operation_id"], op);
}

TEST_F(LongCalls, AnotherCallerCannotSeeAnOperationAndUnknownIdsAreToolErrors) {
  make(100ms);
  const std::string op = call("slow")["result"]["structuredContent"]["operation_id"];
  CallContext bob = context_;
  bob.userEmail = "bob@example.com";
  const json foreign =
      call("check_operation_status", {{"operation_id", op}, {"wait_s", 0}}, 2, &bob);
  EXPECT_TRUE(foreign["result"].value("isError", false)) << foreign;
  EXPECT_NE(text(foreign).find("unknown operation"), std::string::npos);
  CallContext otherProject = context_;
  otherProject.projectId = "p2";
  EXPECT_TRUE(call("check_operation_status", {{"operation_id", op}, {"wait_s", 0}}, 3,
                   &otherProject)["result"]
                  .value("isError", false));
  const json unknown = call("check_operation_status", {{"operation_id", "op_nope"}}, 4);
  EXPECT_TRUE(unknown["result"].value("isError", false));
  // Arguments outside the schema are a protocol error, as for any tool.
  EXPECT_EQ(
      call("check_operation_status", {{"operation_id", op}, {"wait_s", 51}}, 5)["error"].value(
          "code", 0),
      -32602);
}

TEST_F(LongCalls, CancelStopsTheBackgroundCall) {
  make(100ms);
  const std::string op = call("slow")["result"]["structuredContent"]["operation_id"];
  const json r =
      call("check_operation_status", {{"operation_id", op}, {"cancel", true}, {"wait_s", 10}}, 2);
  EXPECT_TRUE(provider_->cancelled.load());
  EXPECT_TRUE(r["result"].value("isError", false)) << r;
  EXPECT_NE(text(r).find("cancelled"), std::string::npos) << r;
}

TEST_F(LongCalls, WithoutALimitCallsAreWaitedForAndTheToolIsNotListed) {
  make(0ms);
  const auto names = listed(context_);
  EXPECT_EQ(std::count(names.begin(), names.end(), "check_operation_status"), 0);
  EXPECT_EQ(call("check_operation_status", {{"operation_id", "op_x"}})["error"].value("code", 0),
            -32602);
  make(1s);
  const auto withLimit = listed(context_);
  EXPECT_EQ(withLimit, (std::vector<std::string>{"badblock", "badflag", "check_operation_status",
                                                 "log", "quick", "slow"}));
}

TEST_F(LongCalls, AProviderToolNamedLikeTheHostsOwnStopsStartup) {
  auto clash = std::make_shared<SlowProvider>(std::vector<std::string>{"check_operation_status"});
  McpServer::Options options;
  options.operationAfter = 1s;
  EXPECT_THROW(McpServer(std::make_shared<ToolCatalog>(ToolCatalog({{"clash", clash}})), options),
               plugins::PluginError);
  options.operationAfter = 0ms;  // the host's tool is off: the name is free
  EXPECT_NO_THROW(
      McpServer(std::make_shared<ToolCatalog>(ToolCatalog({{"clash", clash}})), options));
}

TEST_F(LongCalls, AMalformedResultOnTheCallsThreadIsAnInternalErrorNotACrash) {
  make(5s);  // the call runs on its own thread
  for (const char* tool : {"badflag", "badblock"}) {
    const json r = call(tool);
    EXPECT_EQ(r["error"].value("code", 0), -32603) << r;
    EXPECT_NE(r["error"].value("message", "").find("not a CallToolResult"), std::string::npos);
  }
  EXPECT_EQ(text(call("quick", json::object(), 2)), "ok");
  std::lock_guard lock(mutex_);
  EXPECT_EQ(calls_[0]["data"]["outcome"], "invalid result");
}

TEST_F(LongCalls, CallsPastTheRunningLimitAreRefusedUntilOneEnds) {
  provider_ = std::make_shared<SlowProvider>();
  McpServer::Options options;
  options.operationAfter = 100ms;
  options.maxRunningCalls = 1;
  server_ = std::make_unique<McpServer>(
      std::make_shared<ToolCatalog>(ToolCatalog({{"fake", provider_}})), options);
  context_.userEmail = "alice@example.com";
  const json first = call("slow");  // becomes an operation, still running
  ASSERT_EQ(first["result"]["structuredContent"]["status"], "running") << first;
  const json refused = call("quick", json::object(), 2);
  EXPECT_EQ(refused["error"].value("code", 0), -32603) << refused;
  EXPECT_NE(refused["error"].value("message", "").find("too many tool calls"), std::string::npos);
  provider_->release = true;
  const std::string op = first["result"]["structuredContent"]["operation_id"];
  EXPECT_EQ(text(call("check_operation_status", {{"operation_id", op}, {"wait_s", 10}}, 3)),
            "slow done");
  json again;
  for (int i = 0; i < 200; ++i) {  // the thread lets go of its slot right after the result
    again = call("quick", json::object(), 4);
    if (again.contains("result")) break;
    std::this_thread::sleep_for(5ms);
  }
  EXPECT_EQ(text(again), "ok") << again;
}

TEST_F(LongCalls, ShutdownCancelsRunningCallsAndRefusesNewOnes) {
  make(100ms);
  const std::string op = call("slow")["result"]["structuredContent"]["operation_id"];
  EXPECT_TRUE(server_->shutdown(5s));
  EXPECT_TRUE(provider_->cancelled.load());
  const json refused = call("quick", json::object(), 2);
  EXPECT_EQ(refused["error"].value("code", 0), -32603) << refused;
  EXPECT_NE(refused["error"].value("message", "").find("shutting down"), std::string::npos);
  const json result = call("check_operation_status", {{"operation_id", op}, {"wait_s", 0}}, 3);
  EXPECT_NE(text(result).find("cancelled"), std::string::npos) << result;
}

TEST_F(LongCalls, LogMessagesReachTheClientFromTheSessionsLevelUp) {
  make(5s);
  call("log");
  {
    std::lock_guard lock(mutex_);
    ASSERT_EQ(notes_.size(), 3u);  // info and up (the default); malformed ones dropped
    EXPECT_EQ(notes_[0]["method"], "notifications/message");
    EXPECT_EQ(notes_[0]["params"], json({{"level", "info"}, {"logger", "fake"}, {"data", "info"}}));
    EXPECT_EQ(notes_[1]["params"]["level"], "warning");
    EXPECT_EQ(notes_[2]["params"]["level"], "error");
    notes_.clear();
  }
  session_.setLogLevel("error");
  call("log", json::object(), 2);
  {
    std::lock_guard lock(mutex_);
    ASSERT_EQ(notes_.size(), 1u);
    EXPECT_EQ(notes_[0]["params"]["data"], "error");
    notes_.clear();
  }
  session_.setLogLevel("debug");
  call("log", json::object(), 3);
  std::lock_guard lock(mutex_);
  EXPECT_EQ(notes_.size(), 4u);
}

TEST_F(LongCalls, DisabledToolsAreNotListedAndRefused) {
  make(0ms);
  CallContext gated = context_;
  gated.disabledTools = {"slow", "log", "badflag", "badblock"};
  EXPECT_EQ(listed(gated), (std::vector<std::string>{"quick"}));
  const json refused = call("log", json::object(), 1, &gated);
  EXPECT_EQ(refused["error"].value("code", 0), -32602);
  EXPECT_NE(refused["error"].value("message", "").find("turned off in this project"),
            std::string::npos);
  EXPECT_EQ(text(call("quick", json::object(), 2, &gated)), "ok");
  EXPECT_EQ(listed(context_).size(), 5u);  // another caller's project is unaffected
}

TEST(ArgumentCheck, FollowsLocalRefsAndSurvivesCyclesAndDanglingOnes) {
  const json schema = json::parse(R"({
    "type": "object",
    "$defs": {"address": {"type": "object", "properties": {"city": {"type": "string"}}},
              "loop": {"$ref": "#/$defs/loop"}},
    "properties": {"address": {"$ref": "#/$defs/address"}, "loop": {"$ref": "#/$defs/loop"},
                   "gone": {"$ref": "#/$defs/nothing"}},
    "additionalProperties": false})");
  EXPECT_EQ(checkArguments(schema, {{"address", {{"city", "Oslo"}}}}), "");
  EXPECT_EQ(checkArguments(schema, {{"address", 5}}),
            "arguments.address must be object, not integer");
  EXPECT_EQ(checkArguments(schema, {{"address", {{"city", 5}}}}),
            "arguments.address.city must be string, not integer");
  EXPECT_EQ(checkArguments(schema, {{"loop", 1}}), "");  // a cycle stops at the depth limit
  EXPECT_EQ(checkArguments(schema, {{"gone", 1}}), "");  // a dangling reference checks nothing
}

TEST(Nesting, CountsBracketsOutsideStringsOnly) {
  EXPECT_EQ(nestingDepth("1"), 0u);
  EXPECT_EQ(nestingDepth(R"({"a":[1,{"b":[]}]})"), 4u);
  EXPECT_EQ(nestingDepth(R"({"a":"[[[[{{{{"})"), 1u);
  EXPECT_EQ(nestingDepth(R"({"a":"\"[[[","b":[]})"), 2u);  // an escaped quote stays in the string
  EXPECT_EQ(nestingDepth(std::string(100000, '[')), 100000u);  // unbalanced: still counted
}

}  // namespace
}  // namespace devkit::mcp
