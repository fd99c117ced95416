#include "compute/execution.hpp"

#include <algorithm>
#include <cstring>
#include <random>
#include <regex>
#include <sstream>

#include "files/remote_files.hpp"

namespace devkit::databricks::compute {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

namespace {

/// Poll delays: quick at first (short commands finish in a second), then every 5 s.
class Backoff {
 public:
  std::chrono::milliseconds next() {
    const auto d = current_;
    current_ = std::min(current_ * 2, std::chrono::milliseconds(5000));
    return d;
  }

 private:
  std::chrono::milliseconds current_{200};
};

std::string randomHex(size_t n) {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < n; ++i) out += kHex[rng() % 16];
  return out;
}

bool isCancelled(const devkit::sdk::Error& e) { return e.status() == DK_ERR_CANCELLED; }

/// A clean-up call (cancel a command or run, delete a temp file) must not fail the tool: its
/// error is dropped. It goes through an uncancellable copy of the client, so it is sent even
/// after an MCP cancel.
template <class F>
void bestEffort(F&& f) {
  try {
    f();
  } catch (...) {
  }
}

std::string terminationText(const json& details) {
  std::string text;
  const std::string message = details.value("state_message", "");
  if (!message.empty()) text += message;
  if (const auto it = details.find("termination_reason"); it != details.end() && it->is_object()) {
    const std::string code = it->value("code", "");
    if (!code.empty())
      text += (text.empty() ? "" : " ") + std::string("(termination: ") + code + ")";
  }
  return text;
}

std::string jsonCell(const json& v) {
  std::string s = v.is_string() ? v.get<std::string>() : v.is_null() ? "null" : v.dump();
  std::string out;
  for (const char c : s) {
    if (c == '|') {
      out += "\\|";
    } else if (c == '\n' || c == '\r') {
      out += ' ';
    } else {
      out += c;
    }
  }
  return out;
}

std::string workspaceForm(const std::string& path) {
  if (path.starts_with("/Users/") || path.starts_with("/Shared/") || path.starts_with("/Repos/")) {
    return "/Workspace" + path;
  }
  return path;
}

/// Where temporary code files go: the configured folder, else the token owner's home.
std::string tempFolder(ToolContext& ctx) {
  const std::string configured = ctx.settings().workspaceFolder;
  if (!configured.empty()) {
    std::string folder = configured;
    while (folder.size() > 1 && folder.back() == '/') folder.pop_back();
    return workspaceForm(folder) + "/.devkit/tmp";
  }
  std::string user;
  // The caller's e-mail names the home only when the calls carry the caller's own token; with a
  // PAT or the app's service principal the token's owner may be someone else.
  if (ctx.caller().credential == "user" && !ctx.caller().email.empty()) {
    user = ctx.caller().email;
  } else {
    user = ctx.client().get("/api/2.0/preview/scim/v2/Me").value("userName", "");
  }
  if (user.empty()) {
    throw ToolFailure(
        "could not tell whose workspace home to use for the temporary code file; "
        "set the plugin's workspace_folder");
  }
  return "/Workspace/Users/" + user + "/.devkit/tmp";
}

bool isTerminalLifeCycle(const std::string& s) {
  return s == "TERMINATED" || s == "SKIPPED" || s == "INTERNAL_ERROR";
}

std::string tail(const std::string& text, size_t n) {
  return text.size() <= n ? text : "…" + text.substr(text.size() - n);
}

}  // namespace

// --- clusters -------------------------------------------------------------------------------

json compactCluster(const json& d) {
  json out = json::object();
  for (const char* key : {"cluster_id", "cluster_name", "state", "spark_version", "node_type_id",
                          "num_workers", "autoscale", "data_security_mode", "single_user_name",
                          "creator_user_name", "cluster_source", "autotermination_minutes"}) {
    if (const auto it = d.find(key); it != d.end() && !it->is_null()) out[key] = *it;
  }
  if (const std::string msg = d.value("state_message", ""); !msg.empty()) {
    out["state_message"] = msg;
  }
  return out;
}

json getCluster(RestClient& client, const std::string& clusterId) {
  try {
    return client.get("/api/2.1/clusters/get", {{"cluster_id", clusterId}});
  } catch (const ApiError& e) {
    if (e.notFound()) {
      throw ToolFailure("cluster " + clusterId +
                        " does not exist (or you cannot see it); list_clusters shows the clusters "
                        "you can use");
    }
    throw;
  }
}

json waitUntilRunning(ToolContext& ctx, const std::string& clusterId, std::chrono::seconds timeout,
                      ProgressCounter& progress) {
  const auto start = Clock::now();
  const auto deadline = start + timeout;
  Backoff backoff;
  std::string lastState;
  bool sawStarting = false;
  while (true) {
    const json details = getCluster(ctx.client(), clusterId);
    const std::string state = details.value("state", "UNKNOWN");
    if (state == "RUNNING" || state == "RESIZING") return details;
    if (state == "PENDING" || state == "RESTARTING") sawStarting = true;
    if (state == "ERROR" || ((state == "TERMINATED" || state == "TERMINATING") &&
                             (sawStarting || Clock::now() - start > std::chrono::seconds(30)))) {
      throw ToolFailure("cluster " + clusterId + " did not start: it is " + state + ". " +
                        terminationText(details));
    }
    if (state != lastState) {
      progress.note("cluster " + clusterId + " is " + state);
      lastState = state;
    }
    if (Clock::now() >= deadline) {
      throw ToolFailure("cluster " + clusterId + " is still " + state + " after " +
                        std::to_string(timeout.count()) +
                        " s; it keeps starting: check again later with get_cluster");
    }
    ctx.client().wait(
        std::min(backoff.next(),
                 std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()) +
                     std::chrono::milliseconds(1)));
  }
}

// --- context cache --------------------------------------------------------------------------

ContextCache& ContextCache::instance() {
  static ContextCache cache;
  return cache;
}

std::string ContextCache::key(const ToolContext& ctx, const std::string& clusterId,
                              const std::string& language) {
  return ctx.client().host() + "\n" + ctx.caller().credential + "\n" + ctx.caller().email + "\n" +
         clusterId + "\n" + language;
}

std::optional<std::string> ContextCache::find(const std::string& key) {
  std::lock_guard<std::mutex> lock(mutex_);
  const auto it = contexts_.find(key);
  if (it == contexts_.end()) return std::nullopt;
  return it->second;
}

namespace {
// The workspace and cluster of a cache key (host, credential, email, cluster, language).
std::pair<std::string, std::string> hostAndCluster(const std::string& key) {
  std::vector<std::string> parts;
  size_t start = 0;
  for (size_t nl = key.find('\n'); nl != std::string::npos; nl = key.find('\n', start)) {
    parts.push_back(key.substr(start, nl - start));
    start = nl + 1;
  }
  parts.push_back(key.substr(start));
  return parts.size() == 5 ? std::make_pair(parts[0], parts[3]) : std::make_pair(key, key);
}
}  // namespace

std::optional<std::string> ContextCache::put(const std::string& key, const std::string& contextId) {
  std::lock_guard<std::mutex> lock(mutex_);
  // A new context with an id cached under another key means that entry is stale (the cluster
  // restarted and reissues ids): left there, it would run one caller's code in another's context.
  const auto where = hostAndCluster(key);
  for (auto it = contexts_.begin(); it != contexts_.end();) {
    if (it->first != key && it->second == contextId && hostAndCluster(it->first) == where) {
      it = contexts_.erase(it);
    } else {
      ++it;
    }
  }
  std::string& slot = contexts_[key];
  std::optional<std::string> replaced;
  if (!slot.empty() && slot != contextId) replaced = slot;
  slot = contextId;
  return replaced;
}

std::shared_ptr<std::timed_mutex> ContextCache::creationLock(const std::string& key) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto& m = creating_[key];
  if (!m) m = std::make_shared<std::timed_mutex>();
  return m;
}

void ContextCache::forget(const std::string& key, const std::string& contextId) {
  std::lock_guard<std::mutex> lock(mutex_);
  const auto it = contexts_.find(key);
  if (it != contexts_.end() && it->second == contextId) contexts_.erase(it);
}

void ContextCache::clear() {
  std::lock_guard<std::mutex> lock(mutex_);
  contexts_.clear();
}

// --- API 1.2 --------------------------------------------------------------------------------

namespace {

/// Frees a context on the cluster (each holds a REPL; a cluster allows only so many).
void destroyContext(ToolContext& ctx, const std::string& clusterId, const std::string& contextId) {
  bestEffort([&] {
    ctx.client().uncancellable().post("/api/1.2/contexts/destroy",
                                      {{"clusterId", clusterId}, {"contextId", contextId}}, true);
  });
}

std::string createContext(ToolContext& ctx, const ClusterRun& run, const Clock::time_point deadline,
                          ProgressCounter& progress) {
  const json created = ctx.client().post(
      "/api/1.2/contexts/create", {{"clusterId", run.clusterId}, {"language", run.language}});
  const std::string id = created.value("id", "");
  if (id.empty()) throw ToolFailure("the cluster did not return an execution context id");
  progress.note("creating a " + run.language + " execution context on " + run.clusterId);
  Backoff backoff;
  try {
    while (true) {
      const json status = ctx.client().get("/api/1.2/contexts/status",
                                           {{"clusterId", run.clusterId}, {"contextId", id}});
      const std::string state = status.value("status", "");
      if (state == "Running") return id;
      if (state == "Error") {
        throw ToolFailure("the cluster could not create an execution context: " +
                          stripHtml(status.value("error", status.dump())));
      }
      if (Clock::now() >= deadline) {
        throw ToolFailure("the execution context on " + run.clusterId +
                          " was not ready within the timeout; try again");
      }
      ctx.client().wait(backoff.next());
    }
  } catch (...) {
    destroyContext(ctx, run.clusterId, id);  // nobody will use it: do not leave it behind
    throw;
  }
}

/// The cached context for `key` unless it is `stale`; else a new one, created while holding the
/// key's creation lock so concurrent callers wait for it instead of creating their own. A
/// context the new one replaces in the cache is destroyed. *fromCache tells which it was.
std::string obtainContext(ToolContext& ctx, const ClusterRun& run, const std::string& key,
                          const std::optional<std::string>& stale, const Clock::time_point deadline,
                          ProgressCounter& progress, bool* fromCache) {
  ContextCache& cache = ContextCache::instance();
  if (const auto hit = cache.find(key); hit && hit != stale) {
    *fromCache = true;
    return *hit;
  }
  const auto creation = cache.creationLock(key);
  std::unique_lock<std::timed_mutex> lock(*creation, std::defer_lock);
  // Waiting in slices: an MCP cancel or the deadline still ends the wait.
  while (!lock.try_lock_for(std::chrono::milliseconds(200))) {
    if (ctx.client().cancel().cancelled()) {
      throw devkit::sdk::Error(DK_ERR_CANCELLED, "cancelled by the caller");
    }
    if (Clock::now() >= deadline) {
      throw ToolFailure("another call is still creating the execution context on " + run.clusterId +
                        "; try again");
    }
  }
  if (const auto hit = cache.find(key); hit && hit != stale) {
    *fromCache = true;  // created (or recreated) by the call we waited for
    return *hit;
  }
  const std::string id = createContext(ctx, run, deadline, progress);
  if (const auto replaced = cache.put(key, id)) destroyContext(ctx, run.clusterId, *replaced);
  *fromCache = false;
  return id;
}

/// A context the cluster no longer knows (restarted cluster, idle expiry) makes
/// commands/execute fail with a 4xx before anything ran: safe to recreate and send again.
bool contextGone(const ApiError& e) {
  return e.status() >= 400 && e.status() < 500 && e.status() != 401 && e.status() != 403 &&
         e.status() != 429;
}

}  // namespace

ClusterOutput runOnCluster(ToolContext& ctx, const ClusterRun& run) {
  const auto deadline = Clock::now() + run.timeout;
  ProgressCounter progress(ctx);

  // 1. The cluster must be running: API 1.2 calls on a stopped cluster fail obscurely.
  json details = getCluster(ctx.client(), run.clusterId);
  std::string state = details.value("state", "UNKNOWN");
  if (state != "RUNNING" && state != "RESIZING") {
    const std::string name = details.value("cluster_name", "");
    const std::string label = run.clusterId + (name.empty() ? "" : " (" + name + ")");
    if (!run.startIfTerminated) {
      if (state == "PENDING" || state == "RESTARTING") {
        throw ToolFailure("cluster " + label + " is " + state +
                          " (starting); wait for it with start_cluster wait=true, or call again "
                          "with start_if_terminated=true to wait here");
      }
      throw ToolFailure("cluster " + label + " is not running (state " + state +
                        "). Start it with start_cluster, or call again with "
                        "start_if_terminated=true; or omit cluster_id to run on serverless");
    }
    if (state == "TERMINATED") {
      try {
        ctx.client().post("/api/2.1/clusters/start", {{"cluster_id", run.clusterId}}, true);
      } catch (const ApiError& e) {
        if (e.errorCode() != "INVALID_STATE") throw;  // someone else started it meanwhile
      }
      progress.note("starting cluster " + label);
    } else if (state != "PENDING" && state != "RESTARTING") {
      throw ToolFailure("cluster " + label + " is " + state + " and cannot run code now. " +
                        terminationText(details));
    }
    const auto left = std::chrono::duration_cast<std::chrono::seconds>(deadline - Clock::now());
    details =
        waitUntilRunning(ctx, run.clusterId, std::max(left, std::chrono::seconds(1)), progress);
  }

  // 2. A context: the caller's, the cached one, or a new one.
  const std::string cacheKey = ContextCache::key(ctx, run.clusterId, run.language);
  ClusterOutput out;
  bool cached = false;
  if (run.contextId) {
    out.contextId = *run.contextId;
    out.contextReused = true;
  } else {
    out.contextId = obtainContext(ctx, run, cacheKey, std::nullopt, deadline, progress, &cached);
    out.contextReused = cached;
  }

  // 3. Execute and poll each command (the setup first); a cached context that is gone when the
  // first command is sent is recreated once. A timeout or an MCP cancel cancels the command.
  const auto runCommand = [&](std::string code, bool first) -> json {
    const auto firstCode = code.find_first_not_of(" \t\r\n");
    code.erase(0, firstCode == std::string::npos ? code.size() : firstCode);
    std::string commandId;
    for (int attempt = 0;; ++attempt) {
      try {
        const json started =
            ctx.client().post("/api/1.2/commands/execute", {{"clusterId", run.clusterId},
                                                            {"contextId", out.contextId},
                                                            {"language", run.language},
                                                            {"command", code}});
        commandId = started.value("id", "");
        break;
      } catch (const ApiError& e) {
        if (!contextGone(e)) throw;
        if (run.contextId) {
          throw ToolFailure("execution context " + *run.contextId + " cannot run commands (" +
                            e.message() +
                            "); it may be gone after a cluster restart. Call again without "
                            "context_id to get a new one");
        }
        if (!first || !cached || attempt > 0) throw;
        bool again = false;
        out.contextId =
            obtainContext(ctx, run, cacheKey, out.contextId, deadline, progress, &again);
        // Reused only if another call recreated it meanwhile; either way the variables are gone.
        out.contextReused = false;
      }
    }
    if (commandId.empty()) throw ToolFailure("the cluster did not return a command id");
    progress.note("running on " + run.clusterId);

    const json ids = {
        {"clusterId", run.clusterId}, {"contextId", out.contextId}, {"commandId", commandId}};
    const auto cancelCommand = [&] {
      bestEffort([&] { ctx.client().uncancellable().post("/api/1.2/commands/cancel", ids, true); });
    };
    json status;
    Backoff backoff;
    try {
      while (true) {
        status = ctx.client().get(
            "/api/1.2/commands/status",
            {{"clusterId", run.clusterId}, {"contextId", out.contextId}, {"commandId", commandId}});
        const std::string s = status.value("status", "");
        if (s == "Finished" || s == "Error" || s == "Cancelled") break;
        if (Clock::now() >= deadline) {
          cancelCommand();
          throw ToolFailure("the code did not finish within " +
                            std::to_string(run.timeout.count()) +
                            " s and was cancelled; raise timeout_s or run less at once");
        }
        ctx.client().wait(backoff.next());
      }
    } catch (const devkit::sdk::Error& e) {
      if (isCancelled(e)) cancelCommand();
      throw;
    }

    const std::string s = status.value("status", "");
    const json results = status.value("results", json::object());
    const std::string resultType = results.value("resultType", "");
    if (s == "Cancelled") throw ToolFailure("the command was cancelled on the cluster");
    if (s == "Error" || resultType == "error") {
      std::string summary = stripHtml(results.value("summary", ""));
      std::string cause = stripAnsi(results.value("cause", ""));
      if (summary.empty() && results.contains("data") && results["data"].is_string()) {
        summary = stripHtml(results["data"].get<std::string>());
      }
      if (summary.empty()) summary = s == "Error" ? "the cluster reported an error" : "error";
      std::string text =
          (s == "Error" ? "the command failed on the cluster: " : "the code raised an error: ") +
          summary;
      if (!cause.empty()) text += "\n\nTraceback:\n" + tail(cause, 20000);
      text += "\n\n(cluster " + run.clusterId + ", context " + out.contextId + ")";
      throw ToolFailure(text);
    }
    return results;
  };
  if (run.setupCode) runCommand(*run.setupCode, true);
  const json results = runCommand(run.code, !run.setupCode);
  out.resultType = results.value("resultType", "");
  if (out.resultType == "table") {
    size_t shown = 0;
    const json rows = results.value("data", json::array());
    out.text = renderTable(results.value("schema", json::array()), rows,
                           ctx.settings().maxResultChars * 8 / 10, &shown);
    if (shown < rows.size()) {
      std::string note =
          "\n\n(first " + std::to_string(shown) + " of " + std::to_string(rows.size()) + " rows";
      bestEffort([&] {
        note += "; all rows saved to " +
                ctx.saveResult(
                    "execute_code", "json",
                    json{{"schema", results.value("schema", json::array())}, {"rows", rows}}.dump(
                        -1, ' ', false, json::error_handler_t::replace));
      });
      out.text += note + ")";
    }
    if (results.value("truncated", false)) out.text += "\n\n(the cluster truncated the result)";
  } else if (out.resultType == "image" || out.resultType == "images") {
    out.text = "(the code produced an image, which is not returned: " +
               results.value("fileName", results.value("fileNames", json::array()).dump()) + ")";
  } else {
    const json data = results.value("data", json(""));
    out.text = data.is_string() ? data.get<std::string>() : data.dump();
    static const std::regex kOutPrefix(R"(^Out\[\d+\]: )");
    out.text =
        std::regex_replace(out.text, kOutPrefix, "", std::regex_constants::format_first_only);
    if (results.value("truncated", false)) out.text += "\n\n(the cluster truncated the output)";
  }
  return out;
}

// --- serverless -----------------------------------------------------------------------------

ServerlessOutput runServerless(ToolContext& ctx, const ServerlessRun& run) {
  ProgressCounter progress(ctx);
  const auto deadline = Clock::now() + run.timeout;
  std::string pythonFile;
  std::string tempFile;
  if (run.code) {
    const std::string folder = tempFolder(ctx);
    std::string label = run.fileLabel;
    for (auto& c : label) {
      if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') c = '_';
    }
    tempFile = folder + "/" + label + "-" + randomHex(12) + ".py";
    std::string content = *run.code;
    // A notebook header would make the import create a notebook, which a python task cannot run.
    if (files::notebookLanguage(content, "x.py")) content = "# (devkit)\n" + content;
    if (const std::string refusal =
            files::sizeRefusal({files::Area::kWorkspace, tempFile}, content.size(), "the code");
        !refusal.empty()) {
      throw ToolFailure(refusal);
    }
    files::uploadContent(ctx.client(), {files::Area::kWorkspace, tempFile}, content, "x.py", true,
                         true);
    pythonFile = tempFile;
  } else if (run.pythonFile) {
    pythonFile = workspaceForm(*run.pythonFile);
  } else {
    throw devkit::sdk::Error(DK_ERR_INVALID_ARGUMENT, "no code and no file to run");
  }
  // The temporary file goes whatever happens next.
  struct TempFile {
    ToolContext& ctx;
    std::string path;
    ~TempFile() {
      if (path.empty()) return;
      bestEffort([&] {
        ctx.client().uncancellable().post("/api/2.0/workspace/delete",
                                          {{"path", path}, {"recursive", false}}, true);
      });
    }
  } cleanup{ctx, tempFile};

  json task = {{"task_key", "main"},
               {"spark_python_task", {{"python_file", pythonFile}}},
               {"environment_key", "default"}};
  if (!run.parameters.empty()) task["spark_python_task"]["parameters"] = run.parameters;
  const json body = {
      {"run_name", "devkit-" + run.fileLabel},
      {"timeout_seconds", run.timeout.count()},
      {"idempotency_token", randomHex(32)},
      {"tasks", json::array({task})},
      {"environments",
       json::array({{{"environment_key", "default"}, {"spec", {{"environment_version", "2"}}}}})}};
  // The idempotency token makes a retry after a timeout launch no second run.
  const json submitted = ctx.client().post("/api/2.2/jobs/runs/submit", body, true);
  ServerlessOutput out;
  out.runId = submitted.value("run_id", int64_t{0});
  if (out.runId == 0) throw ToolFailure("the workspace did not return a run id");
  progress.note("submitted serverless run " + std::to_string(out.runId));

  const auto cancelRun = [&] {
    bestEffort([&] {
      ctx.client().uncancellable().post("/api/2.2/jobs/runs/cancel", {{"run_id", out.runId}}, true);
    });
  };
  json runInfo;
  Backoff backoff;
  std::string lastState;
  try {
    while (true) {
      runInfo = ctx.client().get("/api/2.2/jobs/runs/get", {{"run_id", std::to_string(out.runId)}});
      const json state = runInfo.value("state", json::object());
      const std::string life = state.value("life_cycle_state", "");
      if (isTerminalLifeCycle(life)) break;
      if (life != lastState) {
        progress.note("run " + std::to_string(out.runId) + " is " + life);
        lastState = life;
      }
      if (Clock::now() >= deadline) {
        cancelRun();
        throw ToolFailure("the serverless run " + std::to_string(out.runId) +
                          " did not finish within " + std::to_string(run.timeout.count()) +
                          " s and was cancelled; raise timeout_s");
      }
      ctx.client().wait(backoff.next());
    }
  } catch (const devkit::sdk::Error& e) {
    if (isCancelled(e)) cancelRun();
    throw;
  }
  out.runPageUrl = runInfo.value("run_page_url", "");
  out.taskRunId = out.runId;
  if (const auto it = runInfo.find("tasks");
      it != runInfo.end() && it->is_array() && !it->empty()) {
    out.taskRunId = (*it)[0].value("run_id", out.runId);
  }
  const json state = runInfo.value("state", json::object());
  const std::string life = state.value("life_cycle_state", "");
  const std::string result = state.value("result_state", "");

  // The output belongs to the task run, not to the submitted (parent) run.
  json output = json::object();
  try {
    output = ctx.client().get("/api/2.2/jobs/runs/get-output",
                              {{"run_id", std::to_string(out.taskRunId)}});
  } catch (const ApiError& e) {
    if (result == "SUCCESS") throw;  // without the output a success says nothing
  }
  out.logs = output.value("logs", "");
  out.logsTruncated = output.value("logs_truncated", false);
  if (life == "TERMINATED" && result == "SUCCESS") return out;

  std::string text = "the serverless run " + std::to_string(out.runId) + " failed (" +
                     (result.empty() ? life : result) + ")";
  if (const std::string msg = state.value("state_message", ""); !msg.empty()) text += ": " + msg;
  if (const std::string error = output.value("error", ""); !error.empty()) {
    text += "\n\nError: " + error;
  }
  if (const std::string trace = stripAnsi(output.value("error_trace", "")); !trace.empty()) {
    text += "\n\nTraceback:\n" + tail(trace, 20000);
  }
  if (!out.logs.empty()) text += "\n\nOutput before the error:\n" + tail(out.logs, 8000);
  if (!out.runPageUrl.empty()) text += "\n\nRun page: " + out.runPageUrl;
  throw ToolFailure(text);
}

// --- text helpers ---------------------------------------------------------------------------

std::string stripHtml(const std::string& html) {
  std::string out;
  bool inTag = false;
  for (const char c : html) {
    if (c == '<') {
      inTag = true;
    } else if (c == '>' && inTag) {
      inTag = false;
    } else if (!inTag) {
      out += c;
    }
  }
  static const std::pair<const char*, const char*> kEntities[] = {
      {"&lt;", "<"},   {"&gt;", ">"},   {"&quot;", "\""}, {"&#39;", "'"},
      {"&#x27;", "'"}, {"&nbsp;", " "}, {"&amp;", "&"}};
  for (const auto& [entity, text] : kEntities) {
    for (size_t pos = out.find(entity); pos != std::string::npos;
         pos = out.find(entity, pos + std::strlen(text))) {
      out.replace(pos, std::strlen(entity), text);
    }
  }
  const auto first = out.find_first_not_of(" \t\r\n");
  const auto last = out.find_last_not_of(" \t\r\n");
  return first == std::string::npos ? "" : out.substr(first, last - first + 1);
}

std::string stripAnsi(const std::string& text) {
  static const std::regex kAnsi("\x1B\\[[0-9;]*[A-Za-z]");
  return std::regex_replace(text, kAnsi, "");
}

std::string renderTable(const json& schema, const json& rows, size_t maxChars, size_t* shownRows) {
  std::ostringstream out;
  std::string header = "|";
  std::string rule = "|";
  size_t columns = 0;
  for (const auto& col : schema) {
    header += " " + jsonCell(col.is_object() ? col.value("name", json("")) : col) + " |";
    rule += " --- |";
    ++columns;
  }
  if (columns == 0 && !rows.empty() && rows[0].is_array()) {
    for (size_t i = 0; i < rows[0].size(); ++i) {
      header += " c" + std::to_string(i) + " |";
      rule += " --- |";
    }
  }
  std::string text = header + "\n" + rule + "\n";
  size_t shown = 0;
  for (const auto& row : rows) {
    std::string line = "|";
    if (row.is_array()) {
      for (const auto& cell : row) line += " " + jsonCell(cell) + " |";
    } else {
      line += " " + jsonCell(row) + " |";
    }
    if (text.size() + line.size() + 1 > maxChars) break;
    text += line + "\n";
    ++shown;
  }
  if (shownRows != nullptr) *shownRows = shown;
  return text;
}

std::string capText(const ToolContext& ctx, const std::string& tool, const std::string& text) {
  const size_t limit = ctx.settings().maxResultChars;
  if (text.size() + 500 <= limit) return text;
  std::string where;
  try {
    where = "; the full output is saved in " + ctx.saveResult(tool, "txt", text);
  } catch (const ToolFailure&) {
    // No project: head and tail are all there is.
  }
  const size_t keep = limit * 45 / 100;
  return text.substr(0, keep) + "\n\n… (" + std::to_string(text.size() - 2 * keep) +
         " characters left out" + where + ") …\n\n" + text.substr(text.size() - keep);
}

}  // namespace devkit::databricks::compute
