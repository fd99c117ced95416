// mcp-databricks: the Databricks REST API as MCP tools.
//
// This build is the plugin's skeleton: it loads, declares its kind, version and config schema,
// lists no tools, and says on /healthz that the tools are not implemented yet (issue #7 fills them
// in).
#include <devkit/sdk.hpp>

#include <string>
#include <string_view>

namespace {

constexpr const char* kConfigSchema = R"({
  "type": "object",
  "additionalProperties": false,
  "properties": {
    "host": {"type": "string", "default": "",
             "description": "Workspace URL; empty uses DATABRICKS_HOST or the ~/.databrickscfg profile."},
    "profile": {"type": "string", "default": "",
                "description": "~/.databrickscfg profile to use when no host/token is configured."},
    "token": {"type": "string", "default": "", "secret": true,
              "description": "Personal access token for single-user setups (environment only)."},
    "client_id": {"type": "string", "default": "",
                  "description": "Service principal OAuth client id (OAuth M2M)."},
    "client_secret": {"type": "string", "default": "", "secret": true,
                      "description": "Service principal OAuth secret (environment only)."},
    "request_timeout_s": {"type": "integer", "default": 60, "minimum": 1, "maximum": 3600,
                          "description": "Timeout of one REST call."},
    "max_result_chars": {"type": "integer", "default": 45000, "minimum": 1000, "maximum": 500000,
                         "description": "Tool output is capped to this many characters."}
  }
})";

class DatabricksTools final : public devkit::sdk::ToolProvider {
 public:
  DatabricksTools(const devkit::sdk::Host& host, std::string_view /*configJson*/) : host_(host) {
    host_.debug("mcp-databricks loaded; Databricks tools are not implemented in this build");
  }
  std::string listTools() override { return "[]"; }
  std::string callTool(const devkit::sdk::ToolCall& call) override {
    throw devkit::sdk::Error(DK_ERR_NOT_FOUND, "unknown tool '" + std::string(call.name) + "'");
  }
  std::string health() override {
    return R"({"status":"unimplemented","detail":"Databricks tools are not implemented yet","tools":0})";
  }

 private:
  devkit::sdk::Host host_;
};

}  // namespace

DK_DEFINE_PLUGIN("mcp-databricks", "0.1.0", "Databricks REST API as MCP tools", kConfigSchema,
                 DatabricksTools)
