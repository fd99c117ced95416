// The fake Databricks workspace itself: if it drifted from the reference (status codes, shapes,
// state machines, quirks), every tool test built on it would prove the wrong thing.
#include "fake_databricks.hpp"

#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/StreamCopier.h>
#include <Poco/URI.h>
#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

namespace devkit::databricks::testing {
namespace {

using nlohmann::json;

struct Answer {
  int status = 0;
  std::string body;
  std::map<std::string, std::string> headers;
  json parsed() const { return body.empty() ? json() : json::parse(body); }
};

// A raw HTTP call, so the tests see exactly what the fake sends.
Answer send(const std::string& url, const std::string& method, const std::string& token,
            const std::string& body = "", std::map<std::string, std::string> headers = {}) {
  Poco::URI uri(url);
  Poco::Net::HTTPClientSession session(uri.getHost(), uri.getPort());
  session.setTimeout(Poco::Timespan(30, 0));
  Poco::Net::HTTPRequest request(method, uri.getPathAndQuery(), Poco::Net::HTTPMessage::HTTP_1_1);
  if (!token.empty()) request.set("Authorization", "Bearer " + token);
  for (const auto& [name, value] : headers) request.set(name, value);
  if (!body.empty()) request.setContentType("application/json");
  request.setContentLength(static_cast<std::streamsize>(body.size()));
  session.sendRequest(request) << body;
  Poco::Net::HTTPResponse response;
  std::istream& in = session.receiveResponse(response);
  Answer answer;
  answer.status = static_cast<int>(response.getStatus());
  Poco::StreamCopier::copyToString(in, answer.body);
  for (const auto& [name, value] : response) answer.headers[name] = value;
  return answer;
}

class FakeServerTest : public ::testing::Test {
 protected:
  void SetUp() override { fake().reset(); }
  static FakeDatabricks& fake() { return FakeDatabricks::shared(); }
  static Answer get(const std::string& path, const std::string& token = "dapi-alice") {
    return send(fake().url() + path, "GET", token);
  }
  static Answer post(const std::string& path, const json& body,
                     const std::string& token = "dapi-alice") {
    return send(fake().url() + path, "POST", token, body.dump());
  }
};

TEST_F(FakeServerTest, UnknownTokenIsRefusedWith401AndRecorded) {
  const Answer refused = get("/api/2.0/sql/warehouses", "dapi-mallory");
  EXPECT_EQ(refused.status, 401);
  EXPECT_EQ(refused.parsed().at("error_code"), "UNAUTHENTICATED");

  const Answer scim = get("/api/2.0/preview/scim/v2/Me", "");
  EXPECT_EQ(scim.status, 401);
  EXPECT_EQ(scim.parsed().at("status"), "401");  // the SCIM error shape

  const Answer me = get("/api/2.0/preview/scim/v2/Me", "dapi-bob");
  ASSERT_EQ(me.status, 200);
  EXPECT_EQ(me.parsed().at("userName"), "bob@example.com");
  EXPECT_EQ(me.headers.at("x-databricks-org-id"), "1234567890123456");

  const json calls = fake().calls();
  ASSERT_EQ(calls.size(), 3u);
  EXPECT_EQ(calls[0].at("token"), "dapi-mallory");
  EXPECT_TRUE(calls[0].at("identity").is_null());
  EXPECT_EQ(calls[2].at("identity"), "bob@example.com");
}

TEST_F(FakeServerTest, OAuthClientCredentialsIssueTokensForTheServicePrincipal) {
  const auto token_call = [](const std::string& secret) {
    return send(fake().url() + "/oidc/v1/token", "POST", "",
                "grant_type=client_credentials&scope=all-apis",
                {{"Authorization",
                  "Basic " + std::string(secret == "sp-secret" ? "c3AtY2xpZW50OnNwLXNlY3JldA=="
                                                               : "c3AtY2xpZW50Ondyb25n")},
                 {"Content-Type", "application/x-www-form-urlencoded"}});
  };
  const Answer bad = token_call("wrong");
  EXPECT_EQ(bad.status, 401);
  EXPECT_EQ(bad.parsed().at("error"), "invalid_client");

  fake().oauth({{"expires_in", 120}});
  const Answer good = token_call("sp-secret");
  ASSERT_EQ(good.status, 200) << good.body;
  EXPECT_EQ(good.parsed().at("expires_in"), 120);
  const std::string token = good.parsed().at("access_token");
  EXPECT_EQ(get("/api/2.0/preview/scim/v2/Me", token).parsed().at("userName"), "sp-client");

  fake().oauth({{"expire_all", true}});
  EXPECT_EQ(get("/api/2.0/preview/scim/v2/Me", token).status, 401);
}

TEST_F(FakeServerTest, FaultsAnswerCountTimesThenTheRealApi) {
  fake().fault({{"method", "GET"},
                {"path", "/api/2.0/sql/warehouses"},
                {"status", 429},
                {"retry_after", "2"},
                {"count", 1}});
  fake().fault({{"path", "/api/2.1/unity-catalog"},
                {"status", 502},
                {"body", "<html><body><pre>Bad Gateway</pre></body></html>"}});
  fake().fault({{"path", "/api/2.1/clusters"}, {"status", 404}, {"body", ""}});

  const Answer throttled = get("/api/2.0/sql/warehouses");
  EXPECT_EQ(throttled.status, 429);
  EXPECT_EQ(throttled.headers.at("Retry-After"), "2");
  EXPECT_EQ(throttled.parsed().at("error_code"), "REQUEST_LIMIT_EXCEEDED");
  EXPECT_EQ(get("/api/2.0/sql/warehouses").status, 200);

  const Answer gateway = get("/api/2.1/unity-catalog/catalogs");
  EXPECT_EQ(gateway.status, 502);
  EXPECT_EQ(gateway.headers.at("Content-Type"), "text/html");
  EXPECT_NE(gateway.body.find("<pre>Bad Gateway</pre>"), std::string::npos);

  const Answer empty = get("/api/2.1/clusters/list");
  EXPECT_EQ(empty.status, 404);
  EXPECT_TRUE(empty.body.empty());
  EXPECT_EQ(get("/api/2.1/clusters/list").status, 200);
}

TEST_F(FakeServerTest, StatementsWalkPendingRunningSucceededAndFailAsHttp200) {
  fake().scriptSql({{"match", "FROM main\\.sales\\.orders WHERE customer = 'acme'"},
                    {"columns", {{{"name", "id"}, {"type_name", "LONG"}}}},
                    {"rows", {{"1"}, {"2"}}},
                    {"pending_polls", 2}});
  const Answer created =
      post("/api/2.0/sql/statements",
           {{"statement", "SELECT id FROM main.sales.orders WHERE customer = :c"},
            {"warehouse_id", "wh-shared"},
            {"parameters", {{{"name", "c"}, {"value", "acme"}}}},
            {"catalog", "main"},
            {"wait_timeout", "0s"}});
  ASSERT_EQ(created.status, 200) << created.body;
  EXPECT_EQ(created.parsed().at("status").at("state"), "PENDING");
  const std::string id = created.parsed().at("statement_id");

  EXPECT_EQ(get("/api/2.0/sql/statements/" + id).parsed()["status"]["state"], "RUNNING");
  EXPECT_EQ(get("/api/2.0/sql/statements/" + id).parsed()["status"]["state"], "RUNNING");
  const json done = get("/api/2.0/sql/statements/" + id).parsed();
  EXPECT_EQ(done["status"]["state"], "SUCCEEDED");
  EXPECT_EQ(done["manifest"]["total_row_count"], 2);
  EXPECT_EQ(done["result"]["data_array"], json({{"1"}, {"2"}}));
  EXPECT_EQ(fake().statements().at(0).at("catalog"), "main");

  // Synchronous with CANCEL on timeout; a bad wait_timeout; SQL errors are 200 + FAILED.
  const json canceled =
      post("/api/2.0/sql/statements",
           {{"statement", "SELECT id FROM main.sales.orders WHERE customer = 'acme'"},
            {"warehouse_id", "wh-shared"},
            {"on_wait_timeout", "CANCEL"}})
          .parsed();
  EXPECT_EQ(canceled["status"]["state"], "CANCELED");
  const Answer bad_wait =
      post("/api/2.0/sql/statements",
           {{"statement", "SELECT 1"}, {"warehouse_id", "wh-shared"}, {"wait_timeout", "60s"}});
  EXPECT_EQ(bad_wait.status, 400);
  EXPECT_EQ(bad_wait.parsed().at("error_code"), "INVALID_PARAMETER_VALUE");
  const Answer failed =
      post("/api/2.0/sql/statements", {{"statement", "SELEC oops"}, {"warehouse_id", "wh-shared"}});
  EXPECT_EQ(failed.status, 200);
  EXPECT_EQ(failed.parsed()["status"]["state"], "FAILED");
  EXPECT_EQ(failed.parsed()["status"]["sql_state"], "42601");
  EXPECT_EQ(get("/api/2.0/sql/statements/does-not-exist").status, 404);
}

TEST_F(FakeServerTest, ExternalLinksRefuseTheAuthorizationHeader) {
  // Smaller chunks than the real 100,000 rows keep the debug-build JSON parsing quick.
  fake().scriptSql({{"match", "big_table"}, {"generate_rows", 15000}, {"chunk_rows", 10000}});
  const json started = post("/api/2.0/sql/statements", {{"statement", "SELECT * FROM big_table"},
                                                        {"warehouse_id", "wh-shared"},
                                                        {"disposition", "EXTERNAL_LINKS"}})
                           .parsed();
  ASSERT_EQ(started["status"]["state"], "SUCCEEDED") << started.dump();
  EXPECT_EQ(started["manifest"]["total_chunk_count"], 2);
  const json link = started["result"]["external_links"][0];
  const std::string signature = link["http_headers"]["x-fake-sig"];

  EXPECT_EQ(
      send(link["external_link"], "GET", "dapi-alice", "", {{"x-fake-sig", signature}}).status,
      403);
  EXPECT_EQ(send(link["external_link"], "GET", "").status, 403);
  const Answer chunk = send(link["external_link"], "GET", "", "", {{"x-fake-sig", signature}});
  ASSERT_EQ(chunk.status, 200);
  const json rows = json::parse(chunk.body);
  ASSERT_EQ(rows.size(), 10000u);
  EXPECT_EQ(rows[7], json({"7", "name-7", "10.5"}));

  const json second = get(link["next_chunk_internal_link"]).parsed();
  EXPECT_EQ(second["external_links"][0]["row_count"], 5000);
  EXPECT_TRUE(fake().downloads().at(0).at("had_authorization").get<bool>());
}

TEST_F(FakeServerTest, CatalogListingHasAnEmptyPageThatStillCarriesAToken) {
  std::vector<std::string> names;
  std::string token;
  int empty_pages = 0;
  for (int page = 0; page < 10; ++page) {
    const json body = get("/api/2.1/unity-catalog/catalogs?max_results=0" +
                          (token.empty() ? "" : "&page_token=" + token))
                          .parsed();
    if (body["catalogs"].empty()) ++empty_pages;
    for (const auto& catalog : body["catalogs"]) names.push_back(catalog["name"]);
    token = body.value("next_page_token", "");
    if (token.empty()) break;
  }
  EXPECT_EQ(empty_pages, 1);
  EXPECT_EQ(names, (std::vector<std::string>{"main", "samples", "system"}));
  const Answer missing = get("/api/2.1/unity-catalog/schemas/nope.x");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(missing.parsed().at("error_code"), "CATALOG_DOES_NOT_EXIST");
}

TEST_F(FakeServerTest, UnknownClusterJobAndRunAre400NotFound404) {
  const Answer cluster = get("/api/2.1/clusters/get?cluster_id=9999-nope");
  EXPECT_EQ(cluster.status, 400);
  EXPECT_EQ(cluster.parsed().at("message"), "Cluster 9999-nope does not exist");
  EXPECT_EQ(get("/api/2.2/jobs/get?job_id=4242").status, 400);
  EXPECT_EQ(get("/api/2.2/jobs/runs/get?run_id=4242").parsed().at("error_code"),
            "INVALID_PARAMETER_VALUE");
  const Answer not_running = post("/api/2.1/clusters/start", {{"cluster_id", "0101-alice"}});
  EXPECT_EQ(not_running.parsed().at("error_code"), "INVALID_STATE");
  const Answer api12 =
      post("/api/1.2/contexts/create", {{"clusterId", "0202-shared"}, {"language", "python"}});
  EXPECT_EQ(api12.status, 400);
  EXPECT_EQ(api12.parsed().at("error"), "Cluster 0202-shared is not running");
}

TEST_F(FakeServerTest, CommandExecutionRunsPythonAndReportsExceptionsAsFinished) {
  const std::string cluster = "0101-alice";
  const std::string context =
      post("/api/1.2/contexts/create", {{"clusterId", cluster}, {"language", "python"}})
          .parsed()
          .at("id");
  const auto run = [&](const std::string& code) {
    const std::string command = post("/api/1.2/commands/execute", {{"clusterId", cluster},
                                                                   {"contextId", context},
                                                                   {"language", "python"},
                                                                   {"command", code}})
                                    .parsed()
                                    .at("id");
    for (int i = 0; i < 200; ++i) {
      const json status = get("/api/1.2/commands/status?clusterId=" + cluster +
                              "&contextId=" + context + "&commandId=" + command)
                              .parsed();
      if (status["status"] == "Finished" || status["status"] == "Error") return status;
      std::this_thread::sleep_for(std::chrono::milliseconds(25));
    }
    return json();
  };
  EXPECT_EQ(run("x = 6 * 7\nprint('ready')")["results"]["data"], "ready\n");
  EXPECT_EQ(run("print(x)")["results"]["data"], "42\n");  // the context keeps its state
  const json error = run("1 / 0");
  EXPECT_EQ(error["status"], "Finished");
  EXPECT_EQ(error["results"]["resultType"], "error");
  EXPECT_NE(error["results"]["summary"].get<std::string>().find("ZeroDivisionError"),
            std::string::npos);
  EXPECT_NE(error["results"]["cause"].get<std::string>().find("Traceback"), std::string::npos);
}

TEST_F(FakeServerTest, JobRunsExecuteWorkspaceCodeAndGetOutputNeedsTheTaskRunId) {
  fake().settings({{"run_polls", 0}});
  const std::string content = "YnVnID0gMSAvIDAK";  // base64 of "bug = 1 / 0\n"
  ASSERT_EQ(post("/api/2.0/workspace/import", {{"path", "/Workspace/Users/alice@example.com/f.py"},
                                               {"content", content},
                                               {"format", "AUTO"}})
                .status,
            200);
  const json serverless_task = {
      {"task_key", "main"},
      {"spark_python_task", {{"python_file", "/Workspace/Users/alice@example.com/f.py"}}}};
  const Answer no_env = post("/api/2.2/jobs/runs/submit", {{"tasks", {serverless_task}}});
  EXPECT_EQ(no_env.status, 400);

  json with_env = serverless_task;
  with_env["environment_key"] = "default";
  json second = {{"task_key", "after"},
                 {"depends_on", {{{"task_key", "main"}}}},
                 {"notebook_task", {{"notebook_path", "/Users/alice@example.com/nb"}}}};
  const json submit = {
      {"tasks", {with_env, second}},
      {"environments",
       {{{"environment_key", "default"}, {"spec", {{"environment_version", "2"}}}}}}};
  const json run_id = post("/api/2.2/jobs/runs/submit", submit).parsed().at("run_id");
  json run;
  for (int i = 0; i < 200; ++i) {
    run = get("/api/2.2/jobs/runs/get?run_id=" + run_id.dump()).parsed();
    if (run["state"]["life_cycle_state"] == "TERMINATED") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  ASSERT_EQ(run["state"]["result_state"], "FAILED") << run.dump();
  EXPECT_EQ(run["tasks"][1]["state"]["result_state"], "UPSTREAM_FAILED");

  const Answer parent = get("/api/2.2/jobs/runs/get-output?run_id=" + run_id.dump());
  EXPECT_EQ(parent.status, 400);
  EXPECT_NE(parent.body.find("Retrieving the output of runs with multiple tasks is not supported"),
            std::string::npos);
  const json output =
      get("/api/2.2/jobs/runs/get-output?run_id=" + run["tasks"][0]["run_id"].dump()).parsed();
  EXPECT_EQ(output["error"], "ZeroDivisionError: division by zero");
  EXPECT_NE(output["error_trace"].get<std::string>().find("f.py"), std::string::npos);
}

TEST_F(FakeServerTest, PipelineUpdateFailureLeavesErrorEventsWithExceptions) {
  fake().settings({{"update_polls", 0}});
  const std::string id = post("/api/2.0/pipelines", {{"name", "etl"}, {"serverless", true}})
                             .parsed()
                             .at("pipeline_id");
  EXPECT_EQ(post("/api/2.0/pipelines", {{"name", "etl"}}).status, 409);
  fake().pipelineFailure({{"name", "etl"}, {"message", "Table main.sales.bronze not found"}});
  const std::string update =
      post("/api/2.0/pipelines/" + id + "/updates", json::object()).parsed().at("update_id");
  EXPECT_EQ(get("/api/2.0/pipelines/" + id + "/updates/" + update).parsed()["update"]["state"],
            "FAILED");
  const json events =
      get("/api/2.0/pipelines/" + id + "/events?filter=level%3D%27ERROR%27").parsed()["events"];
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(events[0]["error"]["exceptions"][0]["message"], "Table main.sales.bronze not found");
}

TEST_F(FakeServerTest, ResetRestoresTheSeed) {
  ASSERT_EQ(post("/api/2.1/unity-catalog/catalogs", {{"name", "scratch"}}).status, 200);
  EXPECT_EQ(post("/api/2.1/unity-catalog/catalogs", {{"name", "scratch"}}).status, 409);
  fake().reset();
  EXPECT_EQ(get("/api/2.1/unity-catalog/catalogs/scratch").status, 404);
  const json calls = fake().calls();  // only the call after the reset is left
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(calls[0].at("path"), "/api/2.1/unity-catalog/catalogs/scratch");
}

}  // namespace
}  // namespace devkit::databricks::testing
