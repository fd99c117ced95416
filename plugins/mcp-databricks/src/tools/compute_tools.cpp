// Compute tools: list_clusters, get_cluster, start_cluster, execute_code, run_python_file.
// The execution machinery (API 1.2 contexts, serverless one-time runs) is in
// compute/execution.hpp.
#include <algorithm>
#include <chrono>

#include "compute/execution.hpp"
#include "files/remote_files.hpp"
#include "tools/tool.hpp"

namespace devkit::databricks {

using nlohmann::json;

namespace {

const std::vector<std::string> kClusterStates = {"PENDING",  "RUNNING",     "RESTARTING",
                                                 "RESIZING", "TERMINATING", "TERMINATED",
                                                 "ERROR",    "UNKNOWN"};

bool isJobCluster(const json& cluster) {
  const std::string source = cluster.value("cluster_source", "");
  return source == "JOB" || source == "PIPELINE" || source == "PIPELINE_MAINTENANCE";
}

ToolResult listClusters(ToolContext& ctx) {
  const auto state = ctx.optStr("state");
  const bool includeJobs = ctx.boolean("include_job_clusters", false);
  if (state &&
      std::find(kClusterStates.begin(), kClusterStates.end(), *state) == kClusterStates.end()) {
    throw devkit::sdk::Error(DK_ERR_INVALID_ARGUMENT,
                             "state must be one of PENDING, RUNNING, "
                             "RESTARTING, RESIZING, TERMINATING, "
                             "TERMINATED, ERROR, UNKNOWN");
  }
  Query query = {{"page_size", "100"}};
  if (state) query.emplace_back("filter_by.cluster_states", *state);
  bool truncated = false;
  const json all =
      ctx.client().getAllPages("/api/2.1/clusters/list", query, "clusters", 2000, &truncated);
  json clusters = json::array();
  size_t hiddenJobClusters = 0;
  for (const auto& c : all) {
    if (state && c.value("state", "") != *state) continue;
    if (!includeJobs && isJobCluster(c)) {
      ++hiddenJobClusters;
      continue;
    }
    clusters.push_back(compute::compactCluster(c));
  }
  // Running clusters first: they are the ones code can run on now.
  std::stable_sort(clusters.begin(), clusters.end(), [](const json& a, const json& b) {
    return (a.value("state", "") == "RUNNING") > (b.value("state", "") == "RUNNING");
  });
  json out = {{"count", clusters.size()}, {"clusters", std::move(clusters)}};
  if (hiddenJobClusters > 0) {
    out["job_clusters_hidden"] = hiddenJobClusters;
  }
  if (truncated) out["more"] = true;
  return ToolResult::structured(capForAnswer(ctx, "list_clusters", std::move(out), "clusters"));
}

ToolResult getClusterTool(ToolContext& ctx) {
  const std::string id = ctx.str("cluster_id");
  const json details = compute::getCluster(ctx.client(), id);
  json out = compute::compactCluster(details);
  for (const char* key : {"driver_node_type_id", "termination_reason", "start_time",
                          "terminated_time", "last_restarted_time", "custom_tags", "runtime_engine",
                          "is_single_node", "kind", "spark_context_id"}) {
    if (const auto it = details.find(key); it != details.end() && !it->is_null()) out[key] = *it;
  }
  return ToolResult::structured(std::move(out));
}

ToolResult startCluster(ToolContext& ctx) {
  const std::string id = ctx.str("cluster_id");
  const bool wait = ctx.boolean("wait", false);
  const auto timeout =
      std::chrono::seconds(std::clamp<int64_t>(ctx.integer("timeout_s", 1200), 1, 7200));
  compute::ProgressCounter progress(ctx);
  std::string note;
  try {
    // Starting twice is harmless (the second gets INVALID_STATE): safe to retry.
    ctx.client().post("/api/2.1/clusters/start", {{"cluster_id", id}}, true);
    note = "the cluster is starting (usually 3 to 10 minutes)";
  } catch (const ApiError& e) {
    if (e.notFound()) {
      throw ToolFailure("cluster " + id +
                        " does not exist (or you cannot see it); list_clusters shows the clusters "
                        "you can use");
    }
    if (e.errorCode() != "INVALID_STATE") throw;
    const json details = compute::getCluster(ctx.client(), id);
    const std::string state = details.value("state", "UNKNOWN");
    if (state == "RUNNING" || state == "RESIZING") {
      json out = compute::compactCluster(details);
      out["already_running"] = true;
      out["message"] = "cluster " + id + " is already running";
      return ToolResult::structured(std::move(out));
    }
    if (state != "PENDING" && state != "RESTARTING") {
      throw ToolFailure("cluster " + id + " cannot be started now: it is " + state + " (" +
                        e.message() + "). Start it again once it is TERMINATED");
    }
    note = "the cluster was already starting";
  }
  if (!wait) {
    json out = compute::compactCluster(compute::getCluster(ctx.client(), id));
    out["message"] = note + "; call start_cluster with wait=true or get_cluster to follow it";
    return ToolResult::structured(std::move(out));
  }
  progress.note("starting cluster " + id);
  json out = compute::compactCluster(compute::waitUntilRunning(ctx, id, timeout, progress));
  out["message"] = "cluster " + id + " is running";
  return ToolResult::structured(std::move(out));
}

std::chrono::seconds timeoutArg(const ToolContext& ctx) {
  return std::chrono::seconds(std::clamp<int64_t>(ctx.integer("timeout_s", 600), 1, 86400));
}

ToolResult clusterAnswer(const ToolContext& ctx, const std::string& tool,
                         const compute::ClusterOutput& out, const std::string& clusterId) {
  ToolResult result =
      ToolResult::text(compute::capText(ctx, tool, out.text.empty() ? "(no output)" : out.text));
  result.addText("cluster " + clusterId + ", execution context " + out.contextId +
                 (out.contextReused ? " (reused)" : " (new)") +
                 ": the next call on this cluster in this language sees the same variables");
  return result;
}

ToolResult serverlessAnswer(const ToolContext& ctx, const std::string& tool,
                            const compute::ServerlessOutput& out) {
  std::string logs = out.logs.empty() ? "(no output)" : out.logs;
  if (out.logsTruncated) logs = "(only the last part of the output is kept)\n" + logs;
  ToolResult result = ToolResult::text(compute::capText(ctx, tool, logs));
  result.addText("serverless run " + std::to_string(out.runId) + " succeeded" +
                 (out.runPageUrl.empty() ? "" : ": " + out.runPageUrl) +
                 " (each serverless call starts fresh: no variables are kept)");
  return result;
}

ToolResult executeCode(ToolContext& ctx) {
  const std::string code = ctx.str("code");
  const std::string language = ctx.str("language", "python");
  if (language != "python" && language != "sql" && language != "scala" && language != "r") {
    throw devkit::sdk::Error(DK_ERR_INVALID_ARGUMENT, "language must be python, sql, scala or r");
  }
  if (code.find_first_not_of(" \t\r\n") == std::string::npos) {
    throw devkit::sdk::Error(DK_ERR_INVALID_ARGUMENT, "code is empty");
  }
  const std::string clusterId = ctx.str("cluster_id", ctx.settings().clusterId);
  const auto contextId = ctx.optStr("context_id");
  if (clusterId.empty()) {
    if (contextId) {
      throw devkit::sdk::Error(DK_ERR_INVALID_ARGUMENT,
                               "context_id needs a cluster_id (serverless keeps no context)");
    }
    if (language != "python") {
      throw ToolFailure("serverless runs Python only; give a cluster_id to run " + language +
                        (language == "sql" ? " (or use execute_sql on a SQL warehouse)" : ""));
    }
    compute::ServerlessRun run;
    run.code = code;
    run.fileLabel = "execute_code";
    run.timeout = timeoutArg(ctx);
    return serverlessAnswer(ctx, "execute_code", compute::runServerless(ctx, run));
  }
  compute::ClusterRun run;
  run.clusterId = clusterId;
  run.language = language;
  run.code = code;
  run.contextId = contextId;
  run.timeout = timeoutArg(ctx);
  run.startIfTerminated = ctx.boolean("start_if_terminated", false);
  return clusterAnswer(ctx, "execute_code", compute::runOnCluster(ctx, run), clusterId);
}

/// A Python list literal of the arguments (JSON strings are valid Python string literals).
std::string pythonArgv(const std::string& name, const std::vector<std::string>& parameters) {
  json argv = json::array({name});
  for (const auto& p : parameters) argv.push_back(p);
  return argv.dump(-1, ' ', true);
}

ToolResult runPythonFile(ToolContext& ctx) {
  const auto localArg = ctx.optStr("local_path");
  const auto workspaceArg = ctx.optStr("workspace_path");
  if (localArg.has_value() == workspaceArg.has_value()) {
    throw devkit::sdk::Error(DK_ERR_INVALID_ARGUMENT,
                             "give exactly one of local_path (a project file) and workspace_path");
  }
  const std::vector<std::string> parameters = ctx.strings("parameters");
  const std::string clusterId = ctx.str("cluster_id", ctx.settings().clusterId);

  std::filesystem::path local;
  std::optional<files::RemotePath> remote;
  std::string name;
  if (localArg) {
    local = ctx.projectPath(*localArg);
    std::error_code ec;
    if (!std::filesystem::is_regular_file(local, ec)) {
      throw ToolFailure("there is no file " + *localArg + " in the project");
    }
    if (std::filesystem::file_size(local, ec) > files::kWorkspaceLimit) {
      throw ToolFailure(*localArg + " is larger than 10 MB; that is too large to run as code");
    }
    name = local.filename().string();
  } else {
    remote = files::parseRemotePath(*workspaceArg);
    name = remote->path.substr(remote->path.find_last_of('/') + 1);
  }

  if (clusterId.empty()) {
    compute::ServerlessRun run;
    run.parameters = parameters;
    run.timeout = timeoutArg(ctx);
    run.fileLabel = name;
    if (localArg) {
      run.code = files::readLocalFile(local);
    } else {
      run.pythonFile = remote->path;
    }
    return serverlessAnswer(ctx, "run_python_file", compute::runServerless(ctx, run));
  }
  compute::ClusterRun run;
  run.clusterId = clusterId;
  run.language = "python";
  run.timeout = timeoutArg(ctx);
  run.startIfTerminated = ctx.boolean("start_if_terminated", false);
  const std::string source =
      localArg ? files::readLocalFile(local) : files::downloadRemote(ctx.client(), *remote).content;
  // argv for argparse-style scripts, set by a separate command in the same context: a line
  // prepended to the source would break `from __future__ import` (it must come first) and shift
  // the traceback line numbers.
  run.setupCode = "import sys as _devkit_sys\n_devkit_sys.argv = " + pythonArgv(name, parameters) +
                  "\ndel _devkit_sys\n";
  run.code = source;
  return clusterAnswer(ctx, "run_python_file", compute::runOnCluster(ctx, run), clusterId);
}

json stringProp(const std::string& description) {
  return {{"type", "string"}, {"description", description}};
}

}  // namespace

void registerComputeTools(ToolRegistry& registry) {
  registry.add(ToolDef{
      "list_clusters",
      "List clusters",
      "List the workspace's all-purpose clusters (running first) with id, name, state, runtime "
      "and size. Use it to find a cluster_id for execute_code. Job and pipeline clusters are "
      "left out unless include_job_clusters. Returns {count, clusters[]}. Example: {\"state\": "
      "\"RUNNING\"}",
      {{"type", "object"},
       {"properties",
        {{"state",
          {{"type", "string"},
           {"enum", kClusterStates},
           {"description", "Only clusters in this state."}}},
         {"include_job_clusters",
          {{"type", "boolean"},
           {"default", false},
           {"description", "Also list clusters created by jobs and pipelines."}}}}},
       {"additionalProperties", false}},
      nullptr,
      true,
      false,
      true,
      listClusters});

  registry.add(ToolDef{
      "get_cluster",
      "Get a cluster",
      "Details of one cluster: state (and why it stopped), runtime, node types, size, access "
      "mode, owner. Example: {\"cluster_id\": \"0123-456789-abcdefgh\"}",
      {{"type", "object"},
       {"properties", {{"cluster_id", stringProp("The cluster id (list_clusters shows them).")}}},
       {"required", {"cluster_id"}},
       {"additionalProperties", false}},
      nullptr,
      true,
      false,
      true,
      getClusterTool});

  registry.add(ToolDef{
      "start_cluster",
      "Start a cluster",
      "Start a terminated cluster; optionally wait until it is RUNNING (progress is reported). "
      "A cluster that is already running is reported as such. Example: {\"cluster_id\": "
      "\"0123-456789-abcdefgh\", \"wait\": true}",
      {{"type", "object"},
       {"properties",
        {{"cluster_id", stringProp("The cluster to start.")},
         {"wait",
          {{"type", "boolean"},
           {"default", false},
           {"description", "Wait until the cluster is RUNNING."}}},
         {"timeout_s",
          {{"type", "integer"},
           {"default", 1200},
           {"minimum", 1},
           {"maximum", 7200},
           {"description", "How long to wait, in seconds (with wait=true)."}}}}},
       {"required", {"cluster_id"}},
       {"additionalProperties", false}},
      nullptr,
      false,
      false,
      true,
      startCluster});

  registry.add(ToolDef{
      "execute_code",
      "Run code on Databricks",
      "Run Python, SQL, Scala or R on an all-purpose cluster (Command Execution API; variables "
      "persist between calls on the same cluster and language), or Python on serverless when no "
      "cluster is given or configured (a one-time job run; nothing persists). Returns the "
      "output (stdout, or a table); an exception is an error with its traceback. Example: "
      "{\"code\": \"print(spark.range(3).count())\", \"cluster_id\": \"0123-456789-abcdefgh\"}",
      {{"type", "object"},
       {"properties",
        {{"code", {{"type", "string"}, {"minLength", 1}, {"description", "The code to run."}}},
         {"language",
          {{"type", "string"},
           {"enum", {"python", "sql", "scala", "r"}},
           {"default", "python"},
           {"description", "Language of the code (serverless: python only)."}}},
         {"cluster_id",
          stringProp("All-purpose cluster to run on; default: the plugin's cluster_id, else "
                     "serverless.")},
         {"context_id",
          stringProp("Execution context to run in (from an earlier answer); default: the one "
                     "kept for you on this cluster and language.")},
         {"timeout_s",
          {{"type", "integer"},
           {"default", 600},
           {"minimum", 1},
           {"maximum", 86400},
           {"description", "Give up (and cancel the code) after this many seconds."}}},
         {"start_if_terminated",
          {{"type", "boolean"},
           {"default", false},
           {"description", "Start the cluster when it is stopped and wait for it."}}}}},
       {"required", {"code"}},
       {"additionalProperties", false}},
      nullptr,
      false,
      false,
      false,
      executeCode});

  registry.add(ToolDef{
      "run_python_file",
      "Run a Python file on Databricks",
      "Run a Python file from the project (local_path) or from the workspace or a volume "
      "(workspace_path) with command-line parameters: on a cluster like execute_code (sys.argv "
      "set), or on serverless as a one-time job run. Returns the output; a failure is an error "
      "with its traceback. Example: {\"local_path\": \"jobs/etl.py\", \"parameters\": "
      "[\"--date\", \"2025-01-31\"]}",
      {{"type", "object"},
       {"properties",
        {{"local_path", stringProp("Python file in the project, relative to the project folder.")},
         {"workspace_path",
          stringProp("Python file in the workspace (/Workspace/...) or a volume (/Volumes/...).")},
         {"cluster_id",
          stringProp("All-purpose cluster to run on; default: the plugin's cluster_id, else "
                     "serverless.")},
         {"parameters",
          {{"type", "array"},
           {"items", {{"type", "string"}}},
           {"default", json::array()},
           {"description", "Command-line arguments (sys.argv[1:])."}}},
         {"timeout_s",
          {{"type", "integer"},
           {"default", 600},
           {"minimum", 1},
           {"maximum", 86400},
           {"description", "Give up (and cancel the run) after this many seconds."}}},
         {"start_if_terminated",
          {{"type", "boolean"},
           {"default", false},
           {"description", "Start the cluster when it is stopped and wait for it."}}}}},
       {"additionalProperties", false}},
      nullptr,
      false,
      false,
      false,
      runPythonFile});
}

}  // namespace devkit::databricks
