// The job tools (create_job, list_jobs, run_job_now, get_run, cancel_run, list_runs) against
// the fake workspace, which runs job tasks for real: workspace files are executed as notebooks
// or Python scripts, runs answer PENDING, RUNNING, then TERMINATED.
#include <gtest/gtest.h>

#include <Poco/Base64Encoder.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/StreamCopier.h>

#include <set>
#include <sstream>
#include <string>

#include "fake_databricks.hpp"
#include "tool_harness.hpp"

namespace devkit::databricks::testing {
namespace {

using nlohmann::json;

class JobToolsTest : public ::testing::Test {
 protected:
  void SetUp() override { fake().reset(); }

  static FakeDatabricks& fake() { return FakeDatabricks::shared(); }

  static json rest(const std::string& method, const std::string& path, const json& body) {
    return fake().rest(method, path, body);
  }

  // A workspace file the fake runs as a task.
  static void workspaceFile(const std::string& path, const std::string& code) {
    std::ostringstream encoded;
    Poco::Base64Encoder encoder(encoded);
    encoder.rdbuf()->setLineLength(0);
    encoder << code;
    encoder.close();
    rest("POST", "/api/2.0/workspace/import",
         {{"path", path}, {"format", "RAW"}, {"content", encoded.str()}, {"overwrite", true}});
  }

  static json callsTo(const std::string& method, const std::string& prefix) {
    return fake().callsTo(method, prefix);
  }

  static bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
  }

  // A one-task job; the notebook path need not exist (the run then fails fast).
  static int64_t simpleJob(const ToolHarness& h, const std::string& name,
                           const std::string& path = "/Users/alice@example.com/missing") {
    const auto r =
        h.call("create_job",
               {{"name", name},
                {"tasks", {{{"task_key", "main"}, {"notebook_task", {{"notebook_path", path}}}}}}});
    EXPECT_FALSE(r.isError) << r.text;
    return r.structured.value("job_id", int64_t{0});
  }
};

TEST_F(JobToolsTest, CreateJobValidatesTasksBeforeCallingDatabricks) {
  ToolHarness h(fake().url());
  const json notebook = {{"notebook_path", "/Users/alice@example.com/etl"}};
  const json bad[] = {
      json::array(),
      {{{"notebook_task", notebook}}},  // no task_key
      {{{"task_key", "a"}}},            // no type
      {{{"task_key", "a"}, {"notebook_task", notebook}, {"sql_task", json::object()}}},  // two
      {{{"task_key", "a"}, {"notebook_task", notebook}},
       {{"task_key", "a"}, {"notebook_task", notebook}}},  // duplicate key
      {{{"task_key", "a"},
        {"notebook_task", notebook},
        {"depends_on", {{{"task_key", "nope"}}}}}},  // unknown dependency
  };
  for (const auto& tasks : bad) {
    const auto r = h.call("create_job", {{"name", "x"}, {"tasks", tasks}});
    EXPECT_EQ(r.status, DK_ERR_INVALID_ARGUMENT) << tasks.dump();
  }
  EXPECT_TRUE(fake().calls().empty());

  const auto ok =
      h.call("create_job",
             {{"name", "nightly"},
              {"tasks", {{{"task_key", "main"}, {"notebook_task", notebook}}}},
              {"parameters", {{{"name", "date"}, {"default", "today"}}}},
              {"schedule", {{"quartz_cron_expression", "0 0 2 * * ?"}, {"timezone_id", "UTC"}}},
              {"max_concurrent_runs", 2},
              {"tags", {{"team", "data"}}}});
  ASSERT_FALSE(ok.isError) << ok.text;
  EXPECT_EQ(ok.structured["job_id"], 1001);
  const json creates = callsTo("POST", "/api/2.2/jobs/create");
  ASSERT_EQ(creates.size(), 1u);
  const json& body = creates[0]["body"];
  EXPECT_EQ(body["name"], "nightly");
  EXPECT_EQ(body["tasks"][0]["notebook_task"], notebook);
  EXPECT_EQ(body["parameters"][0]["name"], "date");
  EXPECT_EQ(body["schedule"]["timezone_id"], "UTC");
  EXPECT_EQ(body["max_concurrent_runs"], 2);
  EXPECT_EQ(body["tags"]["team"], "data");

  // Databricks' own validation comes back as a tool error.
  const auto refused = h.call(
      "create_job",
      {{"name", "py"},
       {"tasks",
        {{{"task_key", "main"}, {"spark_python_task", {{"python_file", "/Users/a/x.py"}}}}}}});
  ASSERT_TRUE(refused.isError);
  EXPECT_TRUE(contains(refused.text, "environment_key")) << refused.text;
}

TEST_F(JobToolsTest, ListJobsByNameAndLimit) {
  ToolHarness h(fake().url());
  simpleJob(h, "alpha");
  simpleJob(h, "beta");
  simpleJob(h, "Gamma");
  const auto all = h.call("list_jobs", json::object());
  ASSERT_FALSE(all.isError) << all.text;
  EXPECT_EQ(all.structured["count"], 3);
  EXPECT_EQ(all.structured["jobs"][0]["name"], "alpha");
  EXPECT_FALSE(all.structured.contains("more"));

  const auto two = h.call("list_jobs", {{"limit", 2}});
  EXPECT_EQ(two.structured["count"], 2);
  EXPECT_EQ(two.structured["more"], true);

  fake().clearCalls();
  const auto gamma = h.call("list_jobs", {{"name", "gamma"}});
  ASSERT_EQ(gamma.structured["count"], 1);
  EXPECT_EQ(gamma.structured["jobs"][0]["name"], "Gamma");
  EXPECT_EQ(callsTo("GET", "/api/2.2/jobs/list")[0]["query"]["name"][0], "gamma");
}

TEST_F(JobToolsTest, RunJobNowSendsAnIdempotencyToken) {
  ToolHarness h(fake().url());
  const int64_t job = simpleJob(h, "nightly");
  fake().clearCalls();
  const auto r =
      h.call("run_job_now", {{"job_id", job}, {"job_parameters", {{"date", "2025-01-31"}}}});
  ASSERT_FALSE(r.isError) << r.text;
  const std::string token = r.structured["idempotency_token"];
  EXPECT_EQ(token.size(), 36u) << "a UUID";
  const json calls = callsTo("POST", "/api/2.2/jobs/run-now");
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(calls[0]["body"]["idempotency_token"], token);
  EXPECT_EQ(calls[0]["body"]["job_id"], job);
  EXPECT_EQ(calls[0]["body"]["job_parameters"]["date"], "2025-01-31");

  // Another call makes another token (another run); the same token gives the same run.
  const auto other = h.call("run_job_now", {{"job_id", job}});
  EXPECT_NE(other.structured["idempotency_token"], token);
  EXPECT_NE(other.structured["run_id"], r.structured["run_id"]);
  const auto again = h.call("run_job_now", {{"job_id", job}, {"idempotency_token", token}});
  EXPECT_EQ(again.structured["run_id"], r.structured["run_id"]);
}

TEST_F(JobToolsTest, RunJobNowRetriesSafelyAfter503AndTimeout) {
  ToolHarness h(fake().url(), {{"request_timeout_s", 1}});
  const int64_t job = simpleJob(h, "nightly");
  fake().clearCalls();
  fake().fault({{"method", "POST"},
                {"path", "/api/2.2/jobs/run-now"},
                {"status", 503},
                {"retry_after", "0"},
                {"count", 1}});
  const auto r = h.call("run_job_now", {{"job_id", job}});
  ASSERT_FALSE(r.isError) << r.text;
  json calls = callsTo("POST", "/api/2.2/jobs/run-now");
  ASSERT_EQ(calls.size(), 2u);
  EXPECT_EQ(calls[0]["body"]["idempotency_token"], calls[1]["body"]["idempotency_token"]);

  // A lost answer (timeout) is retried too, because the token makes it safe: still one run.
  fake().clearCalls();
  fake().fault({{"method", "POST"},
                {"path", "/api/2.2/jobs/run-now"},
                {"status", 503},
                {"delay_ms", 2500},
                {"count", 1}});
  const auto slow = h.call("run_job_now", {{"job_id", job}});
  ASSERT_FALSE(slow.isError) << slow.text;
  calls = callsTo("POST", "/api/2.2/jobs/run-now");
  ASSERT_EQ(calls.size(), 2u);
  EXPECT_EQ(calls[0]["body"]["idempotency_token"], calls[1]["body"]["idempotency_token"]);
  const auto runs = h.call("list_runs", {{"job_id", job}});
  EXPECT_EQ(runs.structured["count"], 2) << "one run per call, none doubled";
}

TEST_F(JobToolsTest, GetRunReadsEachTaskOutputThroughTheTaskRunId) {
  workspaceFile("/Users/alice@example.com/extract.py",
                "print('extracting')\ndbutils.notebook.exit('42')\n");
  workspaceFile("/Users/alice@example.com/load.py",
                "import sys\nprint('loading', sys.argv[1:])\nx = 1 / 0\n");
  ToolHarness h(fake().url());
  const auto job = h.call(
      "create_job",
      {{"name", "two-step"},
       {"tasks",
        {{{"task_key", "extract"},
          {"notebook_task", {{"notebook_path", "/Workspace/Users/alice@example.com/extract.py"}}}},
         {{"task_key", "load"},
          {"spark_python_task",
           {{"python_file", "/Workspace/Users/alice@example.com/load.py"},
            {"parameters", {"--day", "1"}}}},
          {"environment_key", "default"}}}},
       {"environments",
        {{{"environment_key", "default"}, {"spec", {{"environment_version", "2"}}}}}}});
  ASSERT_FALSE(job.isError) << job.text;

  const auto run = h.call("run_job_now", {{"job_id", job.structured["job_id"]}, {"wait", true}});
  ASSERT_FALSE(run.isError) << run.text;
  EXPECT_EQ(run.structured["state"]["life_cycle_state"], "TERMINATED");
  EXPECT_EQ(run.structured["state"]["result_state"], "FAILED");
  EXPECT_FALSE(run.progress.empty());
  const int64_t runId = run.structured["run_id"];

  fake().clearCalls();
  const auto r = h.call("get_run", {{"run_id", runId}});
  ASSERT_FALSE(r.isError) << r.text;
  const json& tasks = r.structured["tasks"];
  ASSERT_EQ(tasks.size(), 2u);
  EXPECT_EQ(tasks[0]["task_key"], "extract");
  EXPECT_EQ(tasks[0]["state"]["result_state"], "SUCCESS");
  EXPECT_EQ(tasks[0]["output"]["notebook_result"], "42");
  EXPECT_EQ(tasks[1]["task_key"], "load");
  EXPECT_EQ(tasks[1]["state"]["result_state"], "FAILED");
  EXPECT_TRUE(contains(tasks[1]["output"]["logs"], "loading ['--day', '1']")) << tasks[1];
  EXPECT_TRUE(contains(tasks[1]["output"]["error"], "ZeroDivisionError")) << tasks[1];
  EXPECT_TRUE(contains(tasks[1]["output"]["error_trace"], "Traceback")) << tasks[1];

  std::set<std::string> taskRunIds;
  for (const auto& t : tasks) taskRunIds.insert(t["run_id"].dump());
  const json outputs = callsTo("GET", "/api/2.2/jobs/runs/get-output");
  ASSERT_EQ(outputs.size(), 2u);
  for (const auto& c : outputs) {
    const std::string id = c["query"]["run_id"][0];
    EXPECT_NE(id, std::to_string(runId)) << "never the parent run id";
    EXPECT_TRUE(taskRunIds.count(id)) << id;
  }

  // A task run id works too: its output directly.
  const auto task = h.call("get_run", {{"run_id", tasks[0]["run_id"]}});
  ASSERT_FALSE(task.isError) << task.text;
  EXPECT_EQ(task.structured["output"]["notebook_result"], "42");

  const auto bare = h.call("get_run", {{"run_id", runId}, {"include_output", false}});
  EXPECT_FALSE(bare.structured["tasks"][0].contains("output"));
}

TEST_F(JobToolsTest, CancelRunWaitsUntilTerminated) {
  fake().settings({{"run_polls", 1000}});  // the run stays RUNNING until cancelled
  ToolHarness h(fake().url());
  const int64_t job = simpleJob(h, "long");
  const auto run = h.call("run_job_now", {{"job_id", job}});
  const int64_t runId = run.structured["run_id"];
  const auto active = h.call("list_runs", {{"job_id", job}, {"active_only", true}});
  EXPECT_EQ(active.structured["count"], 1);

  fake().clearCalls();
  const auto r = h.call("cancel_run", {{"run_id", runId}, {"wait", true}});
  ASSERT_FALSE(r.isError) << r.text;
  EXPECT_EQ(r.structured["state"]["life_cycle_state"], "TERMINATED");
  EXPECT_EQ(r.structured["state"]["result_state"], "CANCELED");
  const json cancels = callsTo("POST", "/api/2.2/jobs/runs/cancel");
  ASSERT_EQ(cancels.size(), 1u);
  EXPECT_EQ(cancels[0]["body"]["run_id"], runId);

  const auto done = h.call("list_runs", {{"job_id", job}, {"completed_only", true}});
  EXPECT_EQ(done.structured["count"], 1);
  EXPECT_EQ(h.call("list_runs", {{"job_id", job}, {"active_only", true}}).structured["count"], 0);
}

TEST_F(JobToolsTest, ListRunsPagesAndRefusesBothFlags) {
  ToolHarness h(fake().url());
  const int64_t job = simpleJob(h, "many");
  for (int i = 0; i < 27; ++i) {
    ASSERT_FALSE(h.call("run_job_now", {{"job_id", job}}).isError);
  }
  fake().clearCalls();
  const auto r = h.call("list_runs", {{"job_id", job}, {"limit", 30}});
  ASSERT_FALSE(r.isError) << r.text;
  EXPECT_EQ(r.structured["count"], 27);
  EXPECT_FALSE(r.structured.contains("more"));
  const json pages = callsTo("GET", "/api/2.2/jobs/runs/list");
  ASSERT_EQ(pages.size(), 2u);
  EXPECT_EQ(pages[0]["query"]["limit"][0], "25");
  EXPECT_TRUE(pages[1]["query"].contains("page_token"));
  std::set<std::string> ids;
  for (const auto& run : r.structured["runs"]) ids.insert(run["run_id"].dump());
  EXPECT_EQ(ids.size(), 27u) << "no run twice";

  const auto five = h.call("list_runs", {{"limit", 5}});
  EXPECT_EQ(five.structured["count"], 5);
  EXPECT_EQ(five.structured["more"], true);

  fake().clearCalls();
  const auto both = h.call("list_runs", {{"active_only", true}, {"completed_only", true}});
  EXPECT_EQ(both.status, DK_ERR_INVALID_ARGUMENT);
  EXPECT_TRUE(fake().calls().empty());
}

TEST_F(JobToolsTest, UnknownJobsAndRunsSayTheyDoNotExist) {
  ToolHarness h(fake().url());
  const auto run = h.call("run_job_now", {{"job_id", 999}});
  ASSERT_TRUE(run.isError);
  EXPECT_TRUE(contains(run.text, "job 999 does not exist")) << run.text;
  EXPECT_TRUE(contains(run.text, "list_jobs")) << run.text;

  for (const char* tool : {"get_run", "cancel_run"}) {
    const auto r = h.call(tool, {{"run_id", 424242}});
    ASSERT_TRUE(r.isError) << tool;
    EXPECT_TRUE(contains(r.text, "run 424242 does not exist")) << tool << ": " << r.text;
  }
  const auto runs = h.call("list_runs", {{"job_id", 999}});
  ASSERT_TRUE(runs.isError);
  EXPECT_TRUE(contains(runs.text, "job 999 does not exist")) << runs.text;
  EXPECT_EQ(h.call("get_run", json::object()).status, DK_ERR_INVALID_ARGUMENT);
}

TEST_F(JobToolsTest, CallsCarryTheCallersToken) {
  ToolHarness h(fake().url());
  const int64_t job = simpleJob(h, "shared");
  fake().clearCalls();
  const auto r = h.call("run_job_now", {{"job_id", job}}, ToolHarness::context("dapi-bob"));
  ASSERT_FALSE(r.isError) << r.text;
  const auto got =
      h.call("get_run", {{"run_id", r.structured["run_id"]}}, ToolHarness::context("dapi-bob"));
  ASSERT_FALSE(got.isError) << got.text;
  const json calls = fake().calls();
  ASSERT_GE(calls.size(), 2u);
  for (const auto& c : calls) EXPECT_EQ(c["token"], "dapi-bob") << c["path"];
  EXPECT_EQ(calls[0]["identity"], "bob@example.com");

  const auto refused = h.call("list_jobs", json::object(), ToolHarness::context("dapi-expired"));
  ASSERT_TRUE(refused.isError);
  EXPECT_TRUE(contains(refused.text, "HTTP 401")) << refused.text;
  EXPECT_TRUE(contains(refused.text, "sign in again")) << refused.text;
  EXPECT_FALSE(contains(refused.text, "dapi-expired")) << "never the token";
}

}  // namespace
}  // namespace devkit::databricks::testing
