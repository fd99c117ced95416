// How a Databricks tool is declared and run. Each tools/*.cpp file registers one family
// (registerSqlTools, ...) into a ToolRegistry; plugin.cpp lists and dispatches them.
//
// A tool's run function gets a ToolContext: the validated arguments, a RestClient acting as the
// caller, the project directory (for saved results and local files), progress and cancel. It
// returns a ToolResult, or throws:
//   - ApiError: becomes an isError result with ApiError::toolText() (tool-level failure);
//   - ToolFailure: an isError result with its text (e.g. "the statement failed: ...");
//   - devkit::sdk::Error(DK_ERR_INVALID_ARGUMENT): a protocol-level refusal (bad arguments the
//     schema could not express); DK_ERR_CANCELLED when cancelled.
// THREADING: run functions are called concurrently; they must not share mutable state except
// through the thread-safe members of ToolContext.
#pragma once

#include <devkit/sdk.hpp>

#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "client/rest_client.hpp"

namespace devkit::databricks {

/// A tool-level failure the model should read (isError result).
class ToolFailure : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Plugin-wide settings a tool may read (from the plugin config and unified auth).
struct ToolSettings {
  std::string warehouseId;        // default warehouse; empty: pick one (execute_sql)
  std::string clusterId;          // default cluster for execute_code; empty: serverless
  size_t maxResultChars = 45000;  // answer text beyond this is saved to a file instead
  int maxParallel = 8;            // execute_sql_multi statements / upload_folder files at once
  std::string workspaceFolder;    // default remote folder, e.g. /Workspace/Users/<me>/devkit
};

/// The caller, from the call context.
struct Caller {
  std::string email;
  std::string name;
  std::string projectId;
  std::filesystem::path projectDir;  // empty outside a project (devkit mcp --stdio)
  std::string runId;
  std::string credential;  // "user" | "pat" | "oauth-m2m": whose token the calls carry
};

class ToolContext {
 public:
  ToolContext(const nlohmann::json& args, RestClient& client, const ToolSettings& settings,
              Caller caller, devkit::sdk::Sink progress, devkit::sdk::Host host);

  const nlohmann::json& args() const { return args_; }
  RestClient& client() const { return client_; }
  const ToolSettings& settings() const { return settings_; }
  const Caller& caller() const { return caller_; }
  const devkit::sdk::Host& host() const { return host_; }
  /// Throws DK_ERR_CANCELLED when the caller cancelled.
  void checkCancelled() const { client_.cancel().throwIfCancelled(); }

  // Typed argument access: the host validated the schema, but a direct caller may not have.
  // A present argument of the wrong type throws devkit::sdk::Error(DK_ERR_INVALID_ARGUMENT)
  // naming it.
  std::string str(const char* name, const std::string& fallback = "") const;
  std::optional<std::string> optStr(const char* name) const;
  int64_t integer(const char* name, int64_t fallback) const;
  bool boolean(const char* name, bool fallback) const;
  std::vector<std::string> strings(const char* name) const;  // absent: empty

  /// One progress note {"progress": n, "total"?: t, "message": m}; n must increase. Thread-safe.
  void progress(double n, std::optional<double> total, const std::string& message) const;

  /// Resolves a local path argument inside the project: relative to projectDir, no "..",
  /// no escape through symlinks. Throws DK_ERR_INVALID_ARGUMENT ("outside the project") or
  /// ToolFailure when there is no project.
  std::filesystem::path projectPath(const std::string& relative) const;

  /// Saves a large result into the project, under .devkit/results/<tool>-<utc time>-<n>.<ext>,
  /// and returns the path relative to the project dir. Throws ToolFailure without a project.
  std::string saveResult(const std::string& tool, const std::string& extension,
                         const std::string& content) const;

 private:
  const nlohmann::json& args_;
  RestClient& client_;
  const ToolSettings& settings_;
  Caller caller_;
  devkit::sdk::Sink progress_;
  devkit::sdk::Host host_;
  mutable std::mutex progressMutex_;
};

/// An MCP CallToolResult under construction.
class ToolResult {
 public:
  /// Text content (markdown welcome).
  static ToolResult text(std::string text);
  /// JSON answer: structuredContent = value, and the same pretty text as content (Claude Code
  /// shows the model structuredContent when present).
  static ToolResult structured(nlohmann::json value);
  static ToolResult error(std::string text);

  ToolResult& addText(std::string text);
  /// Sets structuredContent while keeping the text as is (execute_sql: a markdown table for the
  /// model, the rows as JSON for the UI).
  ToolResult& setStructured(nlohmann::json value) {
    result_["structuredContent"] = std::move(value);
    return *this;
  }
  /// The CallToolResult JSON text.
  std::string dump() const;
  const nlohmann::json& value() const { return result_; }
  nlohmann::json& value() { return result_; }

 private:
  nlohmann::json result_ = {{"content", nlohmann::json::array()}};
};

/// Keeps `value` under settings().maxResultChars when dumped: if it is larger, the full JSON is
/// saved with ctx.saveResult (when there is a project) and a summary is returned instead:
/// {"truncated": true, "saved_to": "<path>", "note": "...", <arrayKey>: first items ...}.
/// `arrayKey` names the member that holds the long list (rows, objects, events...); empty picks
/// the largest array member. Members that are still too large (or a value without any array)
/// are replaced by a short "omitted" text.
nlohmann::json capForAnswer(const ToolContext& ctx, const std::string& tool, nlohmann::json value,
                            const std::string& arrayKey);

/// The last guard, applied by the plugin to every tool's result: structuredContent and the text
/// blocks each stay under settings().maxResultChars (capForAnswer for the former; the text cut,
/// with the whole text saved into the project, for the latter).
ToolResult capResult(const ToolContext& ctx, const std::string& tool, ToolResult result);

struct ToolDef {
  std::string name;  // snake_case, e.g. execute_sql
  std::string title;
  std::string description;      // when to use it, what it returns, one example
  nlohmann::json inputSchema;   // {"type":"object","properties":{...},"required":[...],
                                //  "additionalProperties":false}; every property described,
                                // defaults stated with "default"
  nlohmann::json outputSchema;  // optional (null = none)
  bool readOnly = true;         // annotations.readOnlyHint
  bool destructive = false;     // annotations.destructiveHint
  bool idempotent = true;       // annotations.idempotentHint
  std::function<ToolResult(ToolContext&)> run;
};

class ToolRegistry {
 public:
  void add(ToolDef tool);  // throws std::logic_error on a duplicate name
  const ToolDef* find(const std::string& name) const;
  /// The MCP Tool array, sorted by name, with annotations {title, readOnlyHint,
  /// destructiveHint, idempotentHint, openWorldHint: true}.
  nlohmann::json list() const;
  size_t size() const { return tools_.size(); }

 private:
  std::map<std::string, ToolDef> tools_;
};

// One family per file (tools/<family>_tools.cpp).
void registerSqlTools(ToolRegistry& registry);       // execute_sql, execute_sql_multi,
                                                     // list_warehouses, get_table_details
void registerCatalogTools(ToolRegistry& registry);   // UC list/get/create
void registerFileTools(ToolRegistry& registry);      // workspace + volume files
void registerComputeTools(ToolRegistry& registry);   // clusters, execute_code, run_python_file
void registerPipelineTools(ToolRegistry& registry);  // Lakeflow SDP
void registerJobTools(ToolRegistry& registry);       // jobs and runs
void registerIdentityTools(ToolRegistry& registry);  // get_current_user

}  // namespace devkit::databricks
