// The compute tools (list_clusters, get_cluster, start_cluster, execute_code, run_python_file)
// against the fake workspace, which really runs the Python it is sent: API 1.2 contexts are
// persistent interpreters, serverless runs are subprocesses.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include "../unit/test_files.hpp"
#include "compute/execution.hpp"
#include "fake_databricks.hpp"
#include "tool_harness.hpp"

namespace devkit::databricks::testing {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

/// A dk_cancel flag the test raises from another thread (the MCP client cancelling the call).
class CancelFlag {
 public:
  CancelFlag() {
    cancel_.struct_size = sizeof(dk_cancel);
    cancel_.ctx = &flag_;
    cancel_.is_cancelled = [](void* ctx) -> int {
      return static_cast<std::atomic<bool>*>(ctx)->load() ? 1 : 0;
    };
  }
  const dk_cancel* get() const { return &cancel_; }
  /// Raises the flag after `delay` on a timer thread (the caller joins it).
  std::thread raiseAfter(std::chrono::milliseconds delay) {
    return std::thread([this, delay] {
      std::this_thread::sleep_for(delay);
      flag_ = true;
    });
  }

 private:
  std::atomic<bool> flag_{false};
  dk_cancel cancel_{};
};

class ComputeToolsTest : public ::testing::Test {
 protected:
  void SetUp() override { fake().reset(); }

  static FakeDatabricks& fake() { return FakeDatabricks::shared(); }
  /// A caller e-mail no earlier test used. The plugin's context cache is process-wide and keyed
  /// by the caller, and it lives in the dlopened plugin (its own copy of the core, out of the
  /// test's reach): a fresh caller is a cache that starts empty, so counted creates are exact.
  static std::string freshEmail(const std::string& user) {
    static std::atomic<int> n{0};
    return user + "+" + ::testing::UnitTest::GetInstance()->current_test_info()->name() + "-" +
           std::to_string(++n) + "@example.com";
  }
  json ctx() const { return ToolHarness::context("", project_.string()); }
  void write(const std::string& rel, const std::string& content) const {
    const fs::path p = project_ / rel;
    fs::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << content;
  }
  static json callsTo(const std::string& method, const std::string& prefix) {
    json out = json::array();
    for (const auto& c : fake().calls()) {
      if (c["method"] == method && c["path"].get<std::string>().rfind(prefix, 0) == 0) {
        out.push_back(c);
      }
    }
    return out;
  }
  static bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
  }

  devkit::testing::TempDir dir_;
  const fs::path project_ = dir_.path();
};

TEST_F(ComputeToolsTest, ListClustersHidesJobClustersAndPutsRunningFirst) {
  ToolHarness h(fake().url());
  const auto r = h.call("list_clusters", json::object());
  ASSERT_FALSE(r.isError) << r.text;
  ASSERT_EQ(r.structured["count"], 2);
  EXPECT_EQ(r.structured["clusters"][0]["cluster_id"], "0101-alice");
  EXPECT_EQ(r.structured["clusters"][0]["state"], "RUNNING");
  EXPECT_EQ(r.structured["clusters"][1]["cluster_id"], "0202-shared");
  EXPECT_EQ(r.structured["job_clusters_hidden"], 1);
  EXPECT_FALSE(r.structured["clusters"][0].contains("default_tags")) << "compact fields only";

  const auto all = h.call("list_clusters", {{"include_job_clusters", true}});
  EXPECT_EQ(all.structured["count"], 3);

  fake().clearCalls();
  const auto stopped = h.call("list_clusters", {{"state", "TERMINATED"}});
  ASSERT_EQ(stopped.structured["count"], 1);
  EXPECT_EQ(stopped.structured["clusters"][0]["cluster_id"], "0202-shared");
  const json calls = callsTo("GET", "/api/2.1/clusters/list");
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(calls[0]["query"]["filter_by.cluster_states"][0], "TERMINATED");
}

TEST_F(ComputeToolsTest, GetClusterAndTheUnknownIdQuirk) {
  ToolHarness h(fake().url());
  const auto r = h.call("get_cluster", {{"cluster_id", "0202-shared"}});
  ASSERT_FALSE(r.isError) << r.text;
  EXPECT_EQ(r.structured["state"], "TERMINATED");
  EXPECT_EQ(r.structured["termination_reason"]["code"], "INACTIVITY");

  const auto unknown = h.call("get_cluster", {{"cluster_id", "nope-123"}});
  ASSERT_EQ(unknown.status, DK_OK);
  EXPECT_TRUE(unknown.isError);
  EXPECT_TRUE(contains(unknown.text, "cluster nope-123 does not exist")) << unknown.text;
}

TEST_F(ComputeToolsTest, StartClusterWaitsUntilRunning) {
  ToolHarness h(fake().url());
  const auto r = h.call("start_cluster", {{"cluster_id", "0202-shared"}, {"wait", true}});
  ASSERT_FALSE(r.isError) << r.text;
  EXPECT_EQ(r.structured["state"], "RUNNING");
  EXPECT_FALSE(r.progress.empty());
  const json starts = callsTo("POST", "/api/2.1/clusters/start");
  ASSERT_EQ(starts.size(), 1u);
  EXPECT_EQ(starts[0]["body"]["cluster_id"], "0202-shared");
  EXPECT_GE(callsTo("GET", "/api/2.1/clusters/get").size(), 2u) << "polled until RUNNING";
}

TEST_F(ComputeToolsTest, StartClusterWithoutWaitAndAlreadyRunning) {
  ToolHarness h(fake().url());
  const auto started = h.call("start_cluster", {{"cluster_id", "0202-shared"}});
  ASSERT_FALSE(started.isError) << started.text;
  EXPECT_EQ(started.structured["state"], "PENDING");

  const auto running = h.call("start_cluster", {{"cluster_id", "0101-alice"}});
  ASSERT_FALSE(running.isError) << running.text;
  EXPECT_EQ(running.structured["already_running"], true);
  EXPECT_TRUE(contains(running.text, "already running"));

  const auto unknown = h.call("start_cluster", {{"cluster_id", "nope"}});
  EXPECT_TRUE(unknown.isError);
  EXPECT_TRUE(contains(unknown.text, "cluster nope does not exist")) << unknown.text;
}

TEST_F(ComputeToolsTest, ExecuteCodeReusesItsContext) {
  ToolHarness h(fake().url());
  const auto first =
      h.call("execute_code", {{"code", "x = 21\nprint(x * 2)"}, {"cluster_id", "0101-alice"}});
  ASSERT_EQ(first.status, DK_OK) << first.error;
  ASSERT_FALSE(first.isError) << first.text;
  EXPECT_TRUE(contains(first.text, "42")) << first.text;
  const auto second =
      h.call("execute_code", {{"code", "print(x + 1)"}, {"cluster_id", "0101-alice"}});
  ASSERT_FALSE(second.isError) << second.text;
  EXPECT_TRUE(contains(second.text, "22")) << second.text;
  EXPECT_TRUE(contains(second.text, "(reused)")) << second.text;

  EXPECT_EQ(callsTo("POST", "/api/1.2/contexts/create").size(), 1u);
  const json executes = callsTo("POST", "/api/1.2/commands/execute");
  ASSERT_GE(executes.size(), 2u);
  const json last = executes[executes.size() - 1]["body"];
  EXPECT_EQ(last["clusterId"], "0101-alice");
  EXPECT_EQ(last["language"], "python");
  EXPECT_EQ(last["command"], "print(x + 1)");
}

TEST_F(ComputeToolsTest, AGoneContextIsRecreatedOnce) {
  ToolHarness h(fake().url());
  ASSERT_FALSE(
      h.call("execute_code", {{"code", "print(1)"}, {"cluster_id", "0101-alice"}}).isError);
  fake().reset();  // the fake forgets every context, as a cluster restart does
  const auto r = h.call("execute_code", {{"code", "print('again')"}, {"cluster_id", "0101-alice"}});
  ASSERT_FALSE(r.isError) << r.text;
  EXPECT_TRUE(contains(r.text, "again"));
  EXPECT_EQ(callsTo("POST", "/api/1.2/contexts/create").size(), 1u);
  EXPECT_EQ(callsTo("POST", "/api/1.2/commands/execute").size(), 2u);

  const auto explicitGone =
      h.call("execute_code",
             {{"code", "print(1)"}, {"cluster_id", "0101-alice"}, {"context_id", "999999"}});
  EXPECT_TRUE(explicitGone.isError);
  EXPECT_TRUE(contains(explicitGone.text, "without context_id")) << explicitGone.text;
}

TEST_F(ComputeToolsTest, PythonExceptionIsAnErrorWithTraceback) {
  ToolHarness h(fake().url());
  const auto r = h.call("execute_code", {{"code", "def f():\n    raise ValueError('boom')\nf()"},
                                         {"cluster_id", "0101-alice"}});
  ASSERT_EQ(r.status, DK_OK) << r.error;
  EXPECT_TRUE(r.isError);
  EXPECT_TRUE(contains(r.text, "ValueError: boom")) << r.text;
  EXPECT_TRUE(contains(r.text, "Traceback")) << r.text;
  EXPECT_TRUE(contains(r.text, "in f")) << r.text;
  EXPECT_FALSE(contains(r.text, "<span")) << "HTML stripped: " << r.text;
}

TEST_F(ComputeToolsTest, ClusterNotRunningIsReportedNotStarted) {
  ToolHarness h(fake().url());
  const auto r = h.call("execute_code", {{"code", "print(1)"}, {"cluster_id", "0202-shared"}});
  EXPECT_TRUE(r.isError);
  EXPECT_TRUE(contains(r.text, "not running")) << r.text;
  EXPECT_TRUE(contains(r.text, "start_cluster")) << r.text;
  EXPECT_TRUE(callsTo("POST", "/api/2.1/clusters/start").empty());
  EXPECT_TRUE(callsTo("POST", "/api/1.2/contexts/create").empty());

  const auto unknown = h.call("execute_code", {{"code", "print(1)"}, {"cluster_id", "nope"}});
  EXPECT_TRUE(unknown.isError);
  EXPECT_TRUE(contains(unknown.text, "cluster nope does not exist")) << unknown.text;
}

TEST_F(ComputeToolsTest, StartIfTerminatedStartsAndRuns) {
  ToolHarness h(fake().url());
  const auto r = h.call(
      "execute_code",
      {{"code", "print('up')"}, {"cluster_id", "0202-shared"}, {"start_if_terminated", true}});
  ASSERT_FALSE(r.isError) << r.text;
  EXPECT_TRUE(contains(r.text, "up"));
  EXPECT_EQ(callsTo("POST", "/api/2.1/clusters/start").size(), 1u);
}

TEST_F(ComputeToolsTest, TimeoutCancelsTheCommand) {
  ToolHarness h(fake().url());
  const auto r = h.call(
      "execute_code",
      {{"code", "import time\ntime.sleep(20)"}, {"cluster_id", "0101-alice"}, {"timeout_s", 2}});
  EXPECT_TRUE(r.isError);
  EXPECT_TRUE(contains(r.text, "did not finish within 2 s")) << r.text;
  const json cancels = callsTo("POST", "/api/1.2/commands/cancel");
  ASSERT_EQ(cancels.size(), 1u);
  EXPECT_EQ(cancels[0]["body"]["clusterId"], "0101-alice");
}

TEST_F(ComputeToolsTest, Unavailable503DuringPollingIsRetried) {
  ToolHarness h(fake().url());
  fake().fault({{"method", "GET"},
                {"path", "/api/1.2/commands/status"},
                {"status", 503},
                {"retry_after", "0"},
                {"count", 1}});
  const auto r = h.call("execute_code", {{"code", "print('ok')"}, {"cluster_id", "0101-alice"}});
  ASSERT_FALSE(r.isError) << r.text;
  EXPECT_TRUE(contains(r.text, "ok"));
}

TEST_F(ComputeToolsTest, ServerlessRunsATemporaryFileAndReadsTheTaskOutput) {
  ToolHarness h(fake().url());
  const auto r = h.call("execute_code", {{"code", "print('hello from serverless')"}});
  ASSERT_EQ(r.status, DK_OK) << r.error;
  ASSERT_FALSE(r.isError) << r.text;
  EXPECT_TRUE(contains(r.text, "hello from serverless")) << r.text;
  EXPECT_FALSE(r.progress.empty());

  const json submits = callsTo("POST", "/api/2.2/jobs/runs/submit");
  ASSERT_EQ(submits.size(), 1u);
  const json body = submits[0]["body"];
  const json task = body["tasks"][0];
  const std::string file = task["spark_python_task"]["python_file"];
  EXPECT_EQ(file.rfind("/Workspace/Users/alice@example.com/.devkit/tmp/", 0), 0u) << file;
  EXPECT_EQ(task["environment_key"], "default");
  EXPECT_FALSE(task.contains("existing_cluster_id"));
  EXPECT_EQ(body["environments"][0]["environment_key"], "default");
  EXPECT_EQ(body["environments"][0]["spec"]["environment_version"], "2");
  EXPECT_FALSE(body["idempotency_token"].get<std::string>().empty());

  // The output is read with the task run id, not the submitted run's.
  const json outputs = callsTo("GET", "/api/2.2/jobs/runs/get-output");
  ASSERT_EQ(outputs.size(), 1u);
  const json gets = callsTo("GET", "/api/2.2/jobs/runs/get");
  const std::string parent = gets[0]["query"]["run_id"][0];
  EXPECT_NE(outputs[0]["query"]["run_id"][0], parent);

  const json imports = callsTo("POST", "/api/2.0/workspace/import");
  ASSERT_EQ(imports.size(), 1u);
  EXPECT_EQ(imports[0]["body"]["path"], file);
  const json deletes = callsTo("POST", "/api/2.0/workspace/delete");
  ASSERT_EQ(deletes.size(), 1u);
  EXPECT_EQ(deletes[0]["body"]["path"], file);
}

TEST_F(ComputeToolsTest, ServerlessFailureShowsErrorTraceAndOutput) {
  ToolHarness h(fake().url());
  const auto r = h.call("execute_code", {{"code", "print('before')\nraise RuntimeError('kaput')"}});
  ASSERT_EQ(r.status, DK_OK) << r.error;
  EXPECT_TRUE(r.isError);
  EXPECT_TRUE(contains(r.text, "RuntimeError: kaput")) << r.text;
  EXPECT_TRUE(contains(r.text, "Traceback")) << r.text;
  EXPECT_TRUE(contains(r.text, "before")) << r.text;
  EXPECT_TRUE(contains(r.text, "FAILED")) << r.text;
  EXPECT_EQ(callsTo("POST", "/api/2.0/workspace/delete").size(), 1u) << "temp file removed";
}

TEST_F(ComputeToolsTest, ServerlessIsPythonOnly) {
  ToolHarness h(fake().url());
  const auto r = h.call("execute_code", {{"code", "SELECT 1"}, {"language", "sql"}});
  EXPECT_TRUE(r.isError);
  EXPECT_TRUE(contains(r.text, "Python only")) << r.text;
  EXPECT_TRUE(fake().calls().empty());
  const auto ctxOnly = h.call("execute_code", {{"code", "print(1)"}, {"context_id", "1"}});
  EXPECT_EQ(ctxOnly.status, DK_ERR_INVALID_ARGUMENT);
}

TEST_F(ComputeToolsTest, DefaultClusterComesFromTheConfig) {
  ToolHarness h(fake().url(), {{"cluster_id", "0101-alice"}});
  const auto r = h.call("execute_code", {{"code", "print(6 * 7)"}});
  ASSERT_FALSE(r.isError) << r.text;
  EXPECT_TRUE(contains(r.text, "42"));
  EXPECT_TRUE(callsTo("POST", "/api/2.2/jobs/runs/submit").empty());
}

TEST_F(ComputeToolsTest, RunPythonFileOnServerlessWithParameters) {
  ToolHarness h(fake().url());
  write("jobs/argv.py", "import sys\nprint('args', sys.argv[1:])\n");
  const auto r =
      h.call("run_python_file",
             {{"local_path", "jobs/argv.py"}, {"parameters", {"--date", "2025-01-31"}}}, ctx());
  ASSERT_FALSE(r.isError) << r.text;
  EXPECT_TRUE(contains(r.text, "args ['--date', '2025-01-31']")) << r.text;
  const json submits = callsTo("POST", "/api/2.2/jobs/runs/submit");
  ASSERT_EQ(submits.size(), 1u);
  EXPECT_EQ(submits[0]["body"]["tasks"][0]["spark_python_task"]["parameters"],
            json({"--date", "2025-01-31"}));
}

TEST_F(ComputeToolsTest, RunPythonFileOnAClusterSetsArgv) {
  ToolHarness h(fake().url());
  write("jobs/argv.py", "import sys\nprint('args', sys.argv[1:])\n");
  const auto r = h.call("run_python_file",
                        {{"local_path", "jobs/argv.py"},
                         {"cluster_id", "0101-alice"},
                         {"parameters", {"a b", "it's"}}},
                        ctx());
  ASSERT_FALSE(r.isError) << r.text;
  EXPECT_TRUE(contains(r.text, "args ['a b', \"it's\"]")) << r.text;
}

TEST_F(ComputeToolsTest, RunPythonFileOnAClusterKeepsFutureImportsFirst) {
  ToolHarness h(fake().url());
  write("jobs/future.py",
        "from __future__ import annotations\nimport sys\n\n\ndef f(x: Later) -> None: ...\n\n"
        "print('first arg', sys.argv[1])\n");
  const auto r = h.call(
      "run_python_file",
      {{"local_path", "jobs/future.py"}, {"cluster_id", "0101-alice"}, {"parameters", {"hello"}}},
      ToolHarness::context("", project_.string(), freshEmail("alice")));
  ASSERT_FALSE(r.isError) << r.text;
  EXPECT_TRUE(contains(r.text, "first arg hello")) << r.text;
  // argv is set by its own command; the file's source is sent unchanged.
  const json executes = callsTo("POST", "/api/1.2/commands/execute");
  ASSERT_EQ(executes.size(), 2u);
  EXPECT_TRUE(contains(executes[0]["body"]["command"], "argv")) << executes[0].dump();
  EXPECT_EQ(executes[0]["body"]["contextId"], executes[1]["body"]["contextId"]);
  EXPECT_EQ(executes[1]["body"]["command"].get<std::string>().rfind("from __future__", 0), 0u);
}

TEST_F(ComputeToolsTest, RunPythonFileFromTheWorkspaceKeepsTheFile) {
  ToolHarness h(fake().url());
  write("w.py", "print('from workspace')\n");
  ASSERT_FALSE(h.call("upload_file",
                      {{"local_path", "w.py"}, {"remote_path", "/Users/alice@example.com/w.py"}},
                      ctx())
                   .isError);
  fake().clearCalls();
  const auto r =
      h.call("run_python_file", {{"workspace_path", "/Users/alice@example.com/w.py"}}, ctx());
  ASSERT_FALSE(r.isError) << r.text;
  EXPECT_TRUE(contains(r.text, "from workspace")) << r.text;
  const json submits = callsTo("POST", "/api/2.2/jobs/runs/submit");
  ASSERT_EQ(submits.size(), 1u);
  EXPECT_EQ(submits[0]["body"]["tasks"][0]["spark_python_task"]["python_file"],
            "/Workspace/Users/alice@example.com/w.py");
  EXPECT_TRUE(callsTo("POST", "/api/2.0/workspace/delete").empty());

  const auto both =
      h.call("run_python_file",
             {{"workspace_path", "/Users/alice@example.com/w.py"}, {"local_path", "w.py"}}, ctx());
  EXPECT_EQ(both.status, DK_ERR_INVALID_ARGUMENT);
  const auto traversal = h.call("run_python_file", {{"local_path", "../x.py"}}, ctx());
  EXPECT_EQ(traversal.status, DK_ERR_INVALID_ARGUMENT);
}

TEST_F(ComputeToolsTest, CallsCarryTheCallersOwnToken) {
  ToolHarness h(fake().url());
  // Alice first, on the same cluster bob uses below: bob must not get her cached context.
  const json alice = ToolHarness::context("dapi-alice", project_.string(), freshEmail("alice"));
  const auto aliceRun = h.call(
      "execute_code",
      {{"code", "secret = 'alice'\nprint('alice on cluster')"}, {"cluster_id", "0101-alice"}},
      alice);
  ASSERT_FALSE(aliceRun.isError) << aliceRun.text;
  fake().clearCalls();
  const std::string bobEmail = freshEmail("bob");
  const json bob = ToolHarness::context("dapi-bob", project_.string(), bobEmail);
  const auto serverless = h.call("execute_code", {{"code", "print('bob here')"}}, bob);
  ASSERT_FALSE(serverless.isError) << serverless.text;
  EXPECT_TRUE(contains(serverless.text, "bob here"));
  const auto onCluster = h.call(
      "execute_code", {{"code", "print('bob on cluster')"}, {"cluster_id", "0101-alice"}}, bob);
  ASSERT_FALSE(onCluster.isError) << onCluster.text;
  const json calls = fake().calls();
  ASSERT_GE(calls.size(), 6u);
  for (const auto& c : calls) EXPECT_EQ(c["token"], "dapi-bob") << c.dump();
  const json submits = callsTo("POST", "/api/2.2/jobs/runs/submit");
  ASSERT_EQ(submits.size(), 1u);
  const std::string file = submits[0]["body"]["tasks"][0]["spark_python_task"]["python_file"];
  EXPECT_EQ(file.rfind("/Workspace/Users/" + bobEmail + "/.devkit/tmp/", 0), 0u) << file;
  EXPECT_FALSE(contains(onCluster.text, "(reused)")) << onCluster.text;
  const json bobCreates = callsTo("POST", "/api/1.2/contexts/create");
  ASSERT_EQ(bobCreates.size(), 1u) << "bob got his own context, not alice's cached one";
  EXPECT_EQ(bobCreates[0]["token"], "dapi-bob");
  const auto peek = h.call(
      "execute_code",
      {{"code", "print(globals().get('secret', 'none'))"}, {"cluster_id", "0101-alice"}}, bob);
  ASSERT_FALSE(peek.isError) << peek.text;
  EXPECT_TRUE(contains(peek.text, "none")) << peek.text;
}

TEST_F(ComputeToolsTest, EachCallerGetsAContextCreatedWithTheirToken) {
  ToolHarness h(fake().url());
  const json alice = ToolHarness::context("dapi-alice", project_.string(), freshEmail("alice"));
  const json bob = ToolHarness::context("dapi-bob", project_.string(), freshEmail("bob"));
  for (const json* who : {&alice, &bob, &alice, &bob}) {
    const auto r =
        h.call("execute_code", {{"code", "print(7)"}, {"cluster_id", "0101-alice"}}, *who);
    ASSERT_FALSE(r.isError) << r.text;
  }
  const json creates = callsTo("POST", "/api/1.2/contexts/create");
  ASSERT_EQ(creates.size(), 2u) << "one per user, then each reuses their own";
  EXPECT_EQ(creates[0]["token"], "dapi-alice");
  EXPECT_EQ(creates[1]["token"], "dapi-bob");
  const json executes = callsTo("POST", "/api/1.2/commands/execute");
  ASSERT_EQ(executes.size(), 4u);
  EXPECT_EQ(executes[0]["body"]["contextId"], executes[2]["body"]["contextId"]);
  EXPECT_EQ(executes[1]["body"]["contextId"], executes[3]["body"]["contextId"]);
  EXPECT_NE(executes[0]["body"]["contextId"], executes[1]["body"]["contextId"]);
}

TEST_F(ComputeToolsTest, ConcurrentCallsCreateOneContext) {
  ToolHarness h(fake().url());
  fake().settings({{"context_pending_polls", 3}});  // creation takes a few polls: the calls overlap
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  const json me = ToolHarness::context("", project_.string(), freshEmail("alice"));
  for (int i = 0; i < 3; ++i) {
    threads.emplace_back([&] {
      const auto r =
          h.call("execute_code", {{"code", "print('hi')"}, {"cluster_id", "0101-alice"}}, me);
      if (r.status == DK_OK && !r.isError) ++ok;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 3);
  EXPECT_EQ(callsTo("POST", "/api/1.2/contexts/create").size(), 1u);
  EXPECT_TRUE(callsTo("POST", "/api/1.2/contexts/destroy").empty());
}

TEST_F(ComputeToolsTest, McpCancelCancelsTheCommandAndTheRun) {
  ToolHarness h(fake().url());
  {
    CancelFlag cancel;
    std::thread timer = cancel.raiseAfter(std::chrono::milliseconds(1500));
    const auto r = h.call("execute_code",
                          {{"code", "import time\ntime.sleep(20)"}, {"cluster_id", "0101-alice"}},
                          ToolHarness::context(), cancel.get());
    timer.join();
    EXPECT_EQ(r.status, DK_ERR_CANCELLED) << r.text;
    const json cancels = callsTo("POST", "/api/1.2/commands/cancel");
    ASSERT_EQ(cancels.size(), 1u) << "the command is cancelled on the cluster too";
  }
  {
    fake().settings({{"run_polls", 1000}});  // the run stays RUNNING until cancelled
    CancelFlag cancel;
    std::thread timer = cancel.raiseAfter(std::chrono::milliseconds(1500));
    const auto r =
        h.call("execute_code", {{"code", "print(1)"}}, ToolHarness::context(), cancel.get());
    timer.join();
    EXPECT_EQ(r.status, DK_ERR_CANCELLED) << r.text;
    const json cancels = callsTo("POST", "/api/2.2/jobs/runs/cancel");
    ASSERT_EQ(cancels.size(), 1u);
    EXPECT_EQ(callsTo("POST", "/api/2.0/workspace/delete").size(), 1u) << "temp file removed";
  }
}

TEST(ComputeToolsUnit, ErrorSummariesLoseHtmlAndAnsi) {
  EXPECT_EQ(
      compute::stripHtml("<span class='ansi-red-fg'>ValueError</span>: a &lt; b &amp;&amp; c"),
      "ValueError: a < b && c");
  EXPECT_EQ(compute::stripAnsi("\x1B[0;31mValueError\x1B[0m: boom"), "ValueError: boom");
}

TEST(ComputeToolsUnit, TablesAreRenderedAndCut) {
  const json schema =
      json::parse(R"([{"name":"id","type":"int"},{"name":"note","type":"string"}])");
  const json rows = json::parse(R"([[1,"a|b"],[2,null],[3,"x\ny"]])");
  size_t shown = 0;
  const std::string table = compute::renderTable(schema, rows, 10000, &shown);
  EXPECT_EQ(shown, 3u);
  EXPECT_EQ(table, "| id | note |\n| --- | --- |\n| 1 | a\\|b |\n| 2 | null |\n| 3 | x y |\n");
  compute::renderTable(schema, rows, 41, &shown);  // the header (28) and one row (13)
  EXPECT_EQ(shown, 1u);
}

}  // namespace
}  // namespace devkit::databricks::testing
