// Running code on Databricks for execute_code and run_python_file: on an all-purpose cluster
// through the Command Execution API 1.2 (with execution contexts kept for reuse, so variables
// survive between calls), or on serverless through a one-time Jobs run (runs/submit) with an
// environment. Facts: ../shared/reference/databricks-api.md §3.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "client/rest_client.hpp"
#include "tools/tool.hpp"

namespace devkit::databricks::compute {

/// The few ClusterDetails fields a model needs.
nlohmann::json compactCluster(const nlohmann::json& details);
/// clusters/get; an unknown id (the 400 quirk) is a ToolFailure "cluster X does not exist".
nlohmann::json getCluster(RestClient& client, const std::string& clusterId);

/// Increasing progress numbers for one call (ToolContext::progress wants them increasing).
class ProgressCounter {
 public:
  explicit ProgressCounter(const ToolContext& ctx) : ctx_(ctx) {}
  void note(const std::string& message) { ctx_.progress(++n_, std::nullopt, message); }

 private:
  const ToolContext& ctx_;
  double n_ = 0;
};

/// Polls clusters/get until RUNNING (or RESIZING: usable). ERROR, or TERMINATED once it was
/// starting, is a ToolFailure with the termination reason; so is the timeout. Returns the
/// details.
nlohmann::json waitUntilRunning(ToolContext& ctx, const std::string& clusterId,
                                std::chrono::seconds timeout, ProgressCounter& progress);

/// Execution contexts by (workspace, credential, caller, cluster, language). THREADING: all
/// members are thread-safe; the cache lives as long as the plugin. Creating a context for a key
/// is single-flight: callers hold creationLock(key) while they look again and create, so
/// concurrent misses do not each create (and leak) a context.
class ContextCache {
 public:
  static ContextCache& instance();
  static std::string key(const ToolContext& ctx, const std::string& clusterId,
                         const std::string& language);
  std::optional<std::string> find(const std::string& key);
  /// Caches `contextId`; returns the different id it replaced, if any (the caller destroys it).
  std::optional<std::string> put(const std::string& key, const std::string& contextId);
  /// Forgets `contextId` under `key` (only if it is still the one cached).
  void forget(const std::string& key, const std::string& contextId);
  /// The lock held while a context for `key` is created (one per key, never freed).
  std::shared_ptr<std::timed_mutex> creationLock(const std::string& key);
  /// Forgets every context (tests; the contexts themselves stay on the clusters).
  void clear();

 private:
  std::mutex mutex_;
  std::map<std::string, std::string> contexts_;
  std::map<std::string, std::shared_ptr<std::timed_mutex>> creating_;
};

struct ClusterRun {
  std::string clusterId;
  std::string language = "python";  // python | sql | scala | r
  std::string code;
  // Run first, as a separate command in the same context (e.g. setting sys.argv, which cannot
  // be prepended to code that starts with `from __future__ import`); its output is dropped.
  std::optional<std::string> setupCode;
  std::optional<std::string> contextId;  // the caller's; else cached or new
  std::chrono::seconds timeout{600};
  bool startIfTerminated = false;
};

struct ClusterOutput {
  std::string text;  // stdout / rendered table (not yet capped)
  std::string contextId;
  bool contextReused = false;
  std::string resultType;
};

/// Runs code in an execution context. A Python exception (resultType error) is a ToolFailure
/// with the summary (HTML stripped) and the traceback. Timeout and MCP cancel cancel the
/// command.
ClusterOutput runOnCluster(ToolContext& ctx, const ClusterRun& run);

struct ServerlessRun {
  std::optional<std::string> code;        // uploaded as a temporary workspace file
  std::optional<std::string> pythonFile;  // or an existing workspace/volume file
  std::string fileLabel = "code";         // for the temp file name and run name
  std::vector<std::string> parameters;
  std::chrono::seconds timeout{600};
};

struct ServerlessOutput {
  std::string logs;
  int64_t runId = 0;
  int64_t taskRunId = 0;
  std::string runPageUrl;
  bool logsTruncated = false;
};

/// One-time serverless Jobs run of a Python file (spark_python_task, environment version 2,
/// idempotency token). A failed run is a ToolFailure with the error and its trace. The temporary
/// file is deleted afterwards.
ServerlessOutput runServerless(ToolContext& ctx, const ServerlessRun& run);

/// Tags removed and the common entities unescaped (API 1.2 error summaries are HTML).
std::string stripHtml(const std::string& html);
/// ANSI colour sequences removed (tracebacks from the cluster carry them).
std::string stripAnsi(const std::string& text);
/// A markdown table of an API 1.2 table result, at most `maxChars` long; sets *shownRows.
std::string renderTable(const nlohmann::json& schema, const nlohmann::json& rows, size_t maxChars,
                        size_t* shownRows);

/// Text longer than the answer limit: head and tail kept, the full text saved into the project
/// when there is one.
std::string capText(const ToolContext& ctx, const std::string& tool, const std::string& text);

}  // namespace devkit::databricks::compute
