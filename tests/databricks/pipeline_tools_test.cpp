// The pipeline tools (create_or_update_pipeline, start_pipeline_update, get_pipeline,
// get_pipeline_events, stop_pipeline, delete_pipeline) against the fake workspace's pipeline
// state machine: updates go QUEUED, INITIALIZING, RUNNING, then COMPLETED (or FAILED when
// /__fake/pipeline_failure scripted it), one step per GET.
#include <gtest/gtest.h>

#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/StreamCopier.h>

#include <map>
#include <string>
#include <vector>

#include "fake_databricks.hpp"
#include "tool_harness.hpp"

namespace devkit::databricks::testing {
namespace {

using nlohmann::json;

constexpr const char* kName = "orders's etl";  // a quote: the LIKE filter must escape it
constexpr const char* kFolder = "/Workspace/Users/alice@example.com/orders_etl/transformations";

class PipelineToolsTest : public ::testing::Test {
 protected:
  void SetUp() override { fake().reset(); }

  static FakeDatabricks& fake() { return FakeDatabricks::shared(); }

  // A REST call as alice, outside the tools (to set up states the tools never create).
  static json rest(const std::string& method, const std::string& path, const json& body) {
    return fake().rest(method, path, body);
  }

  static json callsTo(const std::string& method, const std::string& prefix) {
    return fake().callsTo(method, prefix);
  }

  static bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
  }

  static std::string createPipeline(const ToolHarness& h, const std::string& name = kName) {
    const auto r =
        h.call("create_or_update_pipeline",
               {{"name", name}, {"catalog", "main"}, {"schema", "sales"}, {"folder", kFolder}});
    EXPECT_FALSE(r.isError) << r.text;
    return r.structured.value("pipeline_id", "");
  }
};

TEST_F(PipelineToolsTest, CreateThenUpdateByNamePutsTheFullSpec) {
  ToolHarness h(fake().url());
  const auto created =
      h.call("create_or_update_pipeline", {{"name", kName},
                                           {"catalog", "main"},
                                           {"schema", "sales"},
                                           {"files",
                                            {"/Workspace/Users/alice@example.com/etl/bronze.py",
                                             "/Workspace/Users/alice@example.com/etl/silver.sql"}},
                                           {"configuration", {{"source", "s3://bucket/raw"}}}});
  ASSERT_FALSE(created.isError) << created.text;
  EXPECT_EQ(created.structured["action"], "created");
  const std::string id = created.structured["pipeline_id"];
  ASSERT_FALSE(id.empty());
  EXPECT_EQ(created.structured["link"], "/pipelines/" + id);

  const json posts = callsTo("POST", "/api/2.0/pipelines");
  ASSERT_EQ(posts.size(), 1u);
  const json& spec = posts[0]["body"];
  EXPECT_EQ(spec["name"], kName);
  EXPECT_EQ(spec["catalog"], "main");
  EXPECT_EQ(spec["schema"], "sales");
  EXPECT_EQ(spec["serverless"], true);
  EXPECT_EQ(spec["continuous"], false);
  EXPECT_EQ(spec["development"], true);
  EXPECT_EQ(spec["channel"], "CURRENT");
  EXPECT_EQ(spec["configuration"]["source"], "s3://bucket/raw");
  ASSERT_EQ(spec["libraries"].size(), 2u);
  EXPECT_EQ(spec["libraries"][0]["file"]["path"],
            "/Workspace/Users/alice@example.com/etl/bronze.py");
  EXPECT_EQ(spec["libraries"][1]["file"]["path"],
            "/Workspace/Users/alice@example.com/etl/silver.sql");
  const json lists = callsTo("GET", "/api/2.0/pipelines");
  ASSERT_GE(lists.size(), 1u);
  EXPECT_EQ(lists[0]["query"]["filter"][0], "name LIKE 'orders''s etl'");

  // Another pipeline whose name the LIKE also matches must not be taken for it.
  createPipeline(h, "orders's etl v2");
  fake().clearCalls();

  // Same name again: an edit with the whole spec (the configuration is gone: full replace).
  const auto updated = h.call("create_or_update_pipeline", {{"name", kName},
                                                            {"catalog", "main"},
                                                            {"schema", "gold"},
                                                            {"folder", std::string(kFolder) + "/"},
                                                            {"development", false}});
  ASSERT_FALSE(updated.isError) << updated.text;
  EXPECT_EQ(updated.structured["action"], "updated");
  EXPECT_EQ(updated.structured["pipeline_id"], id);
  EXPECT_TRUE(callsTo("POST", "/api/2.0/pipelines").empty()) << "no second pipeline";
  const json puts = callsTo("PUT", "/api/2.0/pipelines/");
  ASSERT_EQ(puts.size(), 1u);
  EXPECT_EQ(puts[0]["path"], "/api/2.0/pipelines/" + id);
  const json& edit = puts[0]["body"];
  EXPECT_EQ(edit["id"], id);
  EXPECT_EQ(edit["name"], kName);
  EXPECT_EQ(edit["catalog"], "main");
  EXPECT_EQ(edit["schema"], "gold");
  EXPECT_EQ(edit["development"], false);
  EXPECT_EQ(edit["serverless"], true);
  EXPECT_EQ(edit["channel"], "CURRENT");
  EXPECT_EQ(edit["root_path"], kFolder);
  ASSERT_EQ(edit["libraries"].size(), 1u);
  EXPECT_EQ(edit["libraries"][0]["glob"]["include"], std::string(kFolder) + "/**");
  EXPECT_TRUE(edit["configuration"].empty());

  const auto got = h.call("get_pipeline", {{"pipeline_id", id}});
  ASSERT_FALSE(got.isError) << got.text;
  EXPECT_EQ(got.structured["spec"]["schema"], "gold");
  EXPECT_EQ(got.structured["spec"]["libraries"][0]["glob"], std::string(kFolder) + "/**");
}

TEST_F(PipelineToolsTest, SeveralPipelinesWithTheNameAreRefused) {
  const json spec = {
      {"name", "dup"}, {"catalog", "main"}, {"schema", "s"}, {"allow_duplicate_names", true}};
  const std::string a = rest("POST", "/api/2.0/pipelines", spec)["pipeline_id"];
  const std::string b = rest("POST", "/api/2.0/pipelines", spec)["pipeline_id"];
  fake().clearCalls();
  ToolHarness h(fake().url());
  const auto r =
      h.call("create_or_update_pipeline",
             {{"name", "dup"}, {"catalog", "main"}, {"schema", "s"}, {"folder", kFolder}});
  ASSERT_TRUE(r.isError);
  EXPECT_TRUE(contains(r.text, a) && contains(r.text, b)) << r.text;
  EXPECT_TRUE(contains(r.text, "several pipelines")) << r.text;
  EXPECT_TRUE(callsTo("PUT", "/api/2.0/pipelines").empty());
  EXPECT_TRUE(callsTo("POST", "/api/2.0/pipelines").empty());
}

TEST_F(PipelineToolsTest, SourcesMustBeFilesOrFolder) {
  ToolHarness h(fake().url());
  const json base = {{"name", "p"}, {"catalog", "main"}, {"schema", "s"}};
  json both = base;
  both["files"] = {"/Workspace/a.py"};
  both["folder"] = kFolder;
  EXPECT_EQ(h.call("create_or_update_pipeline", both).status, DK_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(h.call("create_or_update_pipeline", base).status, DK_ERR_INVALID_ARGUMENT);
  json relative = base;
  relative["files"] = {"etl/a.py"};
  EXPECT_EQ(h.call("create_or_update_pipeline", relative).status, DK_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(h.call("get_pipeline", {{"pipeline_id", "../clusters"}}).status,
            DK_ERR_INVALID_ARGUMENT);
  EXPECT_TRUE(fake().calls().empty()) << "refused before any REST call";
}

TEST_F(PipelineToolsTest, UpdateWaitsWithProgressUntilCompleted) {
  ToolHarness h(fake().url());
  const std::string id = createPipeline(h);
  fake().clearCalls();
  const auto r = h.call("start_pipeline_update", {{"pipeline_id", id}, {"validate_only", true}});
  ASSERT_FALSE(r.isError) << r.text;
  EXPECT_EQ(r.structured["state"], "COMPLETED");
  const std::string updateId = r.structured["update_id"];
  ASSERT_FALSE(updateId.empty());

  const json starts = callsTo("POST", "/api/2.0/pipelines/" + id + "/updates");
  ASSERT_EQ(starts.size(), 1u);
  EXPECT_EQ(starts[0]["body"]["validate_only"], true);
  EXPECT_EQ(starts[0]["body"]["full_refresh"], false);
  EXPECT_GE(callsTo("GET", "/api/2.0/pipelines/" + id + "/updates/" + updateId).size(), 4u);

  std::vector<std::string> states;
  for (const auto& s : r.structured["states"]) states.push_back(s["state"]);
  EXPECT_EQ(states, (std::vector<std::string>{"QUEUED", "INITIALIZING", "RUNNING", "COMPLETED"}));
  ASSERT_EQ(r.progress.size(), 4u);
  EXPECT_TRUE(contains(r.progress.front()["message"], "QUEUED"));
  EXPECT_TRUE(contains(r.progress.back()["message"], "COMPLETED"));
  EXPECT_LT(r.progress[0]["progress"].get<double>(), r.progress[1]["progress"].get<double>());
}

TEST_F(PipelineToolsTest, FailedUpdateReportsTheExceptionMessages) {
  ToolHarness h(fake().url());
  const std::string id = createPipeline(h);
  fake().pipelineFailure(
      {{"name", kName}, {"message", "[TABLE_OR_VIEW_NOT_FOUND] raw_orders cannot be found"}});
  fake().clearCalls();
  const auto r = h.call("start_pipeline_update", {{"pipeline_id", id}, {"full_refresh", true}});
  ASSERT_TRUE(r.isError) << r.text;
  EXPECT_TRUE(contains(r.text, "FAILED")) << r.text;
  const std::string message = "[TABLE_OR_VIEW_NOT_FOUND] raw_orders cannot be found";
  const size_t at = r.text.find(message);
  ASSERT_NE(at, std::string::npos) << r.text;
  EXPECT_EQ(r.text.find(message, at + 1), std::string::npos) << "reported once: " << r.text;
  EXPECT_TRUE(contains(r.text, "AnalysisException")) << r.text;
  const json events = callsTo("GET", "/api/2.0/pipelines/" + id + "/events");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0]["query"]["filter"][0], "level='ERROR'");
  EXPECT_EQ(callsTo("POST", "/api/2.0/pipelines/" + id + "/updates")[0]["body"]["full_refresh"],
            true);

  // The event log: errors first, with their exception messages, then the rest.
  const auto ev = h.call("get_pipeline_events", {{"pipeline_id", id}});
  ASSERT_FALSE(ev.isError) << ev.text;
  const json& list = ev.structured["events"];
  EXPECT_EQ(ev.structured["error_count"], 2);
  ASSERT_GT(list.size(), 3u);
  EXPECT_EQ(list[0]["level"], "ERROR");
  EXPECT_EQ(list[1]["level"], "ERROR");
  EXPECT_EQ(list[0]["exceptions"][0]["message"], message);
  for (size_t i = 2; i < list.size(); ++i) EXPECT_NE(list[i]["level"], "ERROR") << i;

  const auto capped = h.call("get_pipeline_events", {{"pipeline_id", id}, {"max_events", 3}});
  EXPECT_EQ(capped.structured["count"], 3);
  const auto info =
      h.call("get_pipeline_events",
             {{"pipeline_id", id}, {"level", "INFO"}, {"update_id", list[0]["update_id"]}});
  ASSERT_FALSE(info.isError) << info.text;
  for (const auto& e : info.structured["events"]) EXPECT_EQ(e["level"], "INFO");
  EXPECT_EQ(callsTo("GET", "/api/2.0/pipelines/" + id + "/events").back()["query"]["filter"][0],
            "level='INFO' AND update_id = '" + list[0]["update_id"].get<std::string>() + "'");

  const auto got = h.call("get_pipeline", {{"pipeline_id", id}});
  EXPECT_EQ(got.structured["health"], "UNHEALTHY");
  EXPECT_EQ(got.structured["latest_updates"][0]["state"], "FAILED");
}

TEST_F(PipelineToolsTest, ActiveUpdateThenStop) {
  ToolHarness h(fake().url());
  const std::string id = createPipeline(h);
  const auto first = h.call("start_pipeline_update", {{"pipeline_id", id}, {"wait", false}});
  ASSERT_FALSE(first.isError) << first.text;
  EXPECT_EQ(first.structured["state"], "STARTED");

  fake().clearCalls();
  const auto second = h.call("start_pipeline_update", {{"pipeline_id", id}});
  ASSERT_TRUE(second.isError);
  EXPECT_TRUE(contains(second.text, "already has an update running")) << second.text;
  EXPECT_TRUE(contains(second.text, "stop_pipeline")) << second.text;
  EXPECT_EQ(callsTo("POST", "/api/2.0/pipelines/" + id + "/updates").size(), 1u)
      << "a started update is never retried";

  const auto stopped = h.call("stop_pipeline", {{"pipeline_id", id}});
  ASSERT_FALSE(stopped.isError) << stopped.text;
  EXPECT_EQ(stopped.structured["state"], "IDLE");
  EXPECT_EQ(callsTo("POST", "/api/2.0/pipelines/" + id + "/stop").size(), 1u);
  const auto got = h.call("get_pipeline", {{"pipeline_id", id}});
  EXPECT_EQ(got.structured["latest_updates"][0]["state"], "CANCELED");
  EXPECT_EQ(got.structured["latest_updates"][0]["update_id"], first.structured["update_id"]);
}

TEST_F(PipelineToolsTest, DeleteAndUnknownIds) {
  ToolHarness h(fake().url());
  const std::string id = createPipeline(h);
  const auto deleted = h.call("delete_pipeline", {{"pipeline_id", id}});
  ASSERT_FALSE(deleted.isError) << deleted.text;
  EXPECT_EQ(deleted.structured["deleted"], true);
  EXPECT_EQ(callsTo("DELETE", "/api/2.0/pipelines/" + id).size(), 1u);

  for (const char* tool : {"get_pipeline", "delete_pipeline", "start_pipeline_update",
                           "stop_pipeline", "get_pipeline_events"}) {
    const auto r = h.call(tool, {{"pipeline_id", id}});
    ASSERT_EQ(r.status, DK_OK) << tool;
    EXPECT_TRUE(r.isError) << tool;
    EXPECT_TRUE(contains(r.text, "RESOURCE_DOES_NOT_EXIST (HTTP 404)")) << tool << ": " << r.text;
  }
}

TEST_F(PipelineToolsTest, CallsCarryTheCallersTokenAndRetryThrottling) {
  ToolHarness h(fake().url());
  const std::string id = createPipeline(h);
  fake().clearCalls();
  fake().fault({{"method", "GET"},
                {"path", "/api/2.0/pipelines/" + id},
                {"status", 429},
                {"retry_after", "0"},
                {"count", 1}});
  const auto r = h.call("get_pipeline", {{"pipeline_id", id}}, ToolHarness::context("dapi-bob"));
  ASSERT_FALSE(r.isError) << r.text;
  EXPECT_EQ(r.structured["name"], kName);
  const json calls = fake().calls();
  ASSERT_EQ(calls.size(), 2u);
  for (const auto& c : calls) EXPECT_EQ(c["token"], "dapi-bob");
}

TEST_F(PipelineToolsTest, AnnotationsSayWhatIsSafe) {
  ToolHarness h(fake().url());
  std::map<std::string, json> byName;
  for (const auto& t : h.tools()) byName[t["name"]] = t;
  for (const char* name : {"create_or_update_pipeline", "start_pipeline_update", "get_pipeline",
                           "get_pipeline_events", "stop_pipeline", "delete_pipeline"}) {
    ASSERT_TRUE(byName.count(name)) << name;
    EXPECT_EQ(byName[name]["inputSchema"]["additionalProperties"], false) << name;
    for (const auto& [key, prop] : byName[name]["inputSchema"]["properties"].items()) {
      EXPECT_TRUE(prop.contains("description")) << name << "." << key;
    }
  }
  EXPECT_EQ(byName["delete_pipeline"]["annotations"]["destructiveHint"], true);
  EXPECT_EQ(byName["start_pipeline_update"]["annotations"]["idempotentHint"], false);
  EXPECT_EQ(byName["get_pipeline"]["annotations"]["readOnlyHint"], true);
  EXPECT_EQ(byName["create_or_update_pipeline"]["annotations"]["readOnlyHint"], false);
  EXPECT_EQ(byName["create_or_update_pipeline"]["annotations"]["destructiveHint"], true);
}

}  // namespace
}  // namespace devkit::databricks::testing
