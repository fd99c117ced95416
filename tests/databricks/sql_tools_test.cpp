// The SQL tools (execute_sql, execute_sql_multi, list_warehouses, get_table_details) through the
// built plugin against the fake workspace: what they answer and what the fake recorded.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <thread>

#include "../unit/test_files.hpp"
#include "fake_databricks.hpp"
#include "tool_harness.hpp"

namespace devkit::databricks::testing {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;
using ::testing::Not;

using devkit::testing::TempDir;

class SqlTools : public ::testing::Test {
 protected:
  void SetUp() override { fake().reset(); }
  static FakeDatabricks& fake() { return FakeDatabricks::shared(); }

  // Recorded calls with this method whose path starts with `prefix`.
  static std::vector<json> callsTo(const std::string& method, const std::string& prefix) {
    std::vector<json> out;
    for (const json& c : fake().calls()) {
      if (c.value("method", "") == method && c.value("path", "").rfind(prefix, 0) == 0) {
        out.push_back(c);
      }
    }
    return out;
  }
  static size_t indexOf(const json& calls, const std::string& method, const std::string& path,
                        size_t nth = 0) {
    for (size_t i = 0; i < calls.size(); ++i) {
      if (calls[i].value("method", "") == method && calls[i].value("path", "") == path &&
          nth-- == 0) {
        return i;
      }
    }
    return SIZE_MAX;
  }
  static json orders() {
    return {{"match", "FROM orders"},
            {"columns",
             {{{"name", "id"}, {"type_name", "BIGINT"}},
              {{"name", "customer"}, {"type_name", "STRING"}}}},
            {"rows", json::parse(R"([["1","Alice"],["2",null],["3","Bob | Co"]])")}};
  }
};

TEST_F(SqlTools, ListsItsToolsWithSchemasAndHints) {
  ToolHarness h(fake().url());
  std::map<std::string, json> byName;
  for (const json& t : h.tools()) byName[t.value("name", "")] = t;
  for (const char* name :
       {"execute_sql", "execute_sql_multi", "list_warehouses", "get_table_details"}) {
    ASSERT_TRUE(byName.count(name)) << name;
    const json& t = byName[name];
    EXPECT_EQ(t["inputSchema"]["additionalProperties"], false) << name;
    for (const auto& [prop, schema] : t["inputSchema"]["properties"].items()) {
      EXPECT_TRUE(schema.contains("description")) << name << "." << prop;
    }
  }
  EXPECT_EQ(byName["execute_sql"]["annotations"]["readOnlyHint"], false);
  EXPECT_EQ(byName["list_warehouses"]["annotations"]["readOnlyHint"], true);
  EXPECT_EQ(byName["execute_sql"]["inputSchema"]["properties"]["row_limit"]["default"], 1000);
}

TEST_F(SqlTools, ExecuteSqlReturnsAMarkdownTableAndRows) {
  fake().scriptSql(orders());
  ToolHarness h(fake().url(), {{"warehouse_id", "wh-shared"}});
  const auto r = h.call(
      "execute_sql", {{"query", "SELECT * FROM orders"}, {"catalog", "main"}, {"schema", "sales"}});
  ASSERT_EQ(r.status, DK_OK) << r.error;
  ASSERT_FALSE(r.isError) << r.text;
  EXPECT_THAT(r.text, HasSubstr("| id | customer |"));
  EXPECT_THAT(r.text, HasSubstr("| 2 | NULL |"));
  EXPECT_THAT(r.text, HasSubstr("| 3 | Bob \\| Co |"));
  EXPECT_THAT(r.text, HasSubstr("3 rows"));
  EXPECT_EQ(r.structured["warehouse_id"], "wh-shared");
  EXPECT_EQ(r.structured["row_count"], 3);
  EXPECT_EQ(r.structured["truncated"], false);
  EXPECT_EQ(r.structured["rows"], json::parse(R"([["1","Alice"],["2",null],["3","Bob | Co"]])"));
  EXPECT_EQ(r.structured["columns"][0], json({{"name", "id"}, {"type", "bigint"}}));
  EXPECT_FALSE(r.structured.contains("saved_to"));

  const auto posts = callsTo("POST", "/api/2.0/sql/statements");
  ASSERT_EQ(posts.size(), 1u);
  const json& body = posts[0]["body"];
  EXPECT_EQ(posts[0]["token"], "dapi-alice");
  EXPECT_EQ(body["warehouse_id"], "wh-shared");
  EXPECT_EQ(body["wait_timeout"], "30s");
  EXPECT_EQ(body["on_wait_timeout"], "CONTINUE");
  EXPECT_EQ(body["disposition"], "INLINE");
  EXPECT_EQ(body["row_limit"], 1000);
  EXPECT_EQ(body["catalog"], "main");
  EXPECT_EQ(body["schema"], "sales");
  EXPECT_EQ(r.structured["statement_id"], fake().statements().at(0)["id"]);
  // A configured warehouse needs no lookup.
  EXPECT_TRUE(callsTo("GET", "/api/2.0/sql/warehouses").empty());
}

TEST_F(SqlTools, JsonFormatIsTheStructuredContent) {
  fake().scriptSql(orders());
  ToolHarness h(fake().url(), {{"warehouse_id", "wh-shared"}});
  const auto r = h.call("execute_sql", {{"query", "SELECT * FROM orders"}, {"format", "json"}});
  ASSERT_FALSE(r.isError) << r.text;
  EXPECT_EQ(json::parse(r.text), r.structured);
}

TEST_F(SqlTools, DdlWithoutResultSet) {
  ToolHarness h(fake().url(), {{"warehouse_id", "wh-shared"}});
  const auto r = h.call("execute_sql", {{"query", "CREATE TABLE t (id INT)"}});
  ASSERT_FALSE(r.isError) << r.text;
  EXPECT_THAT(r.text, HasSubstr("no result set"));
  EXPECT_EQ(r.structured["row_count"], 0);
}

TEST_F(SqlTools, FailedStatementIsAToolErrorWithCodeSqlStateAndHint) {
  fake().scriptSql({{"match", "missing_table"},
                    {"error",
                     {{"error_code", "BAD_REQUEST"},
                      {"sql_state", "42P01"},
                      {"message",
                       "[TABLE_OR_VIEW_NOT_FOUND] The table or view `missing_table` "
                       "cannot be found. SQLSTATE: 42P01"}}}});
  ToolHarness h(fake().url(), {{"warehouse_id", "wh-shared"}});
  const auto r = h.call("execute_sql", {{"query", "SELECT * FROM missing_table"}});
  ASSERT_EQ(r.status, DK_OK) << r.error;
  EXPECT_TRUE(r.isError);
  EXPECT_THAT(r.text, HasSubstr("BAD_REQUEST"));
  EXPECT_THAT(r.text, HasSubstr("42P01"));
  EXPECT_THAT(r.text, HasSubstr("TABLE_OR_VIEW_NOT_FOUND"));
  EXPECT_THAT(r.text, HasSubstr("get_table_details"));
}

TEST_F(SqlTools, UnknownWarehouseSaysHowToFindOne) {
  ToolHarness h(fake().url());
  const auto r = h.call("execute_sql", {{"query", "SELECT 1"}, {"warehouse_id", "wh-nope"}});
  EXPECT_TRUE(r.isError);
  EXPECT_THAT(r.text, HasSubstr("wh-nope"));
  EXPECT_THAT(r.text, HasSubstr("list_warehouses"));
  // An explicit warehouse is not looked up first.
  EXPECT_TRUE(callsTo("GET", "/api/2.0/sql/warehouses").empty());
}

TEST_F(SqlTools, AutoPicksTheRunningSharedWarehouseWhenThereIsNoDefault) {
  ToolHarness h(fake().url());
  const auto r = h.call("execute_sql", {{"query", "SELECT 1"}});
  ASSERT_FALSE(r.isError) << r.text;
  EXPECT_EQ(r.structured["warehouse_id"], "wh-shared");
  const json calls = fake().calls();
  const size_t def = indexOf(calls, "GET", "/api/2.0/sql/warehouses/default");
  const size_t list = indexOf(calls, "GET", "/api/2.0/sql/warehouses");
  const size_t post = indexOf(calls, "POST", "/api/2.0/sql/statements");
  ASSERT_LT(def, list);
  ASSERT_LT(list, post);
  EXPECT_EQ(calls[list]["query"]["skip_cannot_use"], json::array({"true"}));
  EXPECT_EQ(calls[post]["body"]["warehouse_id"], "wh-shared");
}

TEST_F(SqlTools, AutoPickUsesTheWorkspaceDefault) {
  fake().control("POST", "/__fake/default_warehouse", {{"id", "wh-stopped"}});
  ToolHarness h(fake().url());
  const auto r = h.call("execute_sql", {{"query", "SELECT 1"}});
  ASSERT_FALSE(r.isError) << r.text;
  EXPECT_EQ(r.structured["warehouse_id"], "wh-stopped");
  // The alias answered: no listing.
  EXPECT_EQ(indexOf(fake().calls(), "GET", "/api/2.0/sql/warehouses"), SIZE_MAX);
}

TEST_F(SqlTools, AutoPickRanksRunningBeforeStoppedSharedAndSkipsDeleted) {
  fake().control("DELETE", "/__fake/warehouses");
  fake().control("POST", "/__fake/warehouses",
                 {{"id", "wh-a"},
                  {"name", "A shared one"},
                  {"state", "STOPPED"},
                  {"enable_serverless_compute", true}});
  fake().control("POST", "/__fake/warehouses",
                 {{"id", "wh-b"},
                  {"name", "zeta"},
                  {"state", "RUNNING"},
                  {"enable_serverless_compute", false}});
  fake().control(
      "POST", "/__fake/warehouses",
      {{"id", "wh-c"}, {"name", "Aaa"}, {"state", "DELETED"}, {"enable_serverless_compute", true}});
  ToolHarness h(fake().url());
  const auto r = h.call("execute_sql", {{"query", "SELECT 1"}});
  ASSERT_FALSE(r.isError) << r.text;
  EXPECT_EQ(r.structured["warehouse_id"], "wh-b");
}

TEST_F(SqlTools, NoWarehouseAtAllIsAClearError) {
  fake().control("DELETE", "/__fake/warehouses");
  ToolHarness h(fake().url());
  const auto r = h.call("execute_sql", {{"query", "SELECT 1"}});
  EXPECT_TRUE(r.isError);
  EXPECT_THAT(r.text, HasSubstr("No SQL warehouse"));
  EXPECT_TRUE(callsTo("POST", "/api/2.0/sql/statements").empty());
}

TEST_F(SqlTools, ServerErrorOnTheDefaultAliasIsNotSwallowed) {
  fake().fault({{"method", "GET"},
                {"path", "/api/2.0/sql/warehouses/default"},
                {"status", 500},
                {"count", 1}});
  ToolHarness h(fake().url());
  const auto r = h.call("execute_sql", {{"query", "SELECT 1"}});
  EXPECT_TRUE(r.isError);
  EXPECT_THAT(r.text, HasSubstr("500"));
  EXPECT_TRUE(callsTo("POST", "/api/2.0/sql/statements").empty());
}

TEST_F(SqlTools, RetriesA429WithRetryAfter) {
  fake().fault({{"method", "POST"},
                {"path", "/api/2.0/sql/statements"},
                {"status", 429},
                {"retry_after", "1"},
                {"count", 1}});
  ToolHarness h(fake().url(), {{"warehouse_id", "wh-shared"}});
  const auto start = std::chrono::steady_clock::now();
  const auto r = h.call("execute_sql", {{"query", "SELECT 1"}});
  ASSERT_FALSE(r.isError) << r.text;
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(900));
  EXPECT_EQ(callsTo("POST", "/api/2.0/sql/statements").size(), 2u);
  EXPECT_EQ(fake().statements().size(), 1u);
}

TEST_F(SqlTools, PollsARunningStatementWithProgress) {
  fake().scriptSql({{"match", "SELECT 5"},
                    {"columns", json::parse(R"([{"name":"x","type_name":"INT"}])")},
                    {"rows", json::parse(R"([["5"]])")},
                    {"pending_polls", 2}});
  ToolHarness h(fake().url(), {{"warehouse_id", "wh-shared"}});
  const auto r = h.call("execute_sql", {{"query", "SELECT 5"}});
  ASSERT_FALSE(r.isError) << r.text;
  EXPECT_EQ(r.structured["rows"], json::parse(R"([["5"]])"));
  const std::string id = r.structured["statement_id"];
  EXPECT_EQ(callsTo("GET", "/api/2.0/sql/statements/" + id).size(), 3u);
  ASSERT_GE(r.progress.size(), 2u);
  EXPECT_THAT(r.progress[0].value("message", ""), HasSubstr("RUNNING"));
  EXPECT_LT(r.progress[0]["progress"].get<double>(), r.progress[1]["progress"].get<double>());
}

TEST_F(SqlTools, CancelsTheStatementOnTimeout) {
  fake().scriptSql({{"match", "slow_table"},
                    {"columns", json::parse(R"([{"name":"x"}])")},
                    {"rows", json::array()},
                    {"pending_polls", 100000}});
  ToolHarness h(fake().url(), {{"warehouse_id", "wh-shared"}});
  const auto r = h.call("execute_sql", {{"query", "SELECT * FROM slow_table"}, {"timeout_s", 2}});
  ASSERT_EQ(r.status, DK_OK) << r.error;
  EXPECT_TRUE(r.isError);
  EXPECT_THAT(r.text, HasSubstr("cancelled"));
  const json st = fake().statements().at(0);
  EXPECT_EQ(
      callsTo("POST", "/api/2.0/sql/statements/" + st["id"].get<std::string>() + "/cancel").size(),
      1u);
  EXPECT_EQ(fake().statements().at(0)["state"], "CANCELED");
}

TEST_F(SqlTools, CancelsTheStatementWhenTheCallIsCancelled) {
  fake().scriptSql({{"match", "slow_table"},
                    {"columns", json::parse(R"([{"name":"x"}])")},
                    {"rows", json::array()},
                    {"pending_polls", 100000}});
  ToolHarness h(fake().url(), {{"warehouse_id", "wh-shared"}});
  std::atomic<int> flag{0};
  dk_cancel cancel{};
  cancel.struct_size = sizeof(dk_cancel);
  cancel.ctx = &flag;
  cancel.is_cancelled = [](void* ctx) { return static_cast<std::atomic<int>*>(ctx)->load(); };
  ToolHarness::Result r;
  std::thread caller([&] {
    r = h.call("execute_sql", {{"query", "SELECT * FROM slow_table"}}, ToolHarness::context(),
               &cancel);
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  flag = 1;
  caller.join();
  EXPECT_EQ(r.status, DK_ERR_CANCELLED);
  const json st = fake().statements().at(0);
  EXPECT_EQ(
      callsTo("POST", "/api/2.0/sql/statements/" + st["id"].get<std::string>() + "/cancel").size(),
      1u);
  EXPECT_EQ(st["state"], "CANCELED");
}

TEST_F(SqlTools, NamedParametersFromAnObjectAndAnArray) {
  ToolHarness h(fake().url(), {{"warehouse_id", "wh-shared"}});
  fake().scriptSql({{"match", "region = 'EMEA' AND n = 5 AND ok = true AND d = NULL"},
                    {"columns", json::parse(R"([{"name":"c"}])")},
                    {"rows", json::parse(R"([["matched"]])")}});
  auto r =
      h.call("execute_sql",
             {{"query", "SELECT c FROM t WHERE region = :r AND n = :n AND ok = :ok AND d = :d"},
              {"parameters", {{"r", "EMEA"}, {"n", 5}, {"ok", true}, {"d", nullptr}}}});
  ASSERT_FALSE(r.isError) << r.text;
  EXPECT_EQ(r.structured["rows"], json::parse(R"([["matched"]])"));
  json params = fake().statements().at(0)["parameters"];
  EXPECT_THAT(params.dump(), HasSubstr(R"({"name":"n","type":"INT","value":"5"})"));
  EXPECT_THAT(params.dump(), HasSubstr(R"({"name":"r","value":"EMEA"})"));
  EXPECT_THAT(params.dump(), HasSubstr(R"({"name":"d"})"));

  r = h.call("execute_sql",
             {{"query", "SELECT :day AS day"},
              {"parameters", {{{"name", "day"}, {"value", "2024-01-02"}, {"type", "DATE"}}}}});
  params = fake().statements().at(1)["parameters"];
  EXPECT_EQ(params, json::parse(R"([{"name":"day","value":"2024-01-02","type":"DATE"}])"));
  // A bad parameters shape is a protocol error before any call.
  r = h.call("execute_sql", {{"query", "SELECT 1"}, {"parameters", {{"x", {1, 2}}}}});
  EXPECT_EQ(r.status, DK_ERR_INVALID_ARGUMENT);
}

// auto with a large row_limit asks for EXTERNAL_LINKS at once: an INLINE result over 25 MiB fails
// only after the warehouse did the work, and the statement would run twice.
TEST_F(SqlTools, AutoWithALargeRowLimitRunsTheStatementOnceWithExternalLinks) {
  TempDir project;
  fake().scriptSql({{"match", "FROM big"}, {"generate_rows", 30000}});
  ToolHarness h(fake().url(), {{"warehouse_id", "wh-shared"}});
  const auto r = h.call("execute_sql", {{"query", "SELECT * FROM big"}, {"row_limit", 50000}},
                        ToolHarness::context("", project.path().string()));
  ASSERT_FALSE(r.isError) << r.text;
  EXPECT_EQ(r.structured["row_count"], 30000);
  std::vector<json> posts;
  for (const auto& c : fake().calls()) {
    if (c["method"] == "POST" && c["path"] == "/api/2.0/sql/statements") posts.push_back(c);
  }
  ASSERT_EQ(posts.size(), 1u);
  EXPECT_EQ(posts[0]["body"]["disposition"], "EXTERNAL_LINKS");
  EXPECT_FALSE(fake().downloads().empty());

  // The default row_limit (1000) stays INLINE.
  fake().clearCalls();
  const auto small = h.call("execute_sql", {{"query", "SELECT * FROM big"}},
                            ToolHarness::context("", project.path().string()));
  ASSERT_FALSE(small.isError) << small.text;
  for (const auto& c : fake().calls()) {
    if (c["method"] == "POST" && c["path"] == "/api/2.0/sql/statements") {
      EXPECT_NE(c["body"].value("disposition", "INLINE"), "EXTERNAL_LINKS");
    }
  }
}

TEST_F(SqlTools, LargeInlineResultIsSavedAsCsvInTheProject) {
  TempDir project;
  fake().scriptSql({{"match", "FROM big"}, {"generate_rows", 25000}});
  ToolHarness h(fake().url(), {{"warehouse_id", "wh-shared"}});
  const auto r =
      h.call("execute_sql",
             {{"query", "SELECT * FROM big"}, {"row_limit", 100000}, {"disposition", "INLINE"}},
             ToolHarness::context("", project.path().string()));
  ASSERT_FALSE(r.isError) << r.text;
  EXPECT_EQ(r.structured["row_count"], 25000);
  EXPECT_EQ(r.structured["truncated"], true);
  const size_t shown = r.structured["rows"].size();
  EXPECT_GT(shown, 10u);
  EXPECT_LT(shown, 25000u);
  EXPECT_EQ(r.structured["rows_shown"], shown);
  EXPECT_LT(r.raw.dump().size(), 45000u);
  const std::string saved = r.structured["saved_to"];
  EXPECT_THAT(saved, HasSubstr(".devkit/results/execute_sql-"));
  EXPECT_THAT(r.text, HasSubstr(saved));
  std::ifstream in(project.path() / saved);
  std::string line;
  size_t lines = 0;
  std::string first, last;
  while (std::getline(in, line)) {
    if (lines == 0) first = line;
    last = line;
    ++lines;
  }
  EXPECT_EQ(lines, 25001u);  // header + every row
  EXPECT_EQ(first, "id,name,value");
  EXPECT_EQ(last, "24999,name-24999,37498.5");
  // Three INLINE chunks of 10,000 rows: the first with the answer, two fetched.
  const std::string id = r.structured["statement_id"];
  EXPECT_EQ(callsTo("GET", "/api/2.0/sql/statements/" + id + "/result/chunks/").size(), 2u);
}

TEST_F(SqlTools, ExternalLinksAreDownloadedWithoutTheTokenAndStreamedToTheFile) {
  TempDir project;
  fake().scriptSql({{"match", "FROM huge"}, {"generate_rows", 90000}, {"chunk_rows", 30000}});
  ToolHarness h(fake().url(), {{"warehouse_id", "wh-shared"}});
  const auto r = h.call("execute_sql",
                        {{"query", "SELECT * FROM huge"},
                         {"row_limit", 100000},
                         {"disposition", "EXTERNAL_LINKS"},
                         {"format", "json"}},
                        ToolHarness::context("", project.path().string()));
  ASSERT_FALSE(r.isError) << r.text;
  EXPECT_EQ(r.structured["row_count"], 90000);
  EXPECT_EQ(fake().statements().at(0)["disposition"], "EXTERNAL_LINKS");
  const json downloads = fake().downloads();
  ASSERT_EQ(downloads.size(), 3u);
  for (const json& d : downloads) {
    EXPECT_EQ(d["had_authorization"], false);
    EXPECT_EQ(d["had_signature"], true);
  }
  std::ifstream in(project.path() / r.structured["saved_to"].get<std::string>());
  size_t lines = 0;
  std::string line;
  while (std::getline(in, line)) ++lines;
  EXPECT_EQ(lines, 90001u);
  EXPECT_EQ(r.structured["rows"][0], json({"0", "name-0", "0.0"}));
}

TEST_F(SqlTools, WithoutAProjectTheAnswerIsCutAndSaysSo) {
  fake().scriptSql({{"match", "FROM big"}, {"generate_rows", 25000}});
  ToolHarness h(fake().url(), {{"warehouse_id", "wh-shared"}});
  const auto r = h.call("execute_sql", {{"query", "SELECT * FROM big"}, {"row_limit", 100000}});
  ASSERT_FALSE(r.isError) << r.text;
  EXPECT_EQ(r.structured["truncated"], true);
  EXPECT_FALSE(r.structured.contains("saved_to"));
  EXPECT_THAT(r.text, HasSubstr("not saved"));
  // Fetching stopped once the answer was full: no further chunks.
  const std::string id = r.structured["statement_id"];
  EXPECT_TRUE(callsTo("GET", "/api/2.0/sql/statements/" + id + "/result/chunks/").empty());
}

TEST_F(SqlTools, RowLimitCutIsReported) {
  fake().scriptSql({{"match", "FROM big"}, {"generate_rows", 50}});
  ToolHarness h(fake().url(), {{"warehouse_id", "wh-shared"}});
  const auto r = h.call("execute_sql", {{"query", "SELECT * FROM big"}, {"row_limit", 10}});
  ASSERT_FALSE(r.isError) << r.text;
  EXPECT_EQ(r.structured["row_count"], 10);
  EXPECT_EQ(r.structured["row_limit_reached"], true);
  EXPECT_THAT(r.text, HasSubstr("row_limit=10"));
}

TEST_F(SqlTools, EachUserCallsWithTheirOwnToken) {
  ToolHarness h(fake().url(), {{"warehouse_id", "wh-shared"}});
  ASSERT_FALSE(
      h.call("execute_sql", {{"query", "SELECT 1"}}, ToolHarness::context("dapi-bob")).isError);
  ASSERT_FALSE(h.call("execute_sql", {{"query", "SELECT 2"}}).isError);
  const auto posts = callsTo("POST", "/api/2.0/sql/statements");
  ASSERT_EQ(posts.size(), 2u);
  EXPECT_EQ(posts[0]["token"], "dapi-bob");
  EXPECT_EQ(posts[1]["token"], "dapi-alice");
  EXPECT_EQ(fake().statements().at(0)["identity"], "bob@example.com");
  for (const json& c : fake().calls()) {
    if (c["path"].get<std::string>().rfind(
            "/api/2.0/sql/statements/" + fake().statements().at(0)["id"].get<std::string>(), 0) ==
        0) {
      EXPECT_EQ(c["token"], "dapi-bob");
    }
  }
}

TEST_F(SqlTools, MultiRunsIndependentStatementsAndSkipsDependentsOfAFailure) {
  fake().scriptSql({{"match", "INSERT INTO t1"},
                    {"error", {{"error_code", "BAD_REQUEST"}, {"message", "insert failed"}}}});
  ToolHarness h(fake().url(), {{"warehouse_id", "wh-shared"}});
  const auto r = h.call("execute_sql_multi", {{"sql",
                                               "CREATE TABLE t1 (id INT);\n"
                                               "INSERT INTO t1 VALUES (1);\n"
                                               "SELECT * FROM t1;\n"
                                               "SELECT 7;\n"
                                               "-- a comment; with a semicolon\n"
                                               "SELECT 8 AS x;"}});
  ASSERT_EQ(r.status, DK_OK) << r.error;
  ASSERT_FALSE(r.isError) << r.text;
  const json& s = r.structured["statements"];
  ASSERT_EQ(s.size(), 5u);
  EXPECT_EQ(s[0]["state"], "SUCCEEDED");
  EXPECT_EQ(s[1]["state"], "FAILED");
  EXPECT_THAT(s[1]["error"].get<std::string>(), HasSubstr("insert failed"));
  EXPECT_EQ(s[2]["state"], "SKIPPED");
  EXPECT_THAT(s[2]["error"].get<std::string>(), HasSubstr("statement 2"));
  EXPECT_EQ(s[2]["depends_on"], json({1, 2}));
  EXPECT_EQ(s[3]["state"], "SUCCEEDED");
  EXPECT_EQ(s[3]["rows"], json::parse(R"([["7"]])"));
  EXPECT_EQ(s[4]["state"], "SUCCEEDED");
  EXPECT_EQ(s[4]["columns"][0]["name"], "x");
  EXPECT_EQ(r.structured["succeeded"], 3);
  EXPECT_EQ(r.structured["failed"], 1);
  EXPECT_EQ(r.structured["skipped"], 1);
  EXPECT_THAT(r.text, HasSubstr("3 succeeded, 1 failed, 1 skipped"));
  // The skipped statement never reached the warehouse.
  for (const json& st : fake().statements()) {
    EXPECT_THAT(st["statement"].get<std::string>(), Not(HasSubstr("SELECT * FROM t1")));
  }
  EXPECT_EQ(fake().statements().size(), 4u);
}

TEST_F(SqlTools, MultiRunsIndependentQueriesInParallelAndDependentOnesInOrder) {
  for (const char* q : {"SELECT 11", "SELECT 12", "SELECT 13"}) {
    fake().scriptSql({{"match", q},
                      {"columns", json::parse(R"([{"name":"v"}])")},
                      {"rows", json::parse(R"([["1"]])")},
                      {"pending_polls", 1}});
  }
  ToolHarness h(fake().url(), {{"warehouse_id", "wh-shared"}});
  const auto start = std::chrono::steady_clock::now();
  auto r = h.call("execute_sql_multi",
                  {{"statements", {"SELECT 11", "SELECT 12", "SELECT 13"}}, {"max_parallel", 3}});
  const auto parallel = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(r.isError) << r.text;
  EXPECT_EQ(r.structured["succeeded"], 3);
  // All three were posted before any of them was polled to its end.
  json calls = fake().calls();
  size_t lastPost = 0, firstGet = SIZE_MAX;
  for (size_t i = 0; i < calls.size(); ++i) {
    const std::string path = calls[i]["path"];
    if (calls[i]["method"] == "POST" && path == "/api/2.0/sql/statements") lastPost = i;
    if (calls[i]["method"] == "GET" && path.rfind("/api/2.0/sql/statements/", 0) == 0) {
      firstGet = std::min(firstGet, i);
    }
  }
  EXPECT_LT(lastPost, firstGet);
  EXPECT_LT(parallel, std::chrono::milliseconds(6000));  // one after the other: >= 9 s

  // max_parallel 1: one after the other.
  fake().clearCalls();
  r = h.call("execute_sql_multi",
             {{"statements", {"SELECT 11", "SELECT 12"}}, {"max_parallel", 1}});
  ASSERT_FALSE(r.isError) << r.text;
  calls = fake().calls();
  EXPECT_GT(indexOf(calls, "POST", "/api/2.0/sql/statements", 1),
            indexOf(calls, "GET",
                    "/api/2.0/sql/statements/" +
                        r.structured["statements"][0]["statement_id"].get<std::string>()));
}

// A big SELECT in a script: the warehouse is asked for a few rows only (INLINE has a 25 MiB
// limit, and the statement shows rows_per_statement rows anyway); the count is "at least".
TEST_F(SqlTools, MultiAsksForFewRowsOfABigSelect) {
  fake().scriptSql({{"match", "FROM big"}, {"generate_rows", 30000}});
  ToolHarness h(fake().url(), {{"warehouse_id", "wh-shared"}});
  const auto r = h.call("execute_sql_multi",
                        {{"sql", "SELECT * FROM big; SELECT 1 AS one"}, {"rows_per_statement", 5}});
  ASSERT_EQ(r.status, DK_OK) << r.error;
  ASSERT_FALSE(r.isError) << r.text;
  EXPECT_EQ(r.structured["succeeded"], 2);
  const json& big = r.structured["statements"][0];
  EXPECT_EQ(big["state"], "SUCCEEDED");
  EXPECT_EQ(big["rows"].size(), 5u);
  EXPECT_EQ(big["row_count"], 1001);
  EXPECT_EQ(big["row_count_is_lower_bound"], true);
  EXPECT_FALSE(r.structured["statements"][1].contains("row_count_is_lower_bound"));
  EXPECT_THAT(r.text, HasSubstr("(at least 1001 rows)"));
  const auto posts = callsTo("POST", "/api/2.0/sql/statements");
  ASSERT_EQ(posts.size(), 2u);
  for (const json& p : posts) {
    EXPECT_EQ(p["body"]["row_limit"], 1001) << p.dump();
    EXPECT_EQ(p["body"].value("disposition", "INLINE"), "INLINE") << p.dump();
  }
}

TEST_F(SqlTools, MultiCarriesUseToLaterStatements) {
  ToolHarness h(fake().url(), {{"warehouse_id", "wh-shared"}});
  const auto r =
      h.call("execute_sql_multi",
             {{"sql", "USE CATALOG samples; USE SCHEMA nyctaxi; SELECT 1"}, {"catalog", "main"}});
  ASSERT_FALSE(r.isError) << r.text;
  const json st = fake().statements();
  ASSERT_EQ(st.size(), 3u);
  EXPECT_EQ(st[0]["catalog"], "main");
  EXPECT_EQ(st[1]["catalog"], "samples");
  EXPECT_EQ(st[2]["catalog"], "samples");
  EXPECT_EQ(st[2]["schema"], "nyctaxi");
}

TEST_F(SqlTools, MultiRefusesAnEmptyScript) {
  ToolHarness h(fake().url(), {{"warehouse_id", "wh-shared"}});
  EXPECT_EQ(h.call("execute_sql_multi", {{"sql", " ;; -- nothing\n"}}).status,
            DK_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(h.call("execute_sql_multi", {{"sql", "SELECT 1"}, {"statements", {"SELECT 2"}}}).status,
            DK_ERR_INVALID_ARGUMENT);
}

TEST_F(SqlTools, ListWarehouses) {
  ToolHarness h(fake().url());
  const auto r = h.call("list_warehouses", json::object(), ToolHarness::context("dapi-bob"));
  ASSERT_FALSE(r.isError) << r.text;
  std::map<std::string, json> byId;
  for (const json& w : r.structured["warehouses"]) byId[w["id"]] = w;
  ASSERT_TRUE(byId.count("wh-shared"));
  EXPECT_EQ(byId["wh-shared"]["state"], "RUNNING");
  EXPECT_EQ(byId["wh-shared"]["serverless"], true);
  EXPECT_EQ(byId["wh-stopped"]["size"], "Medium");
  EXPECT_EQ(byId["wh-stopped"]["type"], "CLASSIC");
  EXPECT_EQ(r.structured["best_warehouse_id"], "wh-shared");
  EXPECT_EQ(callsTo("GET", "/api/2.0/sql/warehouses").at(0)["token"], "dapi-bob");
}

TEST_F(SqlTools, ListWarehousesReportsAnHtmlGatewayError) {
  fake().fault({{"method", "GET"},
                {"path", "/api/2.0/sql/warehouses"},
                {"status", 502},
                {"body", "<html><body><pre>Bad gateway: upstream down</pre></body></html>"},
                {"count", 1}});
  ToolHarness h(fake().url());
  const auto r = h.call("list_warehouses", json::object());
  EXPECT_TRUE(r.isError);
  EXPECT_THAT(r.text, HasSubstr("upstream down"));
  EXPECT_THAT(r.text, Not(HasSubstr("<pre>")));
}

TEST_F(SqlTools, GetTableDetailsWithStatsForAGlob) {
  fake().scriptSql(
      {{"match", "APPROX_COUNT_DISTINCT.*FROM `main`.`sales`.`orders`"},
       {"columns", json::array()},
       {"rows",
        json::parse(
            R"([["42","1","42","0","17","0","1.00","99.00","0","2024-01-01","2024-12-31","3"]])")}});
  ToolHarness h(fake().url(), {{"warehouse_id", "wh-shared"}});
  const auto r = h.call("get_table_details",
                        {{"catalog", "main"}, {"schema", "sales"}, {"table_pattern", "ORD*"}});
  ASSERT_FALSE(r.isError) << r.text;
  ASSERT_EQ(r.structured["tables"].size(), 1u);
  const json& t = r.structured["tables"][0];
  EXPECT_EQ(t["full_name"], "main.sales.orders");
  ASSERT_EQ(t["columns"].size(), 4u);
  EXPECT_EQ(t["columns"][2]["type"], "decimal(10,2)");
  EXPECT_EQ(t["stats"]["row_count"], 42);
  EXPECT_EQ(t["stats"]["columns"]["id"]["min"], "1");
  EXPECT_EQ(t["stats"]["columns"]["id"]["max"], "42");
  EXPECT_EQ(t["stats"]["columns"]["customer"]["distinct_approx"], 17);
  EXPECT_EQ(t["stats"]["columns"]["amount"]["max"], "99.00");
  EXPECT_EQ(t["stats"]["columns"]["ts"]["nulls"], 3);
  // Listing crossed pages with max_results=0; one statistics statement for the one table.
  const auto lists = callsTo("GET", "/api/2.1/unity-catalog/tables");
  ASSERT_FALSE(lists.empty());
  EXPECT_EQ(lists[0]["query"]["max_results"], json::array({"0"}));
  EXPECT_EQ(fake().statements().size(), 1u);
}

TEST_F(SqlTools, GetTableDetailsExactNameWithDdlAndWithoutStats) {
  fake().scriptSql(
      {{"match", "SHOW CREATE TABLE `main`.`sales`.`customers`"},
       {"columns", json::parse(R"([{"name":"createtab_stmt"}])")},
       {"rows", json::parse(R"x([["CREATE TABLE main.sales.customers (id BIGINT)"]])x")}});
  ToolHarness h(fake().url(), {{"warehouse_id", "wh-shared"}});
  const auto r = h.call("get_table_details", {{"catalog", "main"},
                                              {"schema", "sales"},
                                              {"table_pattern", "customers"},
                                              {"with_stats", false},
                                              {"include_ddl", true}});
  ASSERT_FALSE(r.isError) << r.text;
  const json& t = r.structured["tables"][0];
  EXPECT_EQ(t["ddl"], "CREATE TABLE main.sales.customers (id BIGINT)");
  EXPECT_FALSE(t.contains("stats"));
  EXPECT_EQ(callsTo("GET", "/api/2.1/unity-catalog/tables/main.sales.customers").size(), 1u);
}

// The statements name the table by its parts, each quoted: a name with a dot or a backtick
// cannot be rebuilt by splitting full_name at '.'.
TEST_F(SqlTools, GetTableDetailsQuotesEachPartOfTheName) {
  const json odd = {
      {"name", "odd.na`me"},
      {"catalog_name", "main"},
      {"schema_name", "sa-les"},
      {"full_name", "main.sa-les.odd.na`me"},
      {"table_type", "MANAGED"},
      {"columns", json::parse(R"([{"name":"i`d","type_name":"INT","type_text":"int"}])")}};
  fake().fault({{"method", "GET"},
                {"path", "/api/2.1/unity-catalog/tables"},
                {"status", 200},
                {"body", json{{"tables", json::array({odd})}}.dump()},
                {"count", 1}});
  ToolHarness h(fake().url(), {{"warehouse_id", "wh-shared"}});
  const auto r = h.call("get_table_details",
                        {{"catalog", "main"}, {"schema", "sa-les"}, {"include_ddl", true}});
  ASSERT_FALSE(r.isError) << r.text;
  ASSERT_EQ(r.structured["tables"].size(), 1u);
  const json st = fake().statements();
  ASSERT_EQ(st.size(), 2u);
  EXPECT_THAT(st[0]["statement"].get<std::string>(), HasSubstr("MIN(`i``d`), MAX(`i``d`)"));
  EXPECT_THAT(st[0]["statement"].get<std::string>(),
              HasSubstr(" FROM `main`.`sa-les`.`odd.na``me`"));
  EXPECT_EQ(st[1]["statement"], "SHOW CREATE TABLE `main`.`sa-les`.`odd.na``me`");
}

TEST_F(SqlTools, GetTableDetailsNotFoundAndNoMatch) {
  ToolHarness h(fake().url(), {{"warehouse_id", "wh-shared"}});
  auto r = h.call("get_table_details",
                  {{"catalog", "main"}, {"schema", "sales"}, {"table_pattern", "nope"}});
  EXPECT_TRUE(r.isError);
  EXPECT_THAT(r.text, HasSubstr("TABLE_DOES_NOT_EXIST"));
  r = h.call("get_table_details",
             {{"catalog", "main"}, {"schema", "sales"}, {"table_pattern", "zz*"}});
  ASSERT_FALSE(r.isError) << r.text;
  EXPECT_EQ(r.structured["matched"], 0);
  EXPECT_TRUE(fake().statements().empty());
}

TEST_F(SqlTools, GetTableDetailsKeepsGoingWhenStatsFail) {
  fake().scriptSql(
      {{"match", "APPROX_COUNT_DISTINCT"},
       {"error", {{"error_code", "BAD_REQUEST"}, {"message", "no SELECT privilege"}}}});
  ToolHarness h(fake().url(), {{"warehouse_id", "wh-shared"}});
  const auto r = h.call("get_table_details", {{"catalog", "main"}, {"schema", "sales"}});
  ASSERT_FALSE(r.isError) << r.text;
  ASSERT_EQ(r.structured["tables"].size(), 2u);
  for (const json& t : r.structured["tables"]) {
    EXPECT_THAT(t["stats"]["error"].get<std::string>(), HasSubstr("no SELECT privilege"));
  }
}

}  // namespace
}  // namespace devkit::databricks::testing
