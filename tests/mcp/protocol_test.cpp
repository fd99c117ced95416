// The protocol core (host/src/mcp/mcp_server.cpp) against in-test tool providers: JSON-RPC errors,
// version negotiation, paging, argument validation, context, progress, cancellation, the cap.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "mcp/json_rpc.hpp"
#include "mcp/mcp_server.hpp"
#include "mcp/tool_catalog.hpp"
#include "plugins/plugin_loader.hpp"

namespace devkit::mcp {
namespace {

using nlohmann::json;

/// Lists `count` tools t000, t001, ... plus "echo", "progress", "wait", "big", "refuse", "crash".
class FakeProvider : public core::ToolProvider {
 public:
  explicit FakeProvider(int count, std::vector<std::string> names = {}) {
    for (int i = 0; i < count; ++i) {
      char name[16];
      std::snprintf(name, sizeof name, "t%03d", i);
      tools_.push_back({{"name", name}, {"inputSchema", {{"type", "object"}}}});
    }
    for (const auto& name : names) {
      json schema = {{"type", "object"}};
      if (name == "echo") {
        schema = {{"type", "object"},
                  {"properties",
                   {{"text", {{"type", "string"}, {"minLength", 1}}},
                    {"mode", {{"enum", {"a", "b"}}}},
                    {"n", {{"type", "integer"}, {"minimum", 0}, {"maximum", 10}}},
                    {"list", {{"type", "array"}, {"items", {{"type", "string"}}}}}}},
                  {"required", {"text"}},
                  {"additionalProperties", false}};
      }
      tools_.push_back({{"name", name}, {"inputSchema", schema}});
    }
  }
  json health() override { return {{"status", "ok"}}; }
  core::CallOutcome listTools() override { return {DK_OK, tools_.dump(), ""}; }
  core::CallOutcome callTool(const core::ToolCallRequest& request) override {
    {
      std::lock_guard lock(mutex_);
      lastContext = json::parse(request.contextJson);
      lastArguments = json::parse(request.argumentsJson);
    }
    if (request.name == "progress") {
      request.onProgress(R"({"progress":1,"total":2,"message":"half"})");
      request.onProgress(R"({"progress":2,"total":2})");
    }
    if (request.name == "wait") {
      started = true;
      while (!request.cancelled->load()) std::this_thread::sleep_for(std::chrono::milliseconds(5));
      return {DK_ERR_CANCELLED, "", "cancelled"};
    }
    if (request.name == "big") {
      json result = {{"content", {{{"type", "text"}, {"text", std::string(60000, 'x')}}}}};
      return {DK_OK, result.dump(), ""};
    }
    if (request.name == "refuse") return {DK_ERR_INVALID_ARGUMENT, "", "no, because"};
    if (request.name == "crash") return {DK_ERR_INTERNAL, "", "it broke"};
    if (request.name == "notjson") return {DK_OK, "{", ""};
    return {DK_OK, R"({"content":[{"type":"text","text":"ok"}]})", ""};
  }

  json tools_ = json::array();
  std::mutex mutex_;
  json lastContext;
  json lastArguments;
  std::atomic<bool> started{false};
};

class Protocol : public ::testing::Test {
 protected:
  void SetUp() override { make(250); }
  void make(int count) {
    provider_ = std::make_shared<FakeProvider>(
        count,
        std::vector<std::string>{"echo", "progress", "wait", "big", "refuse", "crash", "notjson"});
    McpServer::Options options;
    options.version = "9.9.9";
    options.onRunProgress = [this](const std::string& runId, json data) {
      std::lock_guard lock(mutex_);
      runProgress_.push_back({{"run", runId}, {"data", data}});
    };
    server_ = std::make_unique<McpServer>(
        std::make_shared<ToolCatalog>(ToolCatalog({{"fake", provider_}})), options);
    context_.userEmail = "alice@example.com";
    context_.userName = "alice";
    context_.projectId = "p1";
    context_.projectDir = "/tmp/p1";
    context_.runId = "r1";
  }
  json request(const std::string& method, json params = json::object(), json id = 1) {
    json message = {{"jsonrpc", "2.0"}, {"id", id}, {"method", method}, {"params", params}};
    auto response = server_->handle(message, session_, context_, notify());
    return response ? *response : json();
  }
  McpServer::Notify notify() {
    return [this](const json& note) {
      std::lock_guard lock(mutex_);
      notes_.push_back(note);
    };
  }
  int errorCode(const json& response) { return response["error"].value("code", 0); }

  std::shared_ptr<FakeProvider> provider_;
  std::unique_ptr<McpServer> server_;
  Session session_;
  CallContext context_;
  std::mutex mutex_;
  std::vector<json> notes_;
  std::vector<json> runProgress_;
};

TEST_F(Protocol, ParseErrorInvalidRequestAndBatches) {
  auto r = server_->handleText("{nope", session_, context_, nullptr);
  ASSERT_TRUE(r);
  EXPECT_EQ((*r)["error"]["code"], kParseError);
  EXPECT_TRUE((*r)["id"].is_null());
  r = server_->handleText(R"([{"jsonrpc":"2.0","id":1,"method":"ping"}])", session_, context_,
                          nullptr);
  EXPECT_EQ((*r)["error"]["code"], kInvalidRequest);
  r = server_->handleText(R"({"jsonrpc":"1.0","id":1,"method":"ping"})", session_, context_,
                          nullptr);
  EXPECT_EQ((*r)["error"]["code"], kInvalidRequest);
  EXPECT_EQ((*r)["id"], 1);
  r = server_->handleText(R"({"jsonrpc":"2.0","id":1,"method":7})", session_, context_, nullptr);
  EXPECT_EQ((*r)["error"]["code"], kInvalidRequest);
  r = server_->handleText(R"({"jsonrpc":"2.0","id":{"a":1},"method":"ping"})", session_, context_,
                          nullptr);
  EXPECT_EQ((*r)["error"]["code"], kInvalidRequest);
  r = server_->handleText("42", session_, context_, nullptr);
  EXPECT_EQ((*r)["error"]["code"], kInvalidRequest);
}

TEST_F(Protocol, UnknownMethodIsMethodNotFound) {
  const json r = request("resources/list");
  EXPECT_EQ(errorCode(r), kMethodNotFound);
  EXPECT_NE(r["error"]["message"].get<std::string>().find("resources/list"), std::string::npos);
}

TEST_F(Protocol, NotificationsAndResponsesGetNoAnswer) {
  EXPECT_FALSE(server_->handleText(R"({"jsonrpc":"2.0","method":"notifications/initialized"})",
                                   session_, context_, nullptr));
  EXPECT_TRUE(session_.initialized());
  EXPECT_FALSE(server_->handleText(R"({"jsonrpc":"2.0","method":"whatever/else"})", session_,
                                   context_, nullptr));
  EXPECT_FALSE(
      server_->handleText(R"({"jsonrpc":"2.0","id":5,"result":{}})", session_, context_, nullptr));
}

TEST_F(Protocol, InitializeNegotiatesTheVersion) {
  for (const std::string version : {"2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05"}) {
    const json r =
        request("initialize", {{"protocolVersion", version}, {"capabilities", json::object()}});
    EXPECT_EQ(r["result"]["protocolVersion"], version);
  }
  const json r = request("initialize", {{"protocolVersion", "1999-01-01"}});
  EXPECT_EQ(r["result"]["protocolVersion"], McpServer::kLatestVersion);
  EXPECT_EQ(r["result"]["serverInfo"]["name"], "devkit");
  EXPECT_EQ(r["result"]["serverInfo"]["version"], "9.9.9");
  EXPECT_EQ(r["result"]["capabilities"]["tools"]["listChanged"], true);
  EXPECT_TRUE(r["result"]["capabilities"]["logging"].is_object());
  EXPECT_EQ(errorCode(request("initialize", {{"protocolVersion", 5}})), kInvalidParams);
}

TEST_F(Protocol, PingDiscoverAndSetLevel) {
  EXPECT_EQ(request("ping")["result"], json::object());
  const json d = request("server/discover");
  EXPECT_EQ(d["result"]["supportedVersions"][0], "2025-11-25");
  EXPECT_EQ(request("logging/setLevel", {{"level", "debug"}})["result"], json::object());
  EXPECT_EQ(session_.logLevel(), "debug");
  EXPECT_EQ(errorCode(request("logging/setLevel", {{"level", "loud"}})), kInvalidParams);
  EXPECT_EQ(errorCode(request("ping", json::array())), kInvalidParams);
}

TEST_F(Protocol, ToolsListPagesInNameOrder) {
  std::vector<std::string> names;
  json cursor = nullptr;
  int pages = 0;
  do {
    json params = json::object();
    if (!cursor.is_null()) params["cursor"] = cursor;
    const json r = request("tools/list", params);
    ASSERT_TRUE(r.contains("result")) << r.dump();
    for (const json& tool : r["result"]["tools"]) names.push_back(tool["name"]);
    cursor = r["result"].value("nextCursor", json());
    ++pages;
  } while (!cursor.is_null());
  EXPECT_EQ(pages, 3);
  EXPECT_EQ(names.size(), 257u);
  EXPECT_TRUE(std::is_sorted(names.begin(), names.end()));
  EXPECT_EQ(errorCode(request("tools/list", {{"cursor", "bogus"}})), kInvalidParams);
  EXPECT_EQ(errorCode(request("tools/list", {{"cursor", "devkit-tools:99999"}})), kInvalidParams);
}

TEST_F(Protocol, UnknownToolAndBadArgumentsAreInvalidParams) {
  json r = request("tools/call", {{"name", "nope"}, {"arguments", json::object()}});
  EXPECT_EQ(errorCode(r), kInvalidParams);
  EXPECT_NE(r["error"]["message"].get<std::string>().find("nope"), std::string::npos);
  const auto message = [&](json args) {
    const json out = request("tools/call", {{"name", "echo"}, {"arguments", args}});
    EXPECT_EQ(errorCode(out), kInvalidParams) << out.dump();
    return out["error"].value("message", "");
  };
  EXPECT_NE(message(json::object()).find("required property 'text'"), std::string::npos);
  EXPECT_NE(message({{"text", 5}}).find("arguments.text must be string"), std::string::npos);
  EXPECT_NE(message({{"text", ""}}).find("at least 1"), std::string::npos);
  EXPECT_NE(message({{"text", "a"}, {"extra", 1}}).find("unknown property 'extra'"),
            std::string::npos);
  EXPECT_NE(message({{"text", "a"}, {"mode", "c"}}).find("one of"), std::string::npos);
  EXPECT_NE(message({{"text", "a"}, {"n", 11}}).find("at most 10"), std::string::npos);
  EXPECT_NE(message({{"text", "a"}, {"n", 1.5}}).find("must be integer"), std::string::npos);
  EXPECT_NE(message({{"text", "a"}, {"list", {"x", 2}}}).find("arguments.list[1]"),
            std::string::npos);
  EXPECT_EQ(errorCode(request("tools/call", {{"name", "echo"}, {"arguments", 3}})), kInvalidParams);
  EXPECT_EQ(errorCode(request("tools/call", {{"arguments", json::object()}})), kInvalidParams);
  EXPECT_TRUE(request("tools/call", {{"name", "echo"}, {"arguments", {{"text", "a"}, {"n", 2.0}}}})
                  .contains("result"));
}

TEST_F(Protocol, ProviderRefusalIsInvalidParamsAndFailureIsInternal) {
  EXPECT_EQ(errorCode(request("tools/call", {{"name", "refuse"}})), kInvalidParams);
  EXPECT_EQ(errorCode(request("tools/call", {{"name", "crash"}})), kInternalError);
  EXPECT_EQ(errorCode(request("tools/call", {{"name", "notjson"}})), kInternalError);
}

TEST_F(Protocol, TheProviderGetsTheCallContext) {
  const json r = request("tools/call", {{"name", "echo"}, {"arguments", {{"text", "hi"}}}});
  ASSERT_TRUE(r.contains("result")) << r.dump();
  std::lock_guard lock(provider_->mutex_);
  EXPECT_EQ(provider_->lastContext["user"]["email"], "alice@example.com");
  EXPECT_EQ(provider_->lastContext["user"]["name"], "alice");
  EXPECT_EQ(provider_->lastContext["project_id"], "p1");
  EXPECT_EQ(provider_->lastContext["project_dir"], "/tmp/p1");
  EXPECT_EQ(provider_->lastContext["run_id"], "r1");
  EXPECT_TRUE(provider_->lastContext.contains("databricks"));
  EXPECT_EQ(provider_->lastArguments["text"], "hi");
}

TEST_F(Protocol, ProgressGoesToTheClientWithItsTokenAndToTheRun) {
  const json r = request(
      "tools/call", {{"name", "progress"},
                     {"_meta", {{"progressToken", "tok"}, {"claudecode/toolUseId", "toolu_1"}}}});
  ASSERT_TRUE(r.contains("result"));
  std::lock_guard lock(mutex_);
  ASSERT_EQ(notes_.size(), 2u);
  EXPECT_EQ(notes_[0]["method"], "notifications/progress");
  EXPECT_EQ(notes_[0]["params"]["progressToken"], "tok");
  EXPECT_EQ(notes_[0]["params"]["progress"], 1);
  EXPECT_EQ(notes_[0]["params"]["total"], 2);
  EXPECT_EQ(notes_[0]["params"]["message"], "half");
  ASSERT_EQ(runProgress_.size(), 2u);
  EXPECT_EQ(runProgress_[0]["run"], "r1");
  EXPECT_EQ(runProgress_[0]["data"]["tool_name"], "progress");
  EXPECT_EQ(runProgress_[0]["data"]["tool_use_id"], "toolu_1");
  EXPECT_EQ(runProgress_[0]["data"]["progress"], 1);
  EXPECT_EQ(runProgress_[0]["data"]["message"], "half");
  EXPECT_TRUE(runProgress_[0]["data"]["elapsed_s"].is_number());
}

TEST_F(Protocol, NoProgressTokenNoNotifications) {
  request("tools/call", {{"name", "progress"}});
  std::lock_guard lock(mutex_);
  EXPECT_TRUE(notes_.empty());
}

TEST_F(Protocol, CancelledSetsTheFlagAndTheCallGetsNoResponse) {
  std::optional<json> response = json("unset");
  std::thread call([&] {
    json message = {
        {"jsonrpc", "2.0"}, {"id", "w1"}, {"method", "tools/call"}, {"params", {{"name", "wait"}}}};
    response = server_->handle(message, session_, context_, nullptr);
  });
  while (!provider_->started) std::this_thread::sleep_for(std::chrono::milliseconds(2));
  EXPECT_FALSE(server_->handleText(
      R"({"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":"w1"}})",
      session_, context_, nullptr));
  call.join();
  EXPECT_FALSE(response.has_value());
}

TEST_F(Protocol, LongTextIsCutWithANote) {
  const json r = request("tools/call", {{"name", "big"}});
  const json& content = r["result"]["content"];
  ASSERT_EQ(content.size(), 2u);
  EXPECT_EQ(content[0]["text"].get<std::string>().size(), 50000u);
  EXPECT_NE(content[1]["text"].get<std::string>().find("60000"), std::string::npos);
}

TEST(ToolCatalogTest, ANameClashNamesBothPlugins) {
  auto a = std::make_shared<FakeProvider>(0, std::vector<std::string>{"echo"});
  auto b = std::make_shared<FakeProvider>(0, std::vector<std::string>{"echo"});
  try {
    ToolCatalog catalog({{"plugin-a", a}, {"plugin-b", b}});
    FAIL() << "no error";
  } catch (const plugins::PluginError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("plugin-a"), std::string::npos) << what;
    EXPECT_NE(what.find("plugin-b"), std::string::npos) << what;
    EXPECT_NE(what.find("'echo'"), std::string::npos) << what;
  }
}

}  // namespace
}  // namespace devkit::mcp
