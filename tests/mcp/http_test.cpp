// Streamable HTTP at /mcp against an in-process host with fixture-agent (runs that stay live:
// "hang") and fixture-tools: sessions, bearer tokens bound to live runs, Origin, SSE progress,
// and the run's tool_progress events; [mcp] external against the fake Databricks workspace.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <sstream>
#include <thread>

#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <nlohmann/json.hpp>

#include "../databricks/fake_databricks.hpp"
#include "app/host.hpp"
#include "mcp_test_support.hpp"
#include "plugins/plugin_loader.hpp"

namespace devkit::testing {
namespace {

using nlohmann::json;

TEST_F(McpHttp, TheToolsAreListedOnceAndTheRouteIsRegistered) {
  EXPECT_EQ(host_->mcpServer().catalog().tools().size(), 9u);
  const auto routes = host_->router().routes();
  EXPECT_EQ(std::count(routes.begin(), routes.end(),
                       std::make_pair(std::string("POST"), std::string("/mcp"))),
            1);
}

TEST_F(McpHttp, InitializeListAndCallWithTheRunsContext) {
  initialize();
  const HttpResult list = post({{"jsonrpc", "2.0"}, {"id", 1}, {"method", "tools/list"}});
  ASSERT_EQ(list.status, 200);
  EXPECT_EQ(list.json()["result"]["tools"].size(), 10u);  // fixture-tools + check_operation_status
  const json echo = call("echo", {{"text", "hi"}});
  ASSERT_TRUE(echo.contains("result")) << echo.dump();
  EXPECT_EQ(echo["result"]["content"][0]["text"], "hi");
  const json& context = echo["result"]["structuredContent"];
  EXPECT_EQ(context["user"]["email"], kAlice);
  EXPECT_EQ(context["project_id"], projectId_);
  EXPECT_EQ(context["run_id"], run_->info().id);
  EXPECT_EQ(context["project_dir"], projectDir(projectId_).string());
  // No token of the user's own: the provider uses its own credentials.
  EXPECT_TRUE(context["databricks"].is_null()) << context.dump();
}

TEST_F(McpHttp, TheUsersOwnDatabricksTokenReachesTheProviderInTheContext) {
  identity::User alice;
  alice.email = kAlice;
  alice.accessToken = "forwarded-user-token";  // X-Forwarded-Access-Token in databricks-apps mode
  const auto run =
      host_->agentRuns().invoke(alice, {{"project_id", projectId_}, {"message", "hang"}});
  token_ = host_->mcpTokens().tokenFor(run->info().conversationId);
  initialize();
  const json echo = call("echo", {{"text", "hi"}});
  ASSERT_TRUE(echo.contains("result")) << echo.dump();
  const json& context = echo["result"]["structuredContent"];
  EXPECT_EQ(context["run_id"], run->info().id);
  EXPECT_EQ(context["databricks"]["token"], "forwarded-user-token");
  EXPECT_EQ(context["databricks"]["host"], "");  // [auth] workspace_url is not set here
  host_->agentRuns().stop(kAlice, run->info().id);
}

TEST_F(McpHttp, ContentKindsAndToolErrors) {
  initialize();
  EXPECT_EQ(call("image")["result"]["content"][0]["type"], "image");
  const json mixed = call("mixed")["result"]["content"];
  ASSERT_EQ(mixed.size(), 3u);
  EXPECT_EQ(mixed[2]["type"], "resource");
  const json fail = call("fail");
  EXPECT_EQ(fail["result"]["isError"], true);
  EXPECT_EQ(call("refuse")["error"]["code"], -32602);
  EXPECT_EQ(call("echo", {{"text", ""}})["error"]["code"], -32602);
  EXPECT_EQ(call("nope")["error"]["code"], -32602);
  const json big = call("big", {{"chars", 70000}});
  EXPECT_EQ(big["result"]["content"][0]["text"].get<std::string>().size(), 50000u);
}

TEST_F(McpHttp, MissingOrWrongTokenIs401) {
  HttpResult r = post({{"jsonrpc", "2.0"}, {"id", 1}, {"method", "ping"}}, {{"Authorization", ""}});
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(r.response.get("WWW-Authenticate", "").rfind("Bearer", 0), 0u);
  r = post({{"jsonrpc", "2.0"}, {"id", 1}, {"method", "ping"}},
           {{"Authorization", "Bearer 0123456789abcdef"}});
  EXPECT_EQ(r.status, 401);
}

TEST_F(McpHttp, TheTokenDiesWithTheRun) {
  initialize();
  EXPECT_EQ(post({{"jsonrpc", "2.0"}, {"id", 1}, {"method", "ping"}}).status, 200);
  endRun();
  EXPECT_EQ(post({{"jsonrpc", "2.0"}, {"id", 2}, {"method", "ping"}}).status, 401);
}

TEST_F(McpHttp, SessionsAreRequiredKnownAndEndWithDelete) {
  initialize();
  EXPECT_EQ(post({{"jsonrpc", "2.0"}, {"id", 1}, {"method", "ping"}}, {}, false).status, 400);
  EXPECT_EQ(post({{"jsonrpc", "2.0"}, {"id", 1}, {"method", "ping"}}, {{"Mcp-Session-Id", "nope"}})
                .status,
            404);
  const HttpResult del =
      fetch(port_, "DELETE", "/mcp", "", "",
            {{"Authorization", "Bearer " + token_}, {"Mcp-Session-Id", session_}});
  EXPECT_EQ(del.status, 204);
  EXPECT_EQ(post({{"jsonrpc", "2.0"}, {"id", 1}, {"method", "ping"}}).status, 404);
}

TEST_F(McpHttp, GetIs405AndBadVersionHeaderIs400) {
  EXPECT_EQ(fetch(port_, "GET", "/mcp", "", "", {{"Authorization", "Bearer " + token_}}).status,
            405);
  initialize();
  EXPECT_EQ(
      post({{"jsonrpc", "2.0"}, {"id", 1}, {"method", "ping"}}, {{"MCP-Protocol-Version", "1.0"}})
          .status,
      400);
  EXPECT_EQ(post({{"jsonrpc", "2.0"}, {"id", 1}, {"method", "ping"}},
                 {{"MCP-Protocol-Version", "2025-06-18"}})
                .status,
            200);
}

TEST_F(McpHttp, AForeignOriginIs403ALocalOneIsFine) {
  initialize();
  EXPECT_EQ(post({{"jsonrpc", "2.0"}, {"id", 1}, {"method", "ping"}},
                 {{"Origin", "http://evil.example.com"}})
                .status,
            403);
  EXPECT_EQ(post({{"jsonrpc", "2.0"}, {"id", 1}, {"method", "ping"}},
                 {{"Origin", "http://localhost:3000"}})
                .status,
            200);
}

TEST_F(McpHttp, BodyErrors) {
  initialize();
  HttpResult r = fetch(port_, "POST", "/mcp", "{nope", "application/json",
                       {{"Authorization", "Bearer " + token_}, {"Mcp-Session-Id", session_}});
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.json()["error"]["code"], -32700);
  r = fetch(port_, "POST", "/mcp", "{}", "text/plain",
            {{"Authorization", "Bearer " + token_}, {"Mcp-Session-Id", session_}});
  EXPECT_EQ(r.status, 415);
  r = post(json::array({{{"jsonrpc", "2.0"}, {"id", 1}, {"method", "ping"}}}));
  EXPECT_EQ(r.json()["error"]["code"], -32600);
}

TEST_F(McpHttp, LogMessagesTurnTheAnswerIntoAnEventStream) {
  initialize();
  const json request = {{"jsonrpc", "2.0"},
                        {"id", 7},
                        {"method", "tools/call"},
                        {"params", {{"name", "log"}, {"arguments", json::object()}}}};
  // A client that takes event streams gets the messages (info and up, the default), then the
  // result, on one stream.
  HttpResult r = post(request, {{"Accept", "application/json, text/event-stream"}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.response.getContentType().rfind("text/event-stream", 0), 0u);
  std::vector<json> messages;
  std::istringstream lines(r.body);
  for (std::string text; std::getline(lines, text);) {
    if (text.rfind("data: ", 0) == 0) messages.push_back(json::parse(text.substr(6)));
  }
  ASSERT_EQ(messages.size(), 3u) << r.body;
  EXPECT_EQ(messages[0]["method"], "notifications/message");
  EXPECT_EQ(messages[0]["params"],
            json({{"level", "info"}, {"logger", "fixture"}, {"data", "info"}}));
  EXPECT_EQ(messages[1]["params"]["level"], "warning");
  EXPECT_EQ(messages[2]["id"], 7);
  EXPECT_EQ(messages[2]["result"]["content"][0]["text"], "logged");
  // logging/setLevel applies to the session's later calls.
  ASSERT_EQ(post({{"jsonrpc", "2.0"},
                  {"id", 8},
                  {"method", "logging/setLevel"},
                  {"params", {{"level", "error"}}}})
                .status,
            200);
  r = post(request, {{"Accept", "application/json, text/event-stream"}});
  EXPECT_EQ(r.response.getContentType().rfind("application/json", 0), 0u) << r.body;
  // A client that takes only JSON gets plain JSON, without the messages.
  ASSERT_EQ(post({{"jsonrpc", "2.0"},
                  {"id", 9},
                  {"method", "logging/setLevel"},
                  {"params", {{"level", "debug"}}}})
                .status,
            200);
  r = post(request, {{"Accept", "application/json"}});
  EXPECT_EQ(r.response.getContentType().rfind("application/json", 0), 0u);
  EXPECT_EQ(r.json()["result"]["content"][0]["text"], "logged");
}

TEST_F(McpHttp, AProjectsToolsTurnedOffAreNotListedOrCallableInItsNextRun) {
  const std::string path = "/api/projects/" + projectId_ + "/tools";
  const HttpResult put = ApiTest::call("PUT", path, {{"disabled", {"fail", "slow"}}});
  ASSERT_EQ(put.status, 200) << put.body;
  endRun();
  run_ = startRun();  // a turn's tools are fixed when it starts
  token_ = host_->mcpTokens().tokenFor(run_->info().conversationId);
  initialize();
  const HttpResult list = post({{"jsonrpc", "2.0"}, {"id", 1}, {"method", "tools/list"}});
  std::vector<std::string> names;
  const json answer = list.json();  // not a temporary: the loop outlives the expression
  for (const json& tool : answer["result"]["tools"]) names.push_back(tool["name"]);
  EXPECT_EQ(std::count(names.begin(), names.end(), "fail"), 0) << list.body;
  EXPECT_EQ(std::count(names.begin(), names.end(), "slow"), 0) << list.body;
  EXPECT_EQ(names.size(), 8u) << list.body;
  const json refused = call("fail");
  EXPECT_EQ(refused["error"]["code"], -32602) << refused.dump();
  EXPECT_NE(refused["error"]["message"].get<std::string>().find("turned off"), std::string::npos);
  EXPECT_EQ(call("echo", {{"text", "still here"}})["result"]["content"][0]["text"], "still here");
}

/// /mcp with a short [mcp] operation_after_s: long calls become operations.
class McpOperations : public McpHttp {
 protected:
  std::string extraIni() const override { return "[mcp]\noperation_after_s = 1\n"; }
};

TEST_F(McpOperations, ALongCallAnswersWithAnOperationThatCanBeCheckedAndCancelled) {
  initialize();
  const json first = call("slow");
  ASSERT_TRUE(first.contains("result")) << first.dump();
  const json& structured = first["result"]["structuredContent"];
  EXPECT_EQ(structured["status"], "running") << first.dump();
  const std::string op = structured["operation_id"];
  const json running = call("check_operation_status", {{"operation_id", op}, {"wait_s", 0}}, 2);
  EXPECT_EQ(running["result"]["structuredContent"]["status"], "running") << running.dump();
  const json cancelled =
      call("check_operation_status", {{"operation_id", op}, {"cancel", true}, {"wait_s", 10}}, 3);
  EXPECT_EQ(cancelled["result"]["isError"], true) << cancelled.dump();
  // The run's events record the hand-over and the end of the call.
  std::vector<json> records;
  for (int i = 0; i < 200 && records.size() < 2; ++i) {
    records.clear();
    for (const auto& event : run_->read(-1, 1000, std::chrono::milliseconds(0)).events) {
      if (event.type == "mcp_call") records.push_back(json::parse(event.data));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0]["tool_name"], "mcp__databricks__slow");
  EXPECT_EQ(records[0]["outcome"], "operation");
  EXPECT_EQ(records[0]["operation_id"], op);
  EXPECT_EQ(records[1]["outcome"], "cancelled");
  EXPECT_EQ(records[1]["plugin"], "fixture-tools");
}

TEST_F(McpHttp, ProgressStreamsAsSseAndBecomesRunEvents) {
  initialize();
  Poco::Net::HTTPClientSession client("127.0.0.1", static_cast<uint16_t>(port_));
  Poco::Net::HTTPRequest request(Poco::Net::HTTPRequest::HTTP_POST, "/mcp",
                                 Poco::Net::HTTPMessage::HTTP_1_1);
  const std::string body = json{{"jsonrpc", "2.0"},
                                {"id", 7},
                                {"method", "tools/call"},
                                {"params",
                                 {{"name", "progress"},
                                  {"arguments", {{"steps", 3}}},
                                  {"_meta", {{"progressToken", 42}}}}}}
                               .dump();
  request.setContentType("application/json");
  request.set("Accept", "application/json, text/event-stream");
  request.set("Authorization", "Bearer " + token_);
  request.set("Mcp-Session-Id", session_);
  request.setContentLength(static_cast<std::streamsize>(body.size()));
  client.sendRequest(request) << body;
  Poco::Net::HTTPResponse response;
  std::istream& in = client.receiveResponse(response);
  EXPECT_EQ(response.getContentType().rfind("text/event-stream", 0), 0u);
  std::vector<json> messages;
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("data: ", 0) == 0) messages.push_back(json::parse(line.substr(6)));
  }
  ASSERT_EQ(messages.size(), 4u);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(messages[i]["method"], "notifications/progress");
    EXPECT_EQ(messages[i]["params"]["progressToken"], 42);
    EXPECT_EQ(messages[i]["params"]["progress"], i + 1);
  }
  EXPECT_EQ(messages[3]["id"], 7);
  EXPECT_EQ(messages[3]["result"]["content"][0]["text"], "done in 3 steps");

  int progressEvents = 0;
  for (const auto& event : run_->read(-1, 1000, std::chrono::milliseconds(0)).events) {
    if (event.type != "tool_progress") continue;
    ++progressEvents;
    EXPECT_EQ(json::parse(event.data)["tool_name"], "mcp__databricks__progress") << event.data;
  }
  EXPECT_EQ(progressEvents, 3);
}

TEST_F(McpHttp, ACancelledCallStopsAndIsAnsweredWith202) {
  initialize();
  const auto started = std::chrono::steady_clock::now();
  std::thread canceller([this] {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    post({{"jsonrpc", "2.0"},
          {"method", "notifications/cancelled"},
          {"params", {{"requestId", 9}, {"reason", "test"}}}});
  });
  const HttpResult r = post(
      {{"jsonrpc", "2.0"}, {"id", 9}, {"method", "tools/call"}, {"params", {{"name", "slow"}}}});
  canceller.join();
  EXPECT_EQ(r.status, 202) << r.body;
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(10));
}

// Outside MCP clients ([mcp] external) with their own Databricks tokens, checked against the fake
// workspace's SCIM Me.
class McpExternal : public ApiTest {
 protected:
  void SetUp() override { fake().reset(); }

  static databricks::testing::FakeDatabricks& fake() {
    return databricks::testing::FakeDatabricks::shared();
  }

  void start(bool external) {
    startHost(std::string(external ? "[mcp]\nexternal = yes\n" : "") +
                  "[plugin.fixture-tools]\nenabled = yes\n",
              "[auth]\nmode = databricks-apps\nworkspace_url = " + fake().url() + "\n");
  }

  HttpResult post(const json& body, const std::string& token, bool withSession = true) {
    std::map<std::string, std::string> headers{{"Authorization", "Bearer " + token}};
    if (withSession && !session_.empty()) headers["Mcp-Session-Id"] = session_;
    return fetch(port_, "POST", "/mcp", body.dump(), "application/json", headers);
  }

  HttpResult initialize(const std::string& token) {
    const HttpResult r = post({{"jsonrpc", "2.0"},
                               {"id", 0},
                               {"method", "initialize"},
                               {"params",
                                {{"protocolVersion", "2025-11-25"},
                                 {"capabilities", json::object()},
                                 {"clientInfo", {{"name", "laptop"}, {"version", "1"}}}}}},
                              token, false);
    if (r.status == 200) session_ = r.response.get("Mcp-Session-Id", "");
    return r;
  }

  json echo(const std::string& token, int id) {
    const HttpResult r = post({{"jsonrpc", "2.0"},
                               {"id", id},
                               {"method", "tools/call"},
                               {"params", {{"name", "echo"}, {"arguments", {{"text", "hi"}}}}}},
                              token);
    EXPECT_EQ(r.status, 200) << r.body;
    return json::parse(r.body, nullptr, false);
  }

  json scimCalls() { return fake().callsTo("GET", "/api/2.0/preview/scim/v2/Me"); }

  std::string session_;
};

TEST_F(McpExternal, ADatabricksTokenActsAsItsUserWithNoProject) {
  start(true);
  ASSERT_EQ(initialize("dapi-bob").status, 200);
  ASSERT_FALSE(session_.empty());
  EXPECT_EQ(post({{"jsonrpc", "2.0"}, {"method", "notifications/initialized"}}, "dapi-bob").status,
            202);
  const HttpResult list =
      post({{"jsonrpc", "2.0"}, {"id", 1}, {"method", "tools/list"}}, "dapi-bob");
  ASSERT_EQ(list.status, 200) << list.body;
  EXPECT_EQ(list.json()["result"]["tools"].size(), 10u);  // fixture-tools + check_operation_status
  const json result = echo("dapi-bob", 2);
  ASSERT_TRUE(result.contains("result")) << result.dump();
  const json& context = result["result"]["structuredContent"];
  EXPECT_EQ(context["user"]["email"], kBob);
  EXPECT_EQ(context["user"]["name"], "Bob Example");
  EXPECT_TRUE(context["project_id"].is_null()) << context.dump();
  EXPECT_TRUE(context["project_dir"].is_null()) << context.dump();
  EXPECT_TRUE(context["run_id"].is_null()) << context.dump();
  EXPECT_EQ(context["databricks"]["host"], fake().url());
  EXPECT_EQ(context["databricks"]["token"], "dapi-bob");
  // The session stays bound to bob's token.
  EXPECT_EQ(post({{"jsonrpc", "2.0"}, {"id", 3}, {"method", "ping"}}, "dapi-alice").status, 404);
}

TEST_F(McpExternal, TheWorkspacesAnswerIsCached) {
  start(true);
  ASSERT_EQ(initialize("dapi-bob").status, 200);
  EXPECT_TRUE(echo("dapi-bob", 1).contains("result"));
  EXPECT_TRUE(echo("dapi-bob", 2).contains("result"));
  const json calls = scimCalls();
  ASSERT_EQ(calls.size(), 1u) << calls.dump();
  EXPECT_EQ(calls[0]["token"], "dapi-bob");
  EXPECT_EQ(calls[0]["user_agent"].get<std::string>().rfind("devkit/", 0), 0u) << calls.dump();
}

TEST_F(McpExternal, AnUnknownTokenIs401) {
  start(true);
  for (int i = 0; i < 2; ++i) {  // the refusal is cached: asked once
    const HttpResult r = initialize("dapi-nobody");
    EXPECT_EQ(r.status, 401) << r.body;
    EXPECT_EQ(r.response.get("WWW-Authenticate", "").rfind("Bearer", 0), 0u);
    EXPECT_EQ(r.body.find("dapi-nobody"), std::string::npos) << r.body;
  }
  EXPECT_EQ(scimCalls().size(), 1u);
}

TEST_F(McpExternal, ADeadRunTokenIsNotSentToTheWorkspace) {
  start(true);
  const std::string runToken = host_->mcpTokens().tokenFor("conversation-without-a-live-run");
  EXPECT_EQ(initialize(runToken).status, 401);
  EXPECT_TRUE(scimCalls().empty()) << scimCalls().dump();
}

TEST_F(McpExternal, WithoutExternalADatabricksTokenIs401AndTheWorkspaceIsNotAsked) {
  start(false);
  const HttpResult r = initialize("dapi-bob");
  EXPECT_EQ(r.status, 401) << r.body;
  EXPECT_EQ(r.response.get("WWW-Authenticate", "").rfind("Bearer", 0), 0u);
  EXPECT_TRUE(fake().calls().empty()) << fake().calls().dump();
}

TEST_F(McpExternal, AWorkspaceThatCannotAnswerIs503) {
  start(true);
  fake().fault(
      {{"method", "GET"}, {"path", "/api/2.0/preview/scim/v2/Me"}, {"status", 503}, {"count", 1}});
  HttpResult r = initialize("dapi-bob");
  EXPECT_EQ(r.status, 503) << r.body;
  EXPECT_NE(r.json()["error"]["message"].get<std::string>().find("could not verify"),
            std::string::npos)
      << r.body;
  // Not cached: the next try reaches the workspace again and gets in.
  r = initialize("dapi-bob");
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(scimCalls().size(), 2u);
}

TEST(McpStartup, AToolNameClashStopsStartup) {
  TempDir dir;
  const std::string pluginDir = copyBuiltPlugins(dir);
  for (const char* fixture : {"fixture-tools.so", "fixture-tools-clash.so"}) {
    std::filesystem::copy_file(std::filesystem::path(DEVKIT_TEST_PLUGIN_DIR) / fixture,
                               std::filesystem::path(pluginDir) / fixture);
  }
  const std::string ini = hostIni(
      dir, "[plugin.fixture-tools]\nenabled = yes\n[plugin.fixture-tools-clash]\nenabled = yes\n",
      pluginDir);
  try {
    app::Host host(loadIni(dir, ini));
    FAIL() << "the host started";
  } catch (const plugins::PluginError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("fixture-tools and fixture-tools-clash"), std::string::npos) << what;
  }
}

}  // namespace
}  // namespace devkit::testing
