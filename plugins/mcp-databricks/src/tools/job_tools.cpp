// Jobs tools (databricks-api.md §7, §3.3): create_job, list_jobs, run_job_now, get_run,
// cancel_run, list_runs.
#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "tools/tool.hpp"

namespace devkit::databricks {
namespace {

using namespace std::chrono_literals;

constexpr const char* kJobsApi = "/api/2.2/jobs";
constexpr size_t kMaxOutputChars = 8000;  // per logs / trace / notebook result of one task
constexpr size_t kMaxTasksWithOutput = 50;

[[noreturn]] void invalid(const std::string& message) {
  throw devkit::sdk::Error(DK_ERR_INVALID_ARGUMENT, message);
}

std::string stringOr(const json& object, const char* key, const std::string& fallback = "") {
  if (object.is_object() && object.contains(key) && object[key].is_string()) {
    return object[key].get<std::string>();
  }
  return fallback;
}

// The head of a long text (results read top-down).
std::string head(const std::string& text, size_t max = kMaxOutputChars) {
  if (text.size() <= max) return text;
  return text.substr(0, max) + "\n... (" + std::to_string(text.size() - max) + " more chars)";
}

// The tail of a long text (logs and tracebacks end with what matters).
std::string tail(const std::string& text, size_t max = kMaxOutputChars) {
  if (text.size() <= max) return text;
  return "(" + std::to_string(text.size() - max) + " earlier chars omitted) ...\n" +
         text.substr(text.size() - max);
}

int64_t requireInteger(const ToolContext& ctx, const char* name) {
  if (!ctx.args().contains(name) || ctx.args()[name].is_null()) {
    invalid(std::string("'") + name + "' is required");
  }
  int64_t value = ctx.integer(name, 0);
  if (value <= 0) invalid(std::string("'") + name + "' must be a positive id");
  return value;
}

// Unknown job/run ids come back as 400 INVALID_PARAMETER_VALUE "... does not exist" (the
// quirk of jobs/get and runs/get); say it plainly.
template <typename F>
auto withNotFound(const std::string& what, int64_t id, const char* listTool, F&& call) {
  try {
    return call();
  } catch (const ApiError& e) {
    if (e.notFound()) {
      throw ToolFailure(what + " " + std::to_string(id) + " does not exist (" + e.errorCode() +
                        ": " + e.message() + "). Check the id with " + listTool + ".");
    }
    throw;
  }
}

std::string newUuid() {
  static thread_local std::mt19937_64 random{std::random_device{}()};
  const uint64_t a = random(), b = random();
  char text[37];
  std::snprintf(text, sizeof text, "%08x-%04x-4%03x-%04x-%012llx", static_cast<unsigned>(a >> 32),
                static_cast<unsigned>((a >> 16) & 0xffff), static_cast<unsigned>(a & 0x0fff),
                static_cast<unsigned>(0x8000 | ((b >> 48) & 0x3fff)),
                static_cast<unsigned long long>(b & 0xffffffffffffULL));
  return text;
}

json optionalArg(const ToolContext& ctx, const char* name) {
  if (!ctx.args().contains(name)) return nullptr;
  return ctx.args()[name];
}

// --- create_job -----------------------------------------------------------------------------

void validateTasks(const json& tasks) {
  if (!tasks.is_array() || tasks.empty()) {
    invalid("'tasks' must be a non-empty array of task objects");
  }
  std::set<std::string> keys;
  for (size_t i = 0; i < tasks.size(); ++i) {
    const json& task = tasks[i];
    const std::string where = "tasks[" + std::to_string(i) + "]";
    if (!task.is_object()) invalid(where + " must be an object");
    const std::string key = stringOr(task, "task_key");
    if (key.empty()) invalid(where + " needs a 'task_key' (a unique name within the job)");
    if (!keys.insert(key).second) invalid("task_key '" + key + "' is used twice");
    std::vector<std::string> types;
    for (const auto& [name, value] : task.items()) {
      if (name.size() > 5 && name.ends_with("_task") && !value.is_null()) types.push_back(name);
    }
    if (types.size() != 1) {
      std::string found;
      for (const auto& t : types) found += (found.empty() ? "" : ", ") + t;
      invalid(where + " ('" + key +
              "') needs exactly one task type (notebook_task, "
              "spark_python_task, python_wheel_task, sql_task, pipeline_task, run_job_task, ...)" +
              (types.empty() ? std::string(", found none") : ", found " + found));
    }
  }
  // depends_on must name tasks of this job.
  for (const auto& task : tasks) {
    for (const auto& dep : task.value("depends_on", json::array())) {
      const std::string target = stringOr(dep, "task_key");
      if (!keys.count(target)) {
        invalid("task '" + stringOr(task, "task_key") + "' depends on unknown task_key '" + target +
                "'");
      }
    }
  }
}

ToolResult createJob(ToolContext& ctx) {
  const std::string name = ctx.str("name");
  if (name.empty()) invalid("'name' is required");
  json tasks = optionalArg(ctx, "tasks");
  validateTasks(tasks);
  json settings = {{"name", name}, {"tasks", tasks}};
  for (const char* key : {"environments", "job_clusters", "parameters"}) {
    json value = optionalArg(ctx, key);
    if (value.is_null()) continue;
    if (!value.is_array()) invalid(std::string("'") + key + "' must be an array");
    settings[key] = value;
  }
  for (const char* key : {"schedule", "tags"}) {
    json value = optionalArg(ctx, key);
    if (value.is_null()) continue;
    if (!value.is_object()) invalid(std::string("'") + key + "' must be an object");
    settings[key] = value;
  }
  if (ctx.args().contains("max_concurrent_runs")) {
    settings["max_concurrent_runs"] = ctx.integer("max_concurrent_runs", 1);
  }
  json response = ctx.client().post(std::string(kJobsApi) + "/create", settings);
  if (!response.contains("job_id")) {
    throw ToolFailure("Databricks answered without a job_id; check list_jobs for '" + name +
                      "' before creating it again.");
  }
  const json jobId = response["job_id"];
  std::vector<std::string> taskKeys;
  for (const auto& task : tasks) taskKeys.push_back(task["task_key"]);
  return ToolResult::structured({{"job_id", jobId},
                                 {"name", name},
                                 {"tasks", taskKeys},
                                 {"link", "/jobs/" + jobId.dump()},
                                 {"url", ctx.client().host() + "/jobs/" + jobId.dump()},
                                 {"note", "Start it with run_job_now."}});
}

// --- list_jobs ------------------------------------------------------------------------------

ToolResult listJobs(ToolContext& ctx) {
  const auto limit = static_cast<size_t>(std::clamp<int64_t>(ctx.integer("limit", 25), 1, 1000));
  Query query{{"limit", std::to_string(std::min<size_t>(limit, 100))}};
  if (auto name = ctx.optStr("name"); name && !name->empty()) query.emplace_back("name", *name);
  bool truncated = false;
  json jobs =
      ctx.client().getAllPages(std::string(kJobsApi) + "/list", query, "jobs", limit, &truncated);
  json items = json::array();
  for (const auto& job : jobs) {
    json settings = job.value("settings", json::object());
    json item = {{"job_id", job.value("job_id", json())},
                 {"name", stringOr(settings, "name")},
                 {"creator_user_name", stringOr(job, "creator_user_name")},
                 {"created_time", job.value("created_time", json())}};
    if (settings.contains("schedule")) item["schedule"] = settings["schedule"];
    items.push_back(item);
  }
  json answer = {{"count", items.size()}, {"jobs", items}};
  if (truncated) {
    answer["more"] = true;
    answer["note"] = "More jobs exist; raise 'limit' or filter by 'name'.";
  }
  return ToolResult::structured(capForAnswer(ctx, "list_jobs", answer, "jobs"));
}

// --- runs -----------------------------------------------------------------------------------

bool runFinished(const std::string& lifeCycle) {
  return lifeCycle == "TERMINATED" || lifeCycle == "SKIPPED" || lifeCycle == "INTERNAL_ERROR";
}

json stateSummary(const json& run) {
  json state = run.value("state", json::object());
  json out = {{"life_cycle_state", stringOr(state, "life_cycle_state")}};
  if (!stringOr(state, "result_state").empty()) out["result_state"] = state["result_state"];
  if (!stringOr(state, "state_message").empty()) out["state_message"] = state["state_message"];
  if (run.contains("status") && run["status"].is_object()) {
    json status = run["status"];
    if (status.contains("termination_details")) {
      out["termination"] = status["termination_details"];
    }
  }
  return out;
}

// runs/get, following the 2.2 paging of the tasks array.
json fetchRun(ToolContext& ctx, int64_t runId) {
  return withNotFound("run", runId, "list_runs", [&] {
    const std::string path = std::string(kJobsApi) + "/runs/get";
    json run = ctx.client().get(path, {{"run_id", std::to_string(runId)}});
    std::string token = stringOr(run, "next_page_token");
    for (int page = 0; !token.empty() && page < 20; ++page) {
      json more =
          ctx.client().get(path, {{"run_id", std::to_string(runId)}, {"page_token", token}});
      for (const auto& task : more.value("tasks", json::array())) run["tasks"].push_back(task);
      token = stringOr(more, "next_page_token");
    }
    return run;
  });
}

json outputSummary(const json& output) {
  json out = json::object();
  if (output.contains("notebook_output") && output["notebook_output"].is_object()) {
    const json& notebook = output["notebook_output"];
    if (notebook.contains("result")) {
      out["notebook_result"] = head(stringOr(notebook, "result", notebook["result"].dump()));
    }
    if (notebook.value("truncated", false)) out["notebook_result_truncated"] = true;
  }
  if (!stringOr(output, "logs").empty()) out["logs"] = tail(stringOr(output, "logs"));
  if (output.value("logs_truncated", false)) out["logs_truncated"] = true;
  if (!stringOr(output, "error").empty()) out["error"] = head(stringOr(output, "error"), 2000);
  if (!stringOr(output, "error_trace").empty()) {
    out["error_trace"] = tail(stringOr(output, "error_trace"));
  }
  if (output.contains("sql_output")) out["sql_output"] = output["sql_output"];
  return out;
}

// A run with each task's state and, when asked, its output read through the TASK run id (the
// parent id of a multi-task run is refused with a 400).
json runSummary(ToolContext& ctx, const json& run, bool includeOutput) {
  json answer = {{"run_id", run.value("run_id", json())}, {"state", stateSummary(run)}};
  for (const char* key : {"job_id", "run_name", "run_page_url", "start_time", "end_time",
                          "run_duration", "number_in_job"}) {
    if (run.contains(key) && !run[key].is_null()) answer[key] = run[key];
  }
  json tasks = json::array();
  size_t withOutput = 0;
  for (const auto& task : run.value("tasks", json::array())) {
    json item = {{"task_key", stringOr(task, "task_key")},
                 {"run_id", task.value("run_id", json())},
                 {"state", stateSummary(task)}};
    if (includeOutput && task.contains("run_id") && task["run_id"].is_number_integer()) {
      const std::string lifeCycle =
          stringOr(task.value("state", json::object()), "life_cycle_state");
      if (lifeCycle == "PENDING" || lifeCycle == "QUEUED" || lifeCycle == "BLOCKED" ||
          lifeCycle == "SKIPPED") {
        item["output"] = nullptr;  // nothing ran yet
      } else if (withOutput >= kMaxTasksWithOutput) {
        item["output_note"] = "not read (more than " + std::to_string(kMaxTasksWithOutput) +
                              " tasks); use get_run on this task's run_id";
      } else {
        ++withOutput;
        try {
          json output = ctx.client().get(std::string(kJobsApi) + "/runs/get-output",
                                         {{"run_id", task["run_id"].dump()}});
          item["output"] = outputSummary(output);
        } catch (const ApiError& e) {
          item["output_error"] = e.errorCode() + ": " + e.message();
        }
      }
    }
    tasks.push_back(item);
  }
  answer["tasks"] = tasks;
  return answer;
}

ToolResult getRun(ToolContext& ctx) {
  const int64_t runId = requireInteger(ctx, "run_id");
  json run = fetchRun(ctx, runId);
  json answer = runSummary(ctx, run, ctx.boolean("include_output", true));
  // A task run id (no tasks of its own): its output is read directly.
  if (answer["tasks"].empty() && ctx.boolean("include_output", true) &&
      runFinished(answer["state"].value("life_cycle_state", ""))) {
    try {
      answer["output"] = outputSummary(ctx.client().get(std::string(kJobsApi) + "/runs/get-output",
                                                        {{"run_id", std::to_string(runId)}}));
    } catch (const ApiError& e) {
      answer["output_error"] = e.errorCode() + ": " + e.message();
    }
  }
  return ToolResult::structured(capForAnswer(ctx, "get_run", answer, "tasks"));
}

// Polls runs/get until the run is over, with a progress note on each state change.
json waitForRun(ToolContext& ctx, int64_t runId, std::chrono::seconds timeout, bool* timedOut) {
  const auto start = std::chrono::steady_clock::now();
  std::string last;
  double note = 0;
  for (int poll = 0;; ++poll) {
    json run = fetchRun(ctx, runId);
    json state = run.value("state", json::object());
    const std::string lifeCycle = stringOr(state, "life_cycle_state");
    const std::string label =
        lifeCycle +
        (stringOr(state, "result_state").empty() ? "" : " " + stringOr(state, "result_state"));
    if (label != last) {
      last = label;
      ctx.progress(++note, std::nullopt, "run " + std::to_string(runId) + ": " + label);
    }
    if (runFinished(lifeCycle)) {
      *timedOut = false;
      return run;
    }
    if (std::chrono::steady_clock::now() - start >= timeout) {
      *timedOut = true;
      return run;
    }
    ctx.client().wait(poll < 5 ? 1000ms : 3000ms);
  }
}

std::chrono::seconds timeoutArg(const ToolContext& ctx, int64_t fallback) {
  return std::chrono::seconds(std::clamp<int64_t>(ctx.integer("timeout_s", fallback), 1, 86400));
}

ToolResult runJobNow(ToolContext& ctx) {
  const int64_t jobId = requireInteger(ctx, "job_id");
  std::string token = ctx.str("idempotency_token");
  if (token.empty()) token = newUuid();
  if (token.size() > 64) invalid("'idempotency_token' is at most 64 characters");
  json body = {{"job_id", jobId}, {"idempotency_token", token}};
  json parameters = optionalArg(ctx, "job_parameters");
  if (!parameters.is_null()) {
    if (!parameters.is_object()) invalid("'job_parameters' must be an object of name -> value");
    json strings = json::object();
    for (const auto& [key, value] : parameters.items()) {
      strings[key] = value.is_string() ? value.get<std::string>() : value.dump();
    }
    body["job_parameters"] = strings;
  }
  // The token makes a retry after a timeout safe: Databricks launches one run per token.
  json response = withNotFound("job", jobId, "list_jobs", [&] {
    return ctx.client().post(std::string(kJobsApi) + "/run-now", body, true);
  });
  if (!response.contains("run_id")) {
    throw ToolFailure(
        "Databricks answered without a run_id; list_runs shows whether the run "
        "started (retrying with the same idempotency_token is safe).");
  }
  const int64_t runId = response["run_id"].get<int64_t>();
  json answer = {{"job_id", jobId}, {"run_id", runId}, {"idempotency_token", token}};
  if (response.contains("number_in_job")) answer["number_in_job"] = response["number_in_job"];
  if (!ctx.boolean("wait", false)) {
    answer["note"] = "The run started; follow it with get_run.";
    return ToolResult::structured(answer);
  }
  bool timedOut = false;
  json run = waitForRun(ctx, runId, timeoutArg(ctx, 3600), &timedOut);
  json summary = runSummary(ctx, run, !timedOut);
  summary["idempotency_token"] = token;
  if (timedOut) {
    summary["timed_out"] = true;
    summary["note"] = "The run is still going; follow it with get_run or stop it with cancel_run.";
  }
  return ToolResult::structured(capForAnswer(ctx, "run_job_now", summary, "tasks"));
}

ToolResult cancelRun(ToolContext& ctx) {
  const int64_t runId = requireInteger(ctx, "run_id");
  withNotFound("run", runId, "list_runs", [&] {
    return ctx.client().post(std::string(kJobsApi) + "/runs/cancel", {{"run_id", runId}}, true);
  });
  json answer = {{"run_id", runId}, {"cancel_requested", true}};
  if (!ctx.boolean("wait", false)) {
    answer["note"] = "Cancellation is asynchronous; get_run shows TERMINATED once it is done.";
    return ToolResult::structured(answer);
  }
  bool timedOut = false;
  json run = waitForRun(ctx, runId, timeoutArg(ctx, 600), &timedOut);
  answer["state"] = stateSummary(run);
  if (timedOut) answer["timed_out"] = true;
  return ToolResult::structured(answer);
}

ToolResult listRuns(ToolContext& ctx) {
  const bool activeOnly = ctx.boolean("active_only", false);
  const bool completedOnly = ctx.boolean("completed_only", false);
  if (activeOnly && completedOnly) {
    invalid("'active_only' and 'completed_only' are mutually exclusive; give at most one");
  }
  const auto limit = static_cast<size_t>(std::clamp<int64_t>(ctx.integer("limit", 25), 1, 1000));
  Query query{{"limit", std::to_string(std::min<size_t>(limit, 25))}};
  int64_t jobId = 0;
  if (ctx.args().contains("job_id") && !ctx.args()["job_id"].is_null()) {
    jobId = requireInteger(ctx, "job_id");
    query.emplace_back("job_id", std::to_string(jobId));
  }
  if (activeOnly) query.emplace_back("active_only", "true");
  if (completedOnly) query.emplace_back("completed_only", "true");
  bool truncated = false;
  json runs = jobId > 0 ? withNotFound("job", jobId, "list_jobs",
                                       [&] {
                                         return ctx.client().getAllPages(
                                             std::string(kJobsApi) + "/runs/list", query, "runs",
                                             limit, &truncated);
                                       })
                        : ctx.client().getAllPages(std::string(kJobsApi) + "/runs/list", query,
                                                   "runs", limit, &truncated);
  json items = json::array();
  for (const auto& run : runs) {
    json item = {{"run_id", run.value("run_id", json())}, {"state", stateSummary(run)}};
    for (const char* key :
         {"job_id", "run_name", "start_time", "end_time", "run_page_url", "run_type"}) {
      if (run.contains(key) && !run[key].is_null()) item[key] = run[key];
    }
    items.push_back(item);
  }
  json answer = {{"count", items.size()}, {"runs", items}};
  if (truncated) {
    answer["more"] = true;
    answer["note"] = "More runs exist; raise 'limit' or filter by job_id.";
  }
  return ToolResult::structured(capForAnswer(ctx, "list_runs", answer, "runs"));
}

// --- schemas --------------------------------------------------------------------------------

json objectSchema(json properties, json required) {
  return {{"type", "object"},
          {"properties", std::move(properties)},
          {"required", std::move(required)},
          {"additionalProperties", false}};
}

json idProperty(const char* what) {
  return {{"type", "integer"}, {"minimum", 1}, {"description", what}};
}

json flag(bool fallback, const char* what) {
  return {{"type", "boolean"}, {"default", fallback}, {"description", what}};
}

}  // namespace

void registerJobTools(ToolRegistry& registry) {
  registry.add(ToolDef{
      .name = "create_job",
      .title = "Create a job",
      .description =
          "Creates a Lakeflow job from task definitions (the Jobs API JobSettings 'tasks' array, "
          "passed through). Each task needs a unique task_key and exactly one task type "
          "(notebook_task, spark_python_task, python_wheel_task, sql_task, pipeline_task, "
          "run_job_task, ...); a task without existing_cluster_id, new_cluster or "
          "job_cluster_key runs on serverless (Python script/wheel tasks then need an "
          "environment_key naming one of 'environments'). Each call creates a new job. Returns "
          "{job_id, name, tasks, link}.\nExample: {\"name\": \"nightly\", \"tasks\": "
          "[{\"task_key\": \"main\", \"notebook_task\": {\"notebook_path\": "
          "\"/Workspace/Users/me@example.com/etl\"}}]}",
      .inputSchema = objectSchema(
          {{"name", {{"type", "string"}, {"minLength", 1}, {"description", "Job name."}}},
           {"tasks",
            {{"type", "array"},
             {"minItems", 1},
             {"items", {{"type", "object"}}},
             {"description",
              "Jobs API task objects: {task_key, <one *_task>, "
              "depends_on?, environment_key? | existing_cluster_id? | "
              "job_cluster_key?, ...}."}}},
           {"environments",
            {{"type", "array"},
             {"items", {{"type", "object"}}},
             {"description",
              "Serverless environments: [{environment_key, "
              "spec: {environment_version, dependencies[]}}]."}}},
           {"job_clusters",
            {{"type", "array"},
             {"items", {{"type", "object"}}},
             {"description",
              "Shared job clusters: [{job_cluster_key, "
              "new_cluster}]."}}},
           {"parameters",
            {{"type", "array"},
             {"items", {{"type", "object"}}},
             {"description", "Job parameters: [{name, default}]."}}},
           {"schedule",
            {{"type", "object"},
             {"description",
              "{quartz_cron_expression, timezone_id, "
              "pause_status?}."}}},
           {"max_concurrent_runs",
            {{"type", "integer"},
             {"minimum", 1},
             {"maximum", 1000},
             {"default", 1},
             {"description", "Runs of this job allowed at once."}}},
           {"tags",
            {{"type", "object"},
             {"additionalProperties", {{"type", "string"}}},
             {"description", "Tags: name -> value."}}}},
          {"name", "tasks"}),
      .outputSchema = nullptr,
      .readOnly = false,
      .destructive = false,
      .idempotent = false,
      .run = createJob});

  registry.add(ToolDef{
      .name = "list_jobs",
      .title = "List jobs",
      .description =
          "Lists the jobs of the workspace, optionally only those with an exact "
          "(case-insensitive) name. Returns {count, jobs[{job_id, name, creator_user_name, "
          "created_time}], more?}.\nExample: {\"name\": \"nightly\"}",
      .inputSchema = objectSchema(
          {{"name", {{"type", "string"}, {"description", "Exact job name (case-insensitive)."}}},
           {"limit",
            {{"type", "integer"},
             {"default", 25},
             {"minimum", 1},
             {"maximum", 1000},
             {"description", "At most this many jobs."}}}},
          json::array()),
      .outputSchema = nullptr,
      .readOnly = true,
      .destructive = false,
      .idempotent = true,
      .run = listJobs});

  registry.add(ToolDef{
      .name = "run_job_now",
      .title = "Run a job now",
      .description =
          "Starts a run of a job, with job parameters. Sends an idempotency token (generated "
          "when not given and returned) so a retry with the same token never starts a second "
          "run. By default returns at once with the run_id; with wait it follows the run with "
          "progress notes and returns like get_run. Returns {job_id, run_id, "
          "idempotency_token}.\nExample: {\"job_id\": 123, \"job_parameters\": {\"date\": "
          "\"2025-01-31\"}, \"wait\": true}",
      .inputSchema =
          objectSchema({{"job_id", idProperty("Job id (from create_job or list_jobs).")},
                        {"job_parameters",
                         {{"type", "object"},
                          {"additionalProperties", {{"type", "string"}}},
                          {"description", "Job parameter values: name -> value."}}},
                        {"idempotency_token",
                         {{"type", "string"},
                          {"maxLength", 64},
                          {"description",
                           "At most one run is started per token; "
                           "default: a new UUID."}}},
                        {"wait", flag(false, "Wait until the run is over, with progress notes.")},
                        {"timeout_s",
                         {{"type", "integer"},
                          {"default", 3600},
                          {"minimum", 1},
                          {"maximum", 86400},
                          {"description",
                           "Give up waiting after this many seconds (the run "
                           "goes on)."}}}},
                       {"job_id"}),
      .outputSchema = nullptr,
      .readOnly = false,
      .destructive = false,
      .idempotent = false,
      .run = runJobNow});

  registry.add(ToolDef{
      .name = "get_run",
      .title = "Get a job run",
      .description =
          "Reads a job run: its state, each task's state and result, and (by default) each "
          "task's output: notebook exit value, stdout/stderr logs, error and traceback (long "
          "texts capped). Outputs are read per task run, so multi-task runs work. Returns "
          "{run_id, state{life_cycle_state, result_state, state_message}, tasks[{task_key, "
          "run_id, state, output{notebook_result, logs, error, error_trace}}]}.\nExample: "
          "{\"run_id\": 456}",
      .inputSchema = objectSchema(
          {{"run_id", idProperty("Run id (from run_job_now or list_runs).")},
           {"include_output", flag(true, "Read each task's output (logs, result, error).")}},
          {"run_id"}),
      .outputSchema = nullptr,
      .readOnly = true,
      .destructive = false,
      .idempotent = true,
      .run = getRun});

  registry.add(ToolDef{
      .name = "cancel_run",
      .title = "Cancel a job run",
      .description =
          "Cancels a job run (asynchronous); with wait, follows it until it is TERMINATED. "
          "Returns {run_id, cancel_requested, state?}.\nExample: {\"run_id\": 456, \"wait\": "
          "true}",
      .inputSchema = objectSchema({{"run_id", idProperty("Run id.")},
                                   {"wait", flag(false, "Wait until the run is terminated.")},
                                   {"timeout_s",
                                    {{"type", "integer"},
                                     {"default", 600},
                                     {"minimum", 1},
                                     {"maximum", 86400},
                                     {"description", "Give up waiting after this many seconds."}}}},
                                  {"run_id"}),
      .outputSchema = nullptr,
      .readOnly = false,
      .destructive = true,
      .idempotent = true,
      .run = cancelRun});

  registry.add(ToolDef{
      .name = "list_runs",
      .title = "List job runs",
      .description =
          "Lists job runs, newest first, of one job or of all jobs; optionally only active or "
          "only completed ones (not both). Returns {count, runs[{run_id, job_id, run_name, "
          "state, start_time, end_time}], more?}.\nExample: {\"job_id\": 123, "
          "\"active_only\": true}",
      .inputSchema =
          objectSchema({{"job_id", idProperty("Only runs of this job.")},
                        {"active_only", flag(false, "Only queued/pending/running runs.")},
                        {"completed_only", flag(false, "Only finished runs.")},
                        {"limit",
                         {{"type", "integer"},
                          {"default", 25},
                          {"minimum", 1},
                          {"maximum", 1000},
                          {"description", "At most this many runs."}}}},
                       json::array()),
      .outputSchema = nullptr,
      .readOnly = true,
      .destructive = false,
      .idempotent = true,
      .run = listRuns});
}

}  // namespace devkit::databricks
