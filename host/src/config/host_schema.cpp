#include "config/host_schema.hpp"

namespace devkit::config {

const nlohmann::json& hostSectionSchemas() {
  static const nlohmann::json schemas = nlohmann::json::parse(R"({
  "server": {"type": "object", "additionalProperties": false, "properties": {
    "host": {"type": "string", "default": "127.0.0.1", "minLength": 1,
             "description": "Address to listen on; 0.0.0.0 for every interface."},
    "port": {"type": "integer", "default": 8000, "minimum": 0, "maximum": 65535,
             "description": "TCP port; 0 picks a free one (logged at startup)."},
    "webroot": {"type": "string", "default": "${host.home}/share/devkit/webroot",
                "description": "Directory of the built web UI."},
    "max_threads": {"type": "integer", "default": 128, "minimum": 8, "maximum": 4096,
                    "description": "HTTP worker threads; each open stream holds one."},
    "max_streams": {"type": "integer", "default": 64, "minimum": 1, "maximum": 4000,
                    "description": "Concurrent event streams; more get 503 with Retry-After."},
    "max_body_bytes": {"type": "integer", "default": 1048576, "minimum": 1024,
                       "maximum": 1073741824, "description": "Largest request body; larger gets 413."},
    "keep_alive_timeout_s": {"type": "integer", "default": 5, "minimum": 1, "maximum": 300,
                             "description": "Idle keep-alive connections are closed after this."},
    "request_timeout_s": {"type": "integer", "default": 20, "minimum": 1, "maximum": 600,
                          "description": "Time allowed to receive a request."},
    "send_timeout_s": {"type": "integer", "default": 30, "minimum": 1, "maximum": 600,
                       "description": "A client that stops reading a stream is dropped after this."},
    "shutdown_timeout_s": {"type": "integer", "default": 10, "minimum": 1, "maximum": 300,
                           "description": "SIGTERM/SIGINT: open streams are ended within this."},
    "sse_heartbeat_s": {"type": "integer", "default": 15, "minimum": 1, "maximum": 300,
                        "description": "Comment heartbeat interval on event streams."}
  }},
  "logging": {"type": "object", "additionalProperties": false, "properties": {
    "level": {"type": "string", "default": "info",
              "enum": ["trace", "debug", "info", "warn", "error", "off"],
              "description": "Lowest level written."},
    "format": {"type": "string", "default": "text", "enum": ["text", "json"],
               "description": "text for people, json for one JSON object per line."}
  }},
  "data": {"type": "object", "additionalProperties": false, "properties": {
    "dir": {"type": "string", "default": "./data", "minLength": 1,
            "description": "Where projects, state and the embedded database live."}
  }},
  "auth": {"type": "object", "additionalProperties": false, "properties": {
    "mode": {"type": "string", "default": "dev", "enum": ["dev", "databricks-apps"],
             "description": "dev: every request is the one configured local user. databricks-apps: the user the Databricks Apps proxy forwards (X-Forwarded-Email, then X-Forwarded-User); requests without them get 401."},
    "dev_user_email": {"type": "string", "default": "developer@localhost", "minLength": 3,
                       "maxLength": 320, "description": "The local user in dev mode."},
    "dev_user_name": {"type": "string", "default": "",
                      "description": "Display name of the dev user; default: the e-mail's local part."},
    "workspace_url": {"type": "string", "default": "",
                      "description": "The Databricks workspace URL shown to users; default: $DATABRICKS_HOST."}
  }},
  "projects": {"type": "object", "additionalProperties": false, "properties": {
    "base_dir": {"type": "string", "default": "${data.dir}/projects", "minLength": 1,
                 "description": "Where project working dirs live (the agent's cwd)."},
    "default_catalog": {"type": "string", "default": "main", "minLength": 1, "maxLength": 255,
                        "description": "Unity Catalog catalog a new project's settings start with."},
    "max_file_bytes": {"type": "integer", "default": 10485760, "minimum": 1024,
                       "maximum": 1073741824,
                       "description": "Largest project file the files API returns; larger gets 413."},
    "max_tree_entries": {"type": "integer", "default": 20000, "minimum": 100, "maximum": 1000000,
                         "description": "Most entries one file-tree answer lists (then truncated)."}
  }},
  "backup": {"type": "object", "additionalProperties": false, "properties": {
    "enabled": {"type": "boolean", "default": true,
                "description": "Archive changed projects into the storage plugin."},
    "interval_s": {"type": "integer", "default": 600, "minimum": 1, "maximum": 86400,
                   "description": "Seconds between passes over the projects marked dirty."}
  }},
  "mcp": {"type": "object", "additionalProperties": false, "properties": {
    "external": {"type": "boolean", "default": false,
                 "description": "Serve /mcp to MCP clients outside the host, authenticated with their own Databricks token (checked against [auth] workspace_url)."},
    "operation_after_s": {"type": "integer", "default": 45, "minimum": 0, "maximum": 3600,
                          "description": "A tool call still running after this many seconds is answered with an operation id that check_operation_status resolves later, so no MCP request outlasts the client's timeout (Claude Code gives one 60 s). 0: calls are always waited for."}
  }},
  "plugins": {"type": "object", "additionalProperties": false, "properties": {
    "dir": {"type": "string", "default": "${host.home}/lib/devkit/plugins", "minLength": 1,
            "description": "The only directory plugins are loaded from."}
  }}
})");
  return schemas;
}

const nlohmann::json& pluginCommonSchema() {
  static const nlohmann::json schema = nlohmann::json::parse(R"({
  "type": "object", "additionalProperties": true, "properties": {
    "enabled": {"type": "boolean", "default": false, "description": "Load this plugin."},
    "required": {"type": "boolean", "default": true,
                 "description": "no: a plugin that fails to load is skipped and shown on /healthz."},
    "path": {"type": "string", "default": "",
             "description": "The .so file, inside the plugin dir; default <id>.so."}
  }
})");
  return schema;
}

}  // namespace devkit::config
