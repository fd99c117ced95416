/*
 * devkit/abi.h: the whole binary contract between the devkit host and its plugins.
 *
 * Pure C99, no dependencies beyond <stddef.h> and <stdint.h>. A plugin is a shared object that
 * exports exactly one symbol, dk_plugin_entry, and talks to the host only through the structs
 * below.
 *
 * Rules that hold for every function in this file (the compatibility policy is in sdk/ABI.md):
 *   - Every struct begins with `uint32_t struct_size` = sizeof(the struct as the writer knew it). A
 * reader uses only the fields that lie within min(struct_size, sizeof(its own definition)); structs
 * only ever grow by appending fields (a minor version bump).
 *   - Strings cross as dk_str (pointer + length, UTF-8, not necessarily NUL-terminated). JSON
 * crosses as UTF-8 text in a dk_str. No C++ types, exceptions or allocator hand-offs cross the
 * boundary.
 *   - Results and error messages are pushed through host-owned sinks (dk_sink), so memory never
 * changes owner: the writer keeps ownership of every buffer it passes.
 *   - Objects a plugin creates are destroyed by that plugin's own `destroy`.
 *   - Status code 0 is DK_STATUS_INVALID: a zeroed struct or an uninitialised return is never
 * success.
 *
 * Naming: dk_* types; functions the plugin implements live in *_vtbl structs; functions the host
 * implements live in dk_host_api, dk_sink, dk_source and dk_cancel.
 */
#ifndef DEVKIT_ABI_H
#define DEVKIT_ABI_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ----------------------------------------------------------------------------------------------
 * Versions
 * ---------------------------------------------------------------------------------------------- */

/* Breaking change: the host refuses a plugin whose abi_major differs from its own. */
#define DK_ABI_MAJOR 1u
/* Append-only additions: the host refuses a plugin whose abi_minor is newer than its own. */
#define DK_ABI_MINOR 1u

/* Per-kind interface versions. A plugin states, per kind it provides, the interface version it was
 * built against; the host refuses a kind whose version is newer than the one it implements. 0 in a
 * descriptor means "this kind is not provided". */
#define DK_AGENT_BACKEND_INTERFACE_VERSION 1u
#define DK_TOOL_PROVIDER_INTERFACE_VERSION 1u
#define DK_SKILLS_SOURCE_INTERFACE_VERSION 1u
#define DK_STORAGE_INTERFACE_VERSION 1u

/* The name of the one exported symbol. */
#define DK_PLUGIN_ENTRY_SYMBOL "dk_plugin_entry"

#if defined(_WIN32)
#define DK_EXPORT __declspec(dllexport)
#else
#define DK_EXPORT __attribute__((visibility("default")))
#endif

/* ----------------------------------------------------------------------------------------------
 * Basic types
 * ---------------------------------------------------------------------------------------------- */

typedef enum dk_status {
  DK_STATUS_INVALID = 0, /* never returned on purpose; the host treats it as DK_ERR_INTERNAL */
  DK_OK = 1,             /* success */
  DK_ERR_INVALID_ARGUMENT = 2, /* the caller's input is wrong (HTTP 400, MCP -32602) */
  DK_ERR_NOT_FOUND = 3,   /* the named object does not exist or is not the caller's (HTTP 404) */
  DK_ERR_CONFLICT = 4,    /* the object's state forbids the operation (HTTP 409) */
  DK_ERR_UNAVAILABLE = 5, /* a dependency is down (network, database, subprocess); retry later */
  DK_ERR_CANCELLED = 6,   /* the dk_cancel flag was observed */
  DK_ERR_UNSUPPORTED = 7, /* this plugin does not implement the operation */
  DK_ERR_PERMISSION = 8,  /* the credentials in the context are not allowed to do this */
  DK_ERR_INTERNAL = 9     /* a bug or an unexpected failure inside the plugin */
} dk_status;

typedef enum dk_log_level {
  DK_LOG_INVALID = 0,
  DK_LOG_TRACE = 1,
  DK_LOG_DEBUG = 2,
  DK_LOG_INFO = 3,
  DK_LOG_WARN = 4,
  DK_LOG_ERROR = 5
} dk_log_level;

/* A borrowed UTF-8 byte range.
 * OWNERSHIP: the side that passes it keeps ownership; the receiver may read it only during the call
 *            and must copy what it wants to keep. ptr may be NULL when len is 0. */
typedef struct dk_str {
  const char* ptr;
  size_t len;
} dk_str;

/* A host-owned output channel: results, error messages, progress notes, events, archive bytes.
 * The function's doc says what one write means (a chunk of one document, or one whole message).
 * OWNERSHIP: host-owned; the plugin never frees it and must not keep the pointer after the call it
 * was passed to returns, unless that function's doc says otherwise (agent event sinks). THREADING:
 * `write` is safe to call from any thread, but calls for one sink must not overlap unless the
 * function's doc says otherwise. RETURNS:   DK_OK to continue; anything else asks the plugin to
 * stop producing (the reader is gone or the data is over a limit). The plugin then returns
 * promptly, with DK_ERR_CANCELLED. */
typedef struct dk_sink {
  uint32_t struct_size;
  void* ctx;
  dk_status (*write)(void* ctx, dk_str chunk);
} dk_sink;

/* A host-owned input channel for bytes (archive uploads).
 * OWNERSHIP: host-owned; `buffer` belongs to the plugin and is filled by the host.
 * THREADING: call from the thread the source was passed on, during that call only.
 * RETURNS:   the number of bytes written into buffer (1..capacity), 0 at the end of the data, or -1
 * on a read error (the plugin then aborts the operation with DK_ERR_UNAVAILABLE). */
typedef struct dk_source {
  uint32_t struct_size;
  void* ctx;
  int64_t (*read)(void* ctx, char* buffer, size_t capacity);
} dk_source;

/* A host-owned cancellation flag for a blocking call.
 * OWNERSHIP: host-owned; valid for the duration of the call it was passed to.
 * THREADING: is_cancelled is thread-safe and cheap (an atomic load); poll it between units of work.
 * RETURNS:   non-zero once the caller has given up (MCP notifications/cancelled, run stopped). */
typedef struct dk_cancel {
  uint32_t struct_size;
  void* ctx;
  int (*is_cancelled)(void* ctx);
} dk_cancel;

/* ----------------------------------------------------------------------------------------------
 * The host API (given to the entry point; plugins never link host symbols)
 * ---------------------------------------------------------------------------------------------- */

/* OWNERSHIP: host-owned; valid from the dk_plugin_entry call until the process exits (the host
 * never unloads a plugin while it runs). One instance per loaded plugin, so log lines carry the
 *            plugin's id without the plugin naming itself.
 * THREADING: every function is thread-safe. */
typedef struct dk_host_api {
  uint32_t struct_size;
  uint32_t abi_major;  /* the host's DK_ABI_MAJOR */
  uint32_t abi_minor;  /* the host's DK_ABI_MINOR */
  void* host_ctx;      /* pass back as the first argument of the functions below */
  dk_str host_version; /* e.g. "0.1.0"; NUL-terminated as well */

  /* Returns non-zero when a message at `level` would be written. Format messages only after it says
   * yes, so that disabled debug logging costs nothing. */
  int (*log_enabled)(void* host_ctx, dk_log_level level);

  /* Writes one log line attributed to this plugin. `message` must not contain secrets. */
  void (*log)(void* host_ctx, dk_log_level level, dk_str message);
} dk_host_api;

/* ----------------------------------------------------------------------------------------------
 * Common shapes used by every kind
 *
 * Health: every instance implements `health(self, out_json)`, writing one JSON object
 *   {"status": "ok" | "degraded" | "down" | "unimplemented", "detail": "<one line for operators>"}
 * plus any kind-specific fields. It must be cheap (cached state, no long network calls) because
 * /healthz calls it on every request. THREADING: thread-safe.
 *
 * Destruction: `destroy(self)` is called exactly once, after every other call on `self` has
 * returned. It must stop and join every thread the instance started; after it returns the plugin
 * must not call any host sink, source or the host API on behalf of that instance.
 * ---------------------------------------------------------------------------------------------- */

/* ----------------------------------------------------------------------------------------------
 * Kind 1: agent backend (agent-claude). Drives an LLM agent for one conversation turn at a time.
 * ---------------------------------------------------------------------------------------------- */

typedef struct dk_agent_backend_vtbl {
  uint32_t struct_size;

  /* Starts one turn and returns as soon as it is under way; the turn then runs on plugin threads.
   * request_json:
   *   {"run_id", "conversation_id", "project_id",
   *    "project_dir"       the agent's working dir,
   *    "state_dir"         a private dir of the project outside project_dir (CLI config,
   * transcripts), "message"           the user's text, "claude_session_id" the session to resume,
   * or null for a new conversation, "system_prompt"     built by the host for this turn,
   *    "allowed_tools"     extra pre-approved tool rules (e.g. ["mcp__databricks"]),
   *    "mcp"               {"server", "url", "token"} of the host's MCP endpoint, or null,
   *    "model"             "" for the plugin's default,
   *    "llm"               {"workspace_url", "databricks_token"}: the Databricks workspace and the
   *                        user's token for Databricks Model Serving; both may be "" (SECRET: the
   *                        token must never be logged or put in argv)}
   *   Unknown members are ignored.
   * events: each write is ONE complete event as a JSON object {"type": ..., ...}, with the types
   *   and members of docs/events.md. The last write for a turn is always {"type":"done",
   *   "status":...}; after it the plugin never touches `events` again. OWNERSHIP: `events` (and its
   *   ctx) is host-owned and, unlike other sinks, stays valid until the plugin has written the
   *   "done" event for this run or until destroy() returns, whichever is first. THREADING:
   *   thread-safe; events->write may be called from any plugin thread but never concurrently for
   *   one run; it never blocks for long (the host queues). RETURNS: DK_OK when the turn started
   *   (and "done" will follow); otherwise an error status with a message on `err`, and no event is
   *   ever written. DK_ERR_CONFLICT: a turn of this conversation is already running;
   *   DK_ERR_UNAVAILABLE: the agent cannot run (no CLI, no LLM credentials). The error message may
   *   start with an error code of docs/events.md and ": " ("llm_not_configured: ...",
   *   "cli_not_found: ..."); the host then uses that code for the run's error event.
   *   Re-entrancy: the host never calls back into the plugin from inside events->write. */
  dk_status (*start_turn)(void* self, dk_str request_json, const dk_sink* events,
                          const dk_sink* err);

  /* Input for a running turn, identified by run_id. input_json is one of
   *   {"type":"interrupt"}   stop the turn (the session survives when it can); "done" with
   *                          status "cancelled" follows
   *   {"type":"permission","request_id":..., "decision":"allow"|"deny", "remember": bool}
   *                          answers a permission_request; remember = allow the tool for the rest
   *                          of the session. DK_ERR_NOT_FOUND for an unknown or closed request.
   * THREADING: thread-safe; may be called while the turn's events are being written.
   * RETURNS: DK_ERR_NOT_FOUND when no such run is live. */
  dk_status (*send_input)(void* self, dk_str run_id, dk_str input_json, const dk_sink* err);

  /* Closes warm sessions. options_json: {"idle_for_s": N} closes sessions idle that long,
   * {"conversation_id": "..."} closes that conversation's session, {} closes every idle session.
   * Live turns are never closed by this call. THREADING: thread-safe. */
  dk_status (*close_sessions)(void* self, dk_str options_json, const dk_sink* err);

  /* See "Common shapes". Adds {"sessions": N, "live_turns": N, "llm": "..."}. */
  dk_status (*health)(void* self, const dk_sink* out_json);

  void (*destroy)(void* self);
} dk_agent_backend_vtbl;

/* ----------------------------------------------------------------------------------------------
 * Kind 2: tool provider (mcp-databricks, third-party tools). Tools in MCP's own shapes.
 * ---------------------------------------------------------------------------------------------- */

/* One tools/call. OWNERSHIP: host-owned, valid during the call_tool call only. */
typedef struct dk_tool_call {
  uint32_t struct_size;
  dk_str name;           /* the tool's name as listed (without any mcp__server__ prefix) */
  dk_str arguments_json; /* a JSON object, already validated by the host against the inputSchema */
  /* context_json: {"user": {"email", "name"}, "project_id", "project_dir", "run_id",
   *   "databricks": {"host", "token"} or null}. Contains credentials: never log or persist it. */
  dk_str context_json;
  /* progress: each write is one JSON object {"progress": n, "total": n?, "message": "..."} with a
   * progress value that increases. May be written from any thread during the call, not
   * concurrently. */
  const dk_sink* progress;
  const dk_cancel* cancel; /* poll between units of work; return DK_ERR_CANCELLED once set */
  /* ABI 1.1. log: each write is one JSON object {"level", "data", "logger"?}, an MCP log message
   * for the calling client (notifications/message): level is one of "debug", "info", "notice",
   * "warning", "error", "critical", "alert", "emergency"; data is any JSON value. The host drops
   * messages below the level the client set with logging/setLevel and never logs them itself, so
   * they must not carry credentials either. Same threading as progress. A 1.0 host passes a
   * shorter struct: read this field only when struct_size covers it (the C++ SDK does). */
  const dk_sink* log;
} dk_tool_call;

typedef struct dk_tool_provider_vtbl {
  uint32_t struct_size;

  /* Writes the provider's tools as a JSON array of MCP Tool objects
   * [{"name", "title"?, "description", "inputSchema", "outputSchema"?, "annotations"?}], in a
   * stable order. Writes may split the document into chunks; the host concatenates them. THREADING:
   * thread-safe. */
  dk_status (*list_tools)(void* self, const dk_sink* out_json, const dk_sink* err);

  /* Runs one tool and writes an MCP CallToolResult {"content": [...], "structuredContent"?: {...},
   * "isError"?: bool} to out_json (chunks concatenated). A failure of the tool itself (an API
   * error, a failed statement) is DK_OK with "isError": true and text that tells the model what to
   * do next. Other statuses are protocol-level: DK_ERR_INVALID_ARGUMENT / DK_ERR_NOT_FOUND for a
   * bad call, DK_ERR_CANCELLED after cancel, with a message on err. THREADING: thread-safe and
   * reentrant; many calls run at once, each may block (poll cancel). */
  dk_status (*call_tool)(void* self, const dk_tool_call* call, const dk_sink* out_json,
                         const dk_sink* err);

  /* See "Common shapes". */
  dk_status (*health)(void* self, const dk_sink* out_json);

  void (*destroy)(void* self);
} dk_tool_provider_vtbl;

/* ----------------------------------------------------------------------------------------------
 * Kind 3: skills source (skills). Folders with a SKILL.md that are installed into projects.
 * ---------------------------------------------------------------------------------------------- */

typedef struct dk_skills_source_vtbl {
  uint32_t struct_size;

  /* Writes {"skills": [{"name", "description", "dir" (absolute), "files": ["SKILL.md", ...],
   *                     "tools"?: [MCP tool names the skill gates (SKILL.md `devkit-tools`)]}],
   *         "invalid": [{"path", "reason", "file"?, "errors"?: [{"file", "reason"}]}]}: every
   * valid skill, and every rejected folder (absolute path) with why ("reason": the first problem,
   * "file": where, relative to the folder; "errors": all of them). THREADING: thread-safe. */
  dk_status (*list_skills)(void* self, const dk_sink* out_json, const dk_sink* err);

  /* Validates one skill folder (absolute path) and writes {"valid": bool, "name"?, "description"?,
   * "errors": [{"file", "reason"}]}. THREADING: thread-safe. */
  dk_status (*validate_skill)(void* self, dk_str skill_dir, const dk_sink* out_json,
                              const dk_sink* err);

  /* Re-reads the source folder. THREADING: thread-safe; concurrent list_skills calls see either the
   * old or the new set, never a mix. */
  dk_status (*reload)(void* self, const dk_sink* err);

  dk_status (*health)(void* self, const dk_sink* out_json);
  void (*destroy)(void* self);
} dk_skills_source_vtbl;

/* ----------------------------------------------------------------------------------------------
 * Kind 4: storage (storage-local, storage-lakebase). Metadata and project archives.
 *
 * Every operation takes one JSON request and writes one JSON response (chunks concatenated).
 * Requests on user-owned data always carry "owner" (the user's email) and the plugin scopes its
 * queries by it: an object of another owner is DK_ERR_NOT_FOUND, never visible. List requests take
 * {"limit": n, "cursor": "..."} and answer {"items": [...], "next_cursor": "..." | null}.
 * Timestamps are integers: microseconds since the Unix epoch (UTC). Ids are strings chosen by the
 * host. THREADING: every function is thread-safe; the host calls them from many HTTP and run
 * threads. ERRORS: DK_ERR_UNAVAILABLE when the database cannot be reached (the host shows it on
 * /healthz and retries later); DK_ERR_CONFLICT for a duplicate id.
 * ---------------------------------------------------------------------------------------------- */

typedef struct dk_storage_vtbl {
  uint32_t struct_size;

  /* Projects: {"owner", "id", "name", "settings": {...}, "created_us", "updated_us"}.
   * put creates or replaces; get/delete take {"owner", "id"}; list takes {"owner", "limit",
   * "cursor"} and orders by updated_us descending. delete removes the project's conversations,
   * runs, events and archives too. */
  dk_status (*put_project)(void* self, dk_str request_json, const dk_sink* out_json,
                           const dk_sink* err);
  dk_status (*get_project)(void* self, dk_str request_json, const dk_sink* out_json,
                           const dk_sink* err);
  dk_status (*list_projects)(void* self, dk_str request_json, const dk_sink* out_json,
                             const dk_sink* err);
  dk_status (*delete_project)(void* self, dk_str request_json, const dk_sink* out_json,
                              const dk_sink* err);

  /* Conversations: {"owner", "id", "project_id", "title", "claude_session_id", "created_us",
   * "updated_us"}; list takes {"owner", "project_id", "limit", "cursor"}. */
  dk_status (*put_conversation)(void* self, dk_str request_json, const dk_sink* out_json,
                                const dk_sink* err);
  dk_status (*get_conversation)(void* self, dk_str request_json, const dk_sink* out_json,
                                const dk_sink* err);
  dk_status (*list_conversations)(void* self, dk_str request_json, const dk_sink* out_json,
                                  const dk_sink* err);
  dk_status (*delete_conversation)(void* self, dk_str request_json, const dk_sink* out_json,
                                   const dk_sink* err);

  /* Messages of a conversation as ordered structured blocks:
   * append takes {"owner", "conversation_id", "messages": [{"seq", "role", "blocks": [...],
   * "created_us"}]}; list takes {"owner", "conversation_id", "after_seq", "limit"}. */
  dk_status (*append_messages)(void* self, dk_str request_json, const dk_sink* out_json,
                               const dk_sink* err);
  dk_status (*list_messages)(void* self, dk_str request_json, const dk_sink* out_json,
                             const dk_sink* err);

  /* Runs: {"owner", "id", "conversation_id", "status", "started_us", "ended_us", "usage",
   * "cost_usd", "error"}; list takes {"owner", "conversation_id", "limit", "cursor"}. */
  dk_status (*put_run)(void* self, dk_str request_json, const dk_sink* out_json,
                       const dk_sink* err);
  dk_status (*get_run)(void* self, dk_str request_json, const dk_sink* out_json,
                       const dk_sink* err);
  dk_status (*list_runs)(void* self, dk_str request_json, const dk_sink* out_json,
                         const dk_sink* err);

  /* Run events: append takes {"owner", "run_id", "events": [{"seq", "type", "data", "time_us"}]}
   * and is idempotent per (run_id, seq); list takes {"owner", "run_id", "after_seq", "limit"}. */
  dk_status (*append_run_events)(void* self, dk_str request_json, const dk_sink* out_json,
                                 const dk_sink* err);
  dk_status (*list_run_events)(void* self, dk_str request_json, const dk_sink* out_json,
                               const dk_sink* err);

  /* Project archives (backups), streamed so a large archive never sits in memory whole.
   * put reads the archive from `data` until it returns 0, stores it atomically (a failed or
   * cancelled put leaves any previous archive intact) and writes {"size", "sha256", "created_us"}.
   * get writes the archive's bytes to `data` in chunks (each write a chunk; stop when a write
   * fails). stat writes {"exists": bool, "size", "sha256", "created_us"}; delete removes it. Every
   * request is {"owner", "project_id"}. THREADING: thread-safe; the host never runs two puts for
   * one project at once. */
  dk_status (*put_archive)(void* self, dk_str request_json, const dk_source* data,
                           const dk_sink* out_json, const dk_sink* err);
  dk_status (*get_archive)(void* self, dk_str request_json, const dk_sink* data,
                           const dk_sink* err);
  dk_status (*stat_archive)(void* self, dk_str request_json, const dk_sink* out_json,
                            const dk_sink* err);
  dk_status (*delete_archive)(void* self, dk_str request_json, const dk_sink* out_json,
                              const dk_sink* err);

  /* Host-level key/value state that must survive a restart (the backup worker's dirty set).
   * put takes {"key", "value"}; get takes {"key"} and writes {"value"} or DK_ERR_NOT_FOUND. */
  dk_status (*put_state)(void* self, dk_str request_json, const dk_sink* err);
  dk_status (*get_state)(void* self, dk_str request_json, const dk_sink* out_json,
                         const dk_sink* err);

  /* See "Common shapes". Adds {"reachable": bool, "schema_version": n}. */
  dk_status (*health)(void* self, const dk_sink* out_json);

  void (*destroy)(void* self);
} dk_storage_vtbl;

/* ----------------------------------------------------------------------------------------------
 * The descriptor and factories
 * ---------------------------------------------------------------------------------------------- */

/* A factory creates one instance of a kind.
 * config_json: the plugin's INI section as a JSON object, already validated by the host against
 *   config_schema_json, with schema defaults filled in and values converted to the schema's types.
 *   Keys the host itself consumes (enabled, required, path) are not included. Secrets are included
 *   (they come from the environment); never log them.
 * out_self / out_vtbl: set on DK_OK. The vtbl must stay valid until the process exits (static).
 * OWNERSHIP: *out_self is plugin-owned and released only through out_vtbl->destroy.
 * THREADING: the host calls factories on its main thread during startup, one at a time.
 * RETURNS: DK_OK, or an error status with a one-line reason on err (the host refuses to start when
 * the plugin is required). */
typedef dk_status (*dk_create_agent_backend_fn)(dk_str config_json, void** out_self,
                                                const dk_agent_backend_vtbl** out_vtbl,
                                                const dk_sink* err);
typedef dk_status (*dk_create_tool_provider_fn)(dk_str config_json, void** out_self,
                                                const dk_tool_provider_vtbl** out_vtbl,
                                                const dk_sink* err);
typedef dk_status (*dk_create_skills_source_fn)(dk_str config_json, void** out_self,
                                                const dk_skills_source_vtbl** out_vtbl,
                                                const dk_sink* err);
typedef dk_status (*dk_create_storage_fn)(dk_str config_json, void** out_self,
                                          const dk_storage_vtbl** out_vtbl, const dk_sink* err);

/* OWNERSHIP: plugin-owned, static: valid until the process exits (the host never unloads plugins).
 * Every const char* is NUL-terminated UTF-8. */
typedef struct dk_plugin_descriptor {
  uint32_t struct_size;
  uint32_t abi_major;      /* DK_ABI_MAJOR the plugin was built with */
  uint32_t abi_minor;      /* DK_ABI_MINOR the plugin was built with */
  const char* id;          /* equals the INI section name after "plugin."; [a-z0-9][a-z0-9.-]* */
  const char* version;     /* the plugin's own semantic version */
  const char* description; /* one line for /healthz and logs; may be NULL */
  /* JSON Schema (an object with "properties"; see docs/configuration.md for the subset the host
   * understands) of the plugin's INI section; NULL means the section takes no keys of its own. */
  const char* config_schema_json;

  /* One interface version and factory per kind; version 0 and a NULL factory = not provided. */
  uint32_t agent_backend_version;
  dk_create_agent_backend_fn create_agent_backend;
  uint32_t tool_provider_version;
  dk_create_tool_provider_fn create_tool_provider;
  uint32_t skills_source_version;
  dk_create_skills_source_fn create_skills_source;
  uint32_t storage_version;
  dk_create_storage_fn create_storage;
} dk_plugin_descriptor;

/* The one exported symbol. The host calls it once, on its main thread, right after loading.
 * host: OWNERSHIP host-owned, valid until the process exits; keep the pointer.
 * RETURNS: the plugin's static descriptor, or NULL when the plugin refuses to start (it should say
 * why through host->log first). */
typedef const dk_plugin_descriptor* (*dk_plugin_entry_fn)(const dk_host_api* host);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* DEVKIT_ABI_H */
