// mcp-databricks: the Databricks REST API as MCP tools (docs/tools.md).
//
// Each call acts with the caller's credentials: the signed-in user's token from the call context
// (on behalf of the user) when the host has one, else the app's own credentials (service principal
// OAuth M2M or a PAT, resolved once at startup by unified auth: config, DATABRICKS_* variables,
// ~/.databrickscfg).
#include <devkit/sdk.hpp>

#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "auth/unified_auth.hpp"
#include "client/rest_client.hpp"
#include "tools/tool.hpp"

namespace {

using devkit::sdk::Error;
using nlohmann::json;
namespace db = devkit::databricks;

constexpr const char* kConfigSchema = R"({
  "type": "object",
  "additionalProperties": false,
  "properties": {
    "host": {"type": "string", "default": "",
             "description": "Workspace URL; empty uses DATABRICKS_HOST or the ~/.databrickscfg profile."},
    "profile": {"type": "string", "default": "",
                "description": "~/.databrickscfg profile to read (DATABRICKS_CONFIG_PROFILE otherwise)."},
    "token": {"type": "string", "default": "", "secret": true,
              "description": "Personal access token for single-user setups (environment only)."},
    "client_id": {"type": "string", "default": "",
                  "description": "Service principal OAuth client id (OAuth M2M)."},
    "client_secret": {"type": "string", "default": "", "secret": true,
                      "description": "Service principal OAuth secret (environment only)."},
    "auth_type": {"type": "string", "default": "", "enum": ["", "pat", "oauth-m2m"],
                  "description": "Forces one authentication method when several are configured."},
    "warehouse_id": {"type": "string", "default": "",
                     "description": "Default SQL warehouse; empty picks one (DATABRICKS_WAREHOUSE_ID, then the workspace default, then a running one)."},
    "cluster_id": {"type": "string", "default": "",
                   "description": "Default cluster for execute_code and run_python_file; empty runs them on serverless."},
    "workspace_folder": {"type": "string", "default": "",
                         "description": "Remote folder for temporary files; empty uses /Workspace/Users/<user>/.devkit."},
    "request_timeout_s": {"type": "integer", "default": 60, "minimum": 1, "maximum": 3600,
                          "description": "Timeout of one REST call."},
    "retry_budget_s": {"type": "integer", "default": 300, "minimum": 0, "maximum": 3600,
                       "description": "How long one call may keep retrying 429/503 answers and lost connections."},
    "max_result_chars": {"type": "integer", "default": 45000, "minimum": 1000, "maximum": 500000,
                         "description": "A tool answer is kept under this many characters; larger results are saved into the project."},
    "max_parallel": {"type": "integer", "default": 8, "minimum": 1, "maximum": 32,
                     "description": "Statements (execute_sql_multi) or files (upload_folder) run at once."}
  }
})";

std::string member(const json& object, const char* key) {
  if (!object.is_object()) return "";
  const auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : "";
}

int64_t number(const json& object, const char* key, int64_t fallback) {
  const auto it = object.find(key);
  return it != object.end() && it->is_number_integer() ? it->get<int64_t>() : fallback;
}

class DatabricksTools final : public devkit::sdk::ToolProvider {
 public:
  DatabricksTools(const devkit::sdk::Host& host, std::string_view configJson) : host_(host) {
    const json config = json::parse(configJson.empty() ? std::string_view("{}") : configJson);
    db::AuthAttributes explicitValues;
    explicitValues.host = member(config, "host");
    explicitValues.profile = member(config, "profile");
    explicitValues.token = member(config, "token");
    explicitValues.clientId = member(config, "client_id");
    explicitValues.clientSecret = member(config, "client_secret");
    explicitValues.authType = member(config, "auth_type");
    explicitValues.warehouseId = member(config, "warehouse_id");
    explicitValues.clusterId = member(config, "cluster_id");
    try {
      auth_ = db::resolveAuth(explicitValues, db::processEnv());
    } catch (const db::AuthConfigError& e) {
      throw Error(DK_ERR_INVALID_ARGUMENT, std::string("Databricks credentials: ") + e.what());
    }
    timeout_ = std::chrono::seconds(number(config, "request_timeout_s", 60));
    retryBudget_ = std::chrono::seconds(number(config, "retry_budget_s", 300));
    settings_.warehouseId = auth_.warehouseId;
    settings_.clusterId = auth_.clusterId;
    settings_.workspaceFolder = member(config, "workspace_folder");
    settings_.maxResultChars = static_cast<size_t>(number(config, "max_result_chars", 45000));
    settings_.maxParallel = static_cast<int>(number(config, "max_parallel", 8));
    userAgent_ = std::string("devkit-mcp-databricks/" DEVKIT_DATABRICKS_VERSION " devkit/") +
                 std::string(host.hostVersion());
    appToken_ = db::tokenSourceFor(auth_, userAgent_, timeout_);

    db::registerSqlTools(registry_);
    db::registerCatalogTools(registry_);
    db::registerFileTools(registry_);
    db::registerComputeTools(registry_);
    db::registerPipelineTools(registry_);
    db::registerJobTools(registry_);
    db::registerIdentityTools(registry_);
    tools_ = registry_.list().dump();
    // Debug: a startup that fails later (exit 78) prints its one line only.
    host_.debug("mcp-databricks: " + std::to_string(registry_.size()) + " tools; workspace " +
                (auth_.host.empty() ? std::string("not configured") : auth_.host) +
                "; app credentials: " + (auth_.method.empty() ? "none" : auth_.method) +
                (auth_.origin.empty() ? "" : " (" + auth_.origin + ")"));
  }

  std::string listTools() override { return tools_; }

  std::string callTool(const devkit::sdk::ToolCall& call) override {
    const db::ToolDef* tool = registry_.find(std::string(call.name));
    if (tool == nullptr) {
      throw Error(DK_ERR_NOT_FOUND, "unknown tool '" + std::string(call.name) + "'");
    }
    json args = json::parse(
        call.argumentsJson.empty() ? std::string_view("{}") : call.argumentsJson, nullptr, false);
    if (!args.is_object()) throw Error(DK_ERR_INVALID_ARGUMENT, "the arguments must be an object");
    const json context = json::parse(call.contextJson, nullptr, false);

    db::Caller caller;
    const json user = context.is_object() ? context.value("user", json::object()) : json::object();
    caller.email = member(user, "email");
    caller.name = member(user, "name");
    caller.projectId = member(context, "project_id");
    caller.projectDir = member(context, "project_dir");
    caller.runId = member(context, "run_id");

    // On behalf of the user when the host forwarded the user's token; else the app's own.
    const json databricks = context.is_object() ? context.value("databricks", json()) : json();
    std::shared_ptr<db::TokenSource> token;
    std::string workspace = auth_.host;
    if (const std::string userToken = member(databricks, "token"); !userToken.empty()) {
      token = db::staticToken(userToken, "user");
      if (const std::string h = member(databricks, "host"); !h.empty()) {
        workspace = db::normaliseHost(h);
      }
    } else {
      token = appToken_;
    }
    if (workspace.empty() || !token) return db::ToolResult::error(noCredentials()).dump();
    caller.credential = token->kind();

    db::ClientOptions options;
    options.host = workspace;
    options.auth = token;
    options.timeout = timeout_;
    options.retryBudget = retryBudget_;
    options.userAgent = userAgent_;
    options.cancel = call.cancel;
    db::RestClient client(std::move(options));
    db::ToolContext ctx(args, client, settings_, std::move(caller), call.progress, host_);
    try {
      std::string result = db::capResult(ctx, tool->name, tool->run(ctx)).dump();
      noteOutcome("");
      return result;
    } catch (const db::ApiError& e) {
      if (e.status() == 0) noteOutcome(e.message());
      return db::ToolResult::error(e.toolText()).dump();
    } catch (const db::ToolFailure& e) {
      return db::ToolResult::error(e.what()).dump();
    } catch (const Error&) {
      throw;  // protocol-level: bad arguments, cancelled
    } catch (const std::exception& e) {
      host_.error("mcp-databricks: " + tool->name + " failed unexpectedly: " + e.what());
      return db::ToolResult::error(tool->name + " failed unexpectedly: " + e.what()).dump();
    }
  }

  std::string health() override {
    json out = {{"tools", registry_.size()},
                {"workspace", auth_.host.empty() ? json(nullptr) : json(auth_.host)},
                {"app_credentials", auth_.method.empty() ? json(nullptr) : json(auth_.method)}};
    std::lock_guard<std::mutex> lock(mutex_);
    if (auth_.host.empty() || auth_.method.empty()) {
      out["status"] = "degraded";
      out["detail"] = noCredentials();
    } else if (!lastNetworkError_.empty()) {
      out["status"] = "degraded";
      out["detail"] = "the last call could not reach the workspace: " + lastNetworkError_;
    } else {
      out["status"] = "ok";
    }
    return out.dump();
  }

 private:
  static std::string noCredentials() {
    return "No Databricks credentials: sign in through Databricks Apps with user authorization "
           "enabled, or give the host DATABRICKS_HOST with DATABRICKS_TOKEN (or "
           "DATABRICKS_CLIENT_ID and DATABRICKS_CLIENT_SECRET), or a ~/.databrickscfg profile "
           "([plugin.mcp-databricks] profile).";
  }

  void noteOutcome(const std::string& networkError) {
    std::lock_guard<std::mutex> lock(mutex_);
    lastNetworkError_ = networkError;
  }

  devkit::sdk::Host host_;
  db::ResolvedAuth auth_;
  std::shared_ptr<db::TokenSource> appToken_;
  db::ToolSettings settings_;
  std::chrono::seconds timeout_{60};
  std::chrono::seconds retryBudget_{300};
  std::string userAgent_;
  db::ToolRegistry registry_;
  std::string tools_;
  std::mutex mutex_;
  std::string lastNetworkError_;
};

}  // namespace

DK_DEFINE_PLUGIN("mcp-databricks", "0.1.0", "Databricks REST API as MCP tools", kConfigSchema,
                 DatabricksTools)
