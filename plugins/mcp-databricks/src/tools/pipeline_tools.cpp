// Lakeflow Spark Declarative Pipelines tools (databricks-api.md §4): create_or_update_pipeline,
// start_pipeline_update, get_pipeline, get_pipeline_events, stop_pipeline, delete_pipeline.
#include <algorithm>
#include <cctype>
#include <chrono>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "tools/tool.hpp"

namespace devkit::databricks {
namespace {

using namespace std::chrono_literals;

constexpr const char* kPipelinesPath = "/api/2.0/pipelines";
constexpr size_t kMaxMessageChars = 2000;

[[noreturn]] void invalid(const std::string& message) {
  throw devkit::sdk::Error(DK_ERR_INVALID_ARGUMENT, message);
}

std::string clip(const std::string& text, size_t max = kMaxMessageChars) {
  if (text.size() <= max) return text;
  return text.substr(0, max) + "... (" + std::to_string(text.size() - max) + " more chars)";
}

// Pipeline and update ids are UUIDs; refusing anything else keeps them from escaping the path.
std::string requireId(const ToolContext& ctx, const char* name) {
  std::string id = ctx.str(name);
  if (id.empty()) invalid(std::string("'") + name + "' is required");
  for (char c : id) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_')) {
      invalid(std::string("'") + name + "' is not a valid id: " + id);
    }
  }
  return id;
}

std::string pipelinePath(const std::string& id) { return std::string(kPipelinesPath) + "/" + id; }

// A filter literal: single quotes doubled (the pipelines filter grammar is SQL-like).
std::string quoteLiteral(const std::string& value) {
  std::string out = "'";
  for (char c : value) {
    out += c;
    if (c == '\'') out += '\'';
  }
  return out + "'";
}

std::string stringOr(const json& object, const char* key, const std::string& fallback = "") {
  if (object.is_object() && object.contains(key) && object[key].is_string()) {
    return object[key].get<std::string>();
  }
  return fallback;
}

json specSummary(const json& spec) {
  json summary = json::object();
  for (const char* key :
       {"name", "catalog", "schema", "target", "root_path", "channel", "edition"}) {
    if (spec.contains(key) && !spec[key].is_null()) summary[key] = spec[key];
  }
  for (const char* key : {"serverless", "continuous", "development", "photon"}) {
    if (spec.contains(key) && spec[key].is_boolean()) summary[key] = spec[key];
  }
  json libraries = json::array();
  for (const auto& library : spec.value("libraries", json::array())) {
    if (!library.is_object()) continue;
    if (library.contains("file")) {
      libraries.push_back({{"file", stringOr(library["file"], "path")}});
    } else if (library.contains("notebook")) {
      libraries.push_back({{"notebook", stringOr(library["notebook"], "path")}});
    } else if (library.contains("glob")) {
      libraries.push_back({{"glob", stringOr(library["glob"], "include")}});
    } else {
      libraries.push_back(library);
    }
  }
  summary["libraries"] = libraries;
  if (spec.contains("configuration") && spec["configuration"].is_object() &&
      !spec["configuration"].empty()) {
    summary["configuration"] = spec["configuration"];
  }
  return summary;
}

// Finds the pipelines whose name is exactly `name` (the LIKE filter may match more).
std::vector<json> findByName(ToolContext& ctx, const std::string& name) {
  json statuses = ctx.client().getAllPages(
      kPipelinesPath, {{"filter", "name LIKE " + quoteLiteral(name)}, {"max_results", "100"}},
      "statuses", 1000);
  std::vector<json> matches;
  for (const auto& status : statuses) {
    if (stringOr(status, "name") == name) matches.push_back(status);
  }
  return matches;
}

// --- create_or_update_pipeline -------------------------------------------------------------

json buildSpec(const ToolContext& ctx) {
  const std::string name = ctx.str("name");
  const std::string catalog = ctx.str("catalog");
  const std::string schema = ctx.str("schema");
  if (name.empty()) invalid("'name' is required");
  if (catalog.empty()) invalid("'catalog' is required");
  if (schema.empty()) invalid("'schema' is required");
  const std::vector<std::string> files = ctx.strings("files");
  std::optional<std::string> folder = ctx.optStr("folder");
  if (folder && folder->empty()) folder.reset();
  if (files.empty() == !folder.has_value()) {
    invalid(
        "give exactly one of 'files' (workspace paths of the source files) or 'folder' (a "
        "workspace folder whose files all become sources)");
  }
  json libraries = json::array();
  for (const auto& file : files) {
    if (file.empty() || file.front() != '/') {
      invalid("'files' must hold absolute workspace paths (/Workspace/...), got '" + file + "'");
    }
    libraries.push_back({{"file", {{"path", file}}}});
  }
  std::optional<std::string> rootPath = ctx.optStr("root_path");
  if (folder) {
    std::string base = *folder;
    while (base.size() > 1 && base.back() == '/') base.pop_back();
    if (base.ends_with("/**")) base.resize(base.size() - 3);
    if (base.empty() || base.front() != '/') {
      invalid("'folder' must be an absolute workspace path (/Workspace/...), got '" + *folder +
              "'");
    }
    libraries.push_back({{"glob", {{"include", base + "/**"}}}});
    if (!rootPath) rootPath = base;  // the folder is the pipeline's root (sys.path, UI root)
  }
  json spec = {{"name", name},
               {"catalog", catalog},
               {"schema", schema},
               {"libraries", libraries},
               {"serverless", ctx.boolean("serverless", true)},
               {"continuous", ctx.boolean("continuous", false)},
               {"development", ctx.boolean("development", true)},
               {"channel", ctx.str("channel", "CURRENT")}};
  if (rootPath && !rootPath->empty()) spec["root_path"] = *rootPath;
  json configuration = json::object();
  if (ctx.args().contains("configuration") && !ctx.args()["configuration"].is_null()) {
    const json& given = ctx.args()["configuration"];
    if (!given.is_object()) invalid("'configuration' must be an object of strings");
    for (const auto& [key, value] : given.items()) {
      // The API takes string values only; numbers and booleans are written as text.
      configuration[key] = value.is_string() ? value.get<std::string>() : value.dump();
    }
  }
  spec["configuration"] = configuration;
  return spec;
}

ToolResult createOrUpdatePipeline(ToolContext& ctx) {
  json spec = buildSpec(ctx);
  const std::string name = spec["name"];
  std::vector<json> existing = findByName(ctx, name);
  if (existing.size() > 1) {
    std::string ids;
    for (const auto& status : existing) {
      ids += (ids.empty() ? "" : ", ") + stringOr(status, "pipeline_id");
    }
    throw ToolFailure("several pipelines are named '" + name + "' (" + ids +
                      "); refusing to guess which to update. Delete the extra ones with "
                      "delete_pipeline, or choose another name.");
  }
  std::string pipelineId;
  bool created = false;
  if (existing.size() == 1) {
    pipelineId = stringOr(existing.front(), "pipeline_id");
    // Edit replaces the whole spec: send everything, with the id kept.
    json body = spec;
    body["id"] = pipelineId;
    ctx.client().put(pipelinePath(pipelineId), body);
  } else {
    json response = ctx.client().post(kPipelinesPath, spec);
    pipelineId = stringOr(response, "pipeline_id");
    if (pipelineId.empty()) {
      throw ToolFailure("Databricks created the pipeline but returned no pipeline_id; look for '" +
                        name + "' with get_pipeline or in the UI before retrying.");
    }
    created = true;
  }
  const std::string link = "/pipelines/" + pipelineId;
  return ToolResult::structured({{"pipeline_id", pipelineId},
                                 {"action", created ? "created" : "updated"},
                                 {"spec", specSummary(spec)},
                                 {"link", link},
                                 {"url", ctx.client().host() + link}});
}

// --- events ---------------------------------------------------------------------------------

json eventSummary(const json& event) {
  json origin = event.value("origin", json::object());
  json out = {{"id", stringOr(event, "id")},
              {"timestamp", stringOr(event, "timestamp")},
              {"level", stringOr(event, "level")},
              {"event_type", stringOr(event, "event_type")},
              {"message", clip(stringOr(event, "message"))}};
  if (!stringOr(origin, "update_id").empty()) out["update_id"] = stringOr(origin, "update_id");
  if (!stringOr(origin, "flow_name").empty()) out["flow_name"] = stringOr(origin, "flow_name");
  if (!stringOr(origin, "dataset_name").empty()) {
    out["dataset_name"] = stringOr(origin, "dataset_name");
  }
  json exceptions = json::array();
  if (event.contains("error") && event["error"].is_object()) {
    for (const auto& exception : event["error"].value("exceptions", json::array())) {
      json e = {{"message", clip(stringOr(exception, "message"))}};
      if (!stringOr(exception, "class_name").empty()) {
        e["class_name"] = stringOr(exception, "class_name");
      }
      exceptions.push_back(e);
    }
    if (event["error"].contains("fatal")) out["fatal"] = event["error"]["fatal"];
  }
  if (!exceptions.empty()) out["exceptions"] = exceptions;
  return out;
}

// Lists events newest first. page_token is exclusive with filter and order_by, so later pages
// carry the token (and max_results) only.
std::vector<json> fetchEvents(ToolContext& ctx, const std::string& pipelineId,
                              const std::string& filter, size_t maxEvents) {
  std::vector<json> events;
  const std::string pageSize = std::to_string(std::clamp<size_t>(maxEvents, 1, 100));
  Query query{{"max_results", pageSize}};
  if (!filter.empty()) query.emplace_back("filter", filter);
  for (int page = 0; page < 50 && events.size() < maxEvents; ++page) {
    json response = ctx.client().get(pipelinePath(pipelineId) + "/events", query);
    for (const auto& event : response.value("events", json::array())) {
      if (events.size() >= maxEvents) break;
      events.push_back(event);
    }
    const std::string token = stringOr(response, "next_page_token");
    if (token.empty()) break;
    query = {{"page_token", token}, {"max_results", pageSize}};
  }
  return events;
}

std::string andFilter(const std::string& a, const std::string& b) {
  if (a.empty()) return b;
  if (b.empty()) return a;
  return a + " AND " + b;
}

ToolResult getPipelineEvents(ToolContext& ctx) {
  const std::string pipelineId = requireId(ctx, "pipeline_id");
  std::string updateFilter;
  if (auto updateId = ctx.optStr("update_id"); updateId && !updateId->empty()) {
    updateFilter = "update_id = " + quoteLiteral(requireId(ctx, "update_id"));
  }
  const auto maxEvents =
      static_cast<size_t>(std::clamp<int64_t>(ctx.integer("max_events", 50), 1, 500));
  std::optional<std::string> level = ctx.optStr("level");
  if (level && level->empty()) level.reset();
  if (level && *level != "ERROR" && *level != "WARN" && *level != "INFO") {
    invalid("'level' must be ERROR, WARN or INFO");
  }
  json events = json::array();
  size_t errorCount = 0;
  if (level) {
    for (const auto& e :
         fetchEvents(ctx, pipelineId, andFilter("level=" + quoteLiteral(*level), updateFilter),
                     maxEvents)) {
      events.push_back(eventSummary(e));
    }
    if (*level == "ERROR") errorCount = events.size();
  } else {
    // Errors first (the model's usual question is "why did it fail"), then everything else.
    std::set<std::string> seen;
    for (const auto& e :
         fetchEvents(ctx, pipelineId, andFilter("level='ERROR'", updateFilter), maxEvents)) {
      seen.insert(stringOr(e, "id"));
      events.push_back(eventSummary(e));
    }
    errorCount = events.size();
    if (events.size() < maxEvents) {
      for (const auto& e : fetchEvents(ctx, pipelineId, updateFilter, maxEvents)) {
        if (events.size() >= maxEvents) break;
        if (stringOr(e, "level") == "ERROR" || seen.count(stringOr(e, "id")) > 0) continue;
        events.push_back(eventSummary(e));
      }
    }
  }
  json answer = {{"pipeline_id", pipelineId},
                 {"count", events.size()},
                 {"error_count", errorCount},
                 {"order", level ? "newest first"
                                 : "errors first (newest first), then other events (newest first)"},
                 {"events", events}};
  if (!updateFilter.empty()) answer["update_id"] = ctx.str("update_id");
  return ToolResult::structured(capForAnswer(ctx, "get_pipeline_events", answer, "events"));
}

// The exception messages of a failed update, oldest first (as the CLI reports them).
std::vector<std::string> updateErrors(ToolContext& ctx, const std::string& pipelineId,
                                      const std::string& updateId) {
  std::vector<std::string> messages;
  std::vector<json> events = fetchEvents(ctx, pipelineId, "level='ERROR'", 100);
  std::reverse(events.begin(), events.end());
  for (const auto& event : events) {
    if (stringOr(event.value("origin", json::object()), "update_id") != updateId) continue;
    bool any = false;
    if (event.contains("error") && event["error"].is_object()) {
      for (const auto& exception : event["error"].value("exceptions", json::array())) {
        std::string message = stringOr(exception, "message");
        if (message.empty()) continue;
        const std::string className = stringOr(exception, "class_name");
        // The flow's and the update's error events usually repeat the same exception.
        std::string line = clip(className.empty() ? message : className + ": " + message);
        if (std::find(messages.begin(), messages.end(), line) == messages.end()) {
          messages.push_back(std::move(line));
        }
        any = true;
      }
    }
    if (!any && !stringOr(event, "message").empty()) {
      messages.push_back(clip(stringOr(event, "message")));
    }
  }
  return messages;
}

// --- start_pipeline_update ------------------------------------------------------------------

bool terminalUpdateState(const std::string& state) {
  return state == "COMPLETED" || state == "FAILED" || state == "CANCELED";
}

ToolResult startPipelineUpdate(ToolContext& ctx) {
  const std::string pipelineId = requireId(ctx, "pipeline_id");
  const bool fullRefresh = ctx.boolean("full_refresh", false);
  const bool validateOnly = ctx.boolean("validate_only", false);
  const auto refreshSelection = ctx.strings("refresh_selection");
  const auto fullRefreshSelection = ctx.strings("full_refresh_selection");
  if (fullRefresh && (!refreshSelection.empty() || !fullRefreshSelection.empty())) {
    invalid(
        "'full_refresh' refreshes every table; do not combine it with 'refresh_selection' or "
        "'full_refresh_selection'");
  }
  json body = {{"full_refresh", fullRefresh}, {"validate_only", validateOnly}};
  if (!refreshSelection.empty()) body["refresh_selection"] = refreshSelection;
  if (!fullRefreshSelection.empty()) body["full_refresh_selection"] = fullRefreshSelection;

  json response;
  try {
    // Not idempotent: a blind retry after a timeout could start a second update.
    response = ctx.client().post(pipelinePath(pipelineId) + "/updates", body, false);
  } catch (const ApiError& e) {
    std::string lowered = e.message();
    std::transform(lowered.begin(), lowered.end(), lowered.begin(),
                   [](unsigned char c) { return std::tolower(c); });
    if (!e.notFound() && (e.status() == 409 || e.alreadyExists() ||
                          lowered.find("active update") != std::string::npos ||
                          lowered.find("already") != std::string::npos)) {
      throw ToolFailure("pipeline " + pipelineId + " already has an update running (" +
                        e.message() +
                        "). Wait for it with get_pipeline, or stop it with stop_pipeline, then "
                        "start the update again.");
    }
    throw;
  }
  const std::string updateId = stringOr(response, "update_id");
  json answer = {{"pipeline_id", pipelineId},
                 {"update_id", updateId},
                 {"full_refresh", fullRefresh},
                 {"validate_only", validateOnly},
                 {"link", "/pipelines/" + pipelineId + "/updates/" + updateId}};
  if (!ctx.boolean("wait", true) || updateId.empty()) {
    answer["state"] = "STARTED";
    answer["note"] = "The update runs in the background; follow it with get_pipeline.";
    return ToolResult::structured(answer);
  }

  const auto timeout =
      std::chrono::seconds(std::clamp<int64_t>(ctx.integer("timeout_s", 1800), 1, 86400));
  const auto start = std::chrono::steady_clock::now();
  std::string state;
  json update;
  std::vector<json> transitions;
  double note = 0;
  for (int poll = 0;; ++poll) {
    update = ctx.client()
                 .get(pipelinePath(pipelineId) + "/updates/" + updateId)
                 .value("update", json::object());
    const std::string now = stringOr(update, "state", "UNKNOWN");
    const auto elapsed =
        std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - start);
    if (now != state) {
      state = now;
      transitions.push_back({{"state", state}, {"after_s", elapsed.count()}});
      ctx.progress(++note, std::nullopt,
                   "pipeline update " + updateId + ": " + state + " after " +
                       std::to_string(elapsed.count()) + " s");
    }
    if (terminalUpdateState(state)) break;
    if (elapsed >= timeout) {
      answer["state"] = state;
      answer["timed_out"] = true;
      answer["states"] = transitions;
      answer["note"] = "Still " + state + " after " + std::to_string(timeout.count()) +
                       " s; the update keeps running. Follow it with get_pipeline or stop it with "
                       "stop_pipeline.";
      return ToolResult::structured(answer);
    }
    // The CLI polls every second; back off to ~2 s once the update has settled in.
    ctx.client().wait(poll < 5 ? 1000ms : 2000ms);
  }
  answer["state"] = state;
  answer["states"] = transitions;
  answer["duration_s"] =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - start)
          .count();
  if (state == "FAILED") {
    std::vector<std::string> errors = updateErrors(ctx, pipelineId, updateId);
    std::string text = "pipeline update " + updateId + " of pipeline " + pipelineId + " FAILED";
    if (errors.empty()) {
      text += " (no error events were found).";
    } else {
      text += ":";
      for (const auto& message : errors) text += "\n- " + message;
    }
    text +=
        "\nFix the pipeline sources (or settings) and start a new update; "
        "get_pipeline_events gives the full event log.";
    throw ToolFailure(text);
  }
  if (state == "CANCELED") {
    throw ToolFailure("pipeline update " + updateId + " of pipeline " + pipelineId +
                      " was CANCELED before it completed (stopped by a user, stop_pipeline or "
                      "another update). Start a new update if it is still needed.");
  }
  return ToolResult::structured(answer);
}

// --- get / stop / delete --------------------------------------------------------------------

ToolResult getPipeline(ToolContext& ctx) {
  const std::string pipelineId = requireId(ctx, "pipeline_id");
  json pipeline = ctx.client().get(pipelinePath(pipelineId));
  json answer = {{"pipeline_id", stringOr(pipeline, "pipeline_id", pipelineId)},
                 {"name", stringOr(pipeline, "name")},
                 {"state", stringOr(pipeline, "state")},
                 {"health", stringOr(pipeline, "health")},
                 {"link", "/pipelines/" + pipelineId}};
  for (const char* key :
       {"cause", "cluster_id", "creator_user_name", "run_as_user_name", "last_modified"}) {
    if (pipeline.contains(key) && !pipeline[key].is_null()) answer[key] = pipeline[key];
  }
  json updates = json::array();
  for (const auto& update : pipeline.value("latest_updates", json::array())) {
    if (updates.size() >= 5) break;
    updates.push_back({{"update_id", stringOr(update, "update_id")},
                       {"state", stringOr(update, "state")},
                       {"creation_time", update.value("creation_time", json())}});
  }
  answer["latest_updates"] = updates;
  answer["spec"] = specSummary(pipeline.value("spec", json::object()));
  return ToolResult::structured(answer);
}

ToolResult stopPipeline(ToolContext& ctx) {
  const std::string pipelineId = requireId(ctx, "pipeline_id");
  ctx.client().post(pipelinePath(pipelineId) + "/stop", json::object(), true);
  json answer = {{"pipeline_id", pipelineId}, {"stop_requested", true}};
  if (!ctx.boolean("wait", true)) {
    answer["note"] = "Stopping in the background; get_pipeline shows IDLE once stopped.";
    return ToolResult::structured(answer);
  }
  const auto timeout =
      std::chrono::seconds(std::clamp<int64_t>(ctx.integer("timeout_s", 600), 1, 86400));
  const auto start = std::chrono::steady_clock::now();
  std::string state;
  double note = 0;
  for (int poll = 0;; ++poll) {
    const std::string now = stringOr(ctx.client().get(pipelinePath(pipelineId)), "state");
    if (now != state) {
      state = now;
      ctx.progress(++note, std::nullopt, "pipeline " + pipelineId + ": " + state);
    }
    if (state == "IDLE") break;
    if (state == "FAILED") {
      throw ToolFailure("pipeline " + pipelineId +
                        " went to FAILED while stopping; read "
                        "get_pipeline_events for the errors.");
    }
    if (std::chrono::steady_clock::now() - start >= timeout) {
      answer["state"] = state;
      answer["timed_out"] = true;
      answer["note"] = "Not IDLE yet after " + std::to_string(timeout.count()) +
                       " s; the stop continues in the background.";
      return ToolResult::structured(answer);
    }
    ctx.client().wait(poll < 5 ? 1000ms : 2000ms);
  }
  answer["state"] = state;
  return ToolResult::structured(answer);
}

ToolResult deletePipeline(ToolContext& ctx) {
  const std::string pipelineId = requireId(ctx, "pipeline_id");
  ctx.client().del(pipelinePath(pipelineId));
  return ToolResult::structured(
      {{"pipeline_id", pipelineId},
       {"deleted", true},
       {"note",
        "The pipeline is deleted; the tables it managed in Unity Catalog are dropped "
        "with it (cascade)."}});
}

// --- schemas --------------------------------------------------------------------------------

json idProperty(const char* what) {
  return {
      {"type", "string"}, {"description", what}, {"minLength", 1}, {"pattern", "^[A-Za-z0-9_-]+$"}};
}

json stringList(const char* what) {
  return {{"type", "array"}, {"items", {{"type", "string"}}}, {"description", what}};
}

json objectSchema(json properties, json required) {
  return {{"type", "object"},
          {"properties", std::move(properties)},
          {"required", std::move(required)},
          {"additionalProperties", false}};
}

}  // namespace

void registerPipelineTools(ToolRegistry& registry) {
  registry.add(ToolDef{
      .name = "create_or_update_pipeline",
      .title = "Create or update a pipeline",
      .description =
          "Creates a Lakeflow Spark Declarative Pipeline (serverless by default) that publishes "
          "to a Unity Catalog catalog/schema, or updates the one with the same name. Idempotent "
          "by name: when a pipeline with exactly this name exists its whole spec is replaced "
          "with the one built from these arguments (edit replaces everything; arguments left out "
          "get their defaults). Refuses when several pipelines share the name. Sources are "
          "either 'files' (workspace paths of .py/.sql files) or 'folder' (every file under it, "
          "as one glob library '<folder>/**'). Does not start the pipeline: call "
          "start_pipeline_update next. Returns {pipeline_id, action: created|updated, spec, link}."
          "\nExample: {\"name\": \"orders_etl\", \"catalog\": \"main\", \"schema\": \"sales\", "
          "\"folder\": \"/Workspace/Users/me@example.com/orders_etl/transformations\"}",
      .inputSchema = objectSchema(
          {{"name",
            {{"type", "string"},
             {"minLength", 1},
             {"description", "Pipeline name; the key for create-or-update."}}},
           {"catalog",
            {{"type", "string"},
             {"minLength", 1},
             {"description", "Unity Catalog catalog the tables are published to."}}},
           {"schema",
            {{"type", "string"},
             {"minLength", 1},
             {"description", "Default schema of the published tables."}}},
           {"files", stringList("Workspace paths of the source files (/Workspace/...); one file "
                                "library each. Exclusive with 'folder'.")},
           {"folder",
            {{"type", "string"},
             {"description",
              "Workspace folder whose files are all sources (one glob "
              "library '<folder>/**'). Exclusive with 'files'."}}},
           {"root_path",
            {{"type", "string"},
             {"description",
              "Pipeline root folder (added to sys.path; the UI "
              "root). Defaults to 'folder' when given."}}},
           {"serverless",
            {{"type", "boolean"},
             {"default", true},
             {"description", "Run on serverless compute."}}},
           {"continuous",
            {{"type", "boolean"},
             {"default", false},
             {"description", "Continuous pipeline; false = triggered updates."}}},
           {"development",
            {{"type", "boolean"},
             {"default", true},
             {"description", "Development mode (faster restarts, no retries)."}}},
           {"configuration",
            {{"type", "object"},
             {"additionalProperties", {{"type", "string"}}},
             {"default", json::object()},
             {"description", "Spark/pipeline configuration key -> string value."}}},
           {"channel",
            {{"type", "string"},
             {"enum", {"CURRENT", "PREVIEW"}},
             {"default", "CURRENT"},
             {"description", "Runtime channel."}}}},
          {"name", "catalog", "schema"}),
      .outputSchema = nullptr,
      .readOnly = false,
      // An update replaces the whole spec: settings made elsewhere (tags, notifications) go.
      .destructive = true,
      .idempotent = true,
      .run = createOrUpdatePipeline});

  registry.add(ToolDef{
      .name = "start_pipeline_update",
      .title = "Start a pipeline update",
      .description =
          "Starts an update (a run) of a pipeline: all tables, a full refresh, a selection, or a "
          "validation only (checks the code and the graph without writing tables). With wait "
          "(default) it follows the update with progress notes until COMPLETED, FAILED or "
          "CANCELED; a FAILED update is an error listing the exception messages, oldest first. "
          "Not idempotent: each call starts a new update; it fails when one is already running "
          "(stop it with stop_pipeline or wait). Returns {pipeline_id, update_id, state, "
          "states[{state, after_s}], duration_s}.\nExample: {\"pipeline_id\": "
          "\"a1b2c3d4-0000-1111-2222-333344445555\", \"full_refresh\": true}",
      .inputSchema = objectSchema(
          {{"pipeline_id", idProperty("Pipeline id (from create_or_update_pipeline).")},
           {"full_refresh",
            {{"type", "boolean"},
             {"default", false},
             {"description",
              "Recompute every table from scratch (truncates "
              "streaming tables)."}}},
           {"refresh_selection", stringList("Only refresh these tables (names).")},
           {"full_refresh_selection", stringList("Fully recompute these tables (names).")},
           {"validate_only",
            {{"type", "boolean"},
             {"default", false},
             {"description",
              "Only validate the sources and the dataflow graph; "
              "no table is written."}}},
           {"wait",
            {{"type", "boolean"},
             {"default", true},
             {"description", "Wait for the update to finish, with progress notes."}}},
           {"timeout_s",
            {{"type", "integer"},
             {"default", 1800},
             {"minimum", 1},
             {"maximum", 86400},
             {"description",
              "Give up waiting after this many seconds (the update "
              "keeps running)."}}}},
          {"pipeline_id"}),
      .outputSchema = nullptr,
      .readOnly = false,
      .destructive = false,
      .idempotent = false,
      .run = startPipelineUpdate});

  registry.add(ToolDef{
      .name = "get_pipeline",
      .title = "Get a pipeline",
      .description =
          "Reads a pipeline: state (IDLE, RUNNING, FAILED...), health, cause, its latest updates "
          "(newest first) and a summary of its spec (catalog, schema, libraries, flags). Returns "
          "{pipeline_id, name, state, health, latest_updates[{update_id, state, creation_time}], "
          "spec}.\nExample: {\"pipeline_id\": \"a1b2c3d4-0000-1111-2222-333344445555\"}",
      .inputSchema = objectSchema({{"pipeline_id", idProperty("Pipeline id.")}}, {"pipeline_id"}),
      .outputSchema = nullptr,
      .readOnly = true,
      .destructive = false,
      .idempotent = true,
      .run = getPipeline});

  registry.add(ToolDef{
      .name = "get_pipeline_events",
      .title = "Get pipeline events",
      .description =
          "Reads a pipeline's event log, by default errors first (with their exception "
          "messages) and then the other events, newest first within each group; optionally "
          "only one level or one update. Use it to find why an update failed. Returns "
          "{count, error_count, events[{timestamp, level, event_type, message, update_id, "
          "flow_name, exceptions[{class_name, message}]}]}.\nExample: {\"pipeline_id\": "
          "\"a1b2c3d4-0000-1111-2222-333344445555\", \"level\": \"ERROR\", \"max_events\": 20}",
      .inputSchema = objectSchema({{"pipeline_id", idProperty("Pipeline id.")},
                                   {"update_id", idProperty("Only events of this update.")},
                                   {"level",
                                    {{"type", "string"},
                                     {"enum", {"ERROR", "WARN", "INFO"}},
                                     {"description",
                                      "Only events of this level; default: errors first, then "
                                      "all other events."}}},
                                   {"max_events",
                                    {{"type", "integer"},
                                     {"default", 50},
                                     {"minimum", 1},
                                     {"maximum", 500},
                                     {"description", "At most this many events."}}}},
                                  {"pipeline_id"}),
      .outputSchema = nullptr,
      .readOnly = true,
      .destructive = false,
      .idempotent = true,
      .run = getPipelineEvents});

  registry.add(ToolDef{
      .name = "stop_pipeline",
      .title = "Stop a pipeline",
      .description =
          "Stops the active update of a pipeline (no-op when none runs) and by default waits "
          "until the pipeline is IDLE. Returns {pipeline_id, state}.\nExample: {\"pipeline_id\": "
          "\"a1b2c3d4-0000-1111-2222-333344445555\"}",
      .inputSchema = objectSchema({{"pipeline_id", idProperty("Pipeline id.")},
                                   {"wait",
                                    {{"type", "boolean"},
                                     {"default", true},
                                     {"description", "Wait until the pipeline is IDLE."}}},
                                   {"timeout_s",
                                    {{"type", "integer"},
                                     {"default", 600},
                                     {"minimum", 1},
                                     {"maximum", 86400},
                                     {"description",
                                      "Give up waiting after this many "
                                      "seconds."}}}},
                                  {"pipeline_id"}),
      .outputSchema = nullptr,
      .readOnly = false,
      .destructive = false,
      .idempotent = true,
      .run = stopPipeline});

  registry.add(ToolDef{
      .name = "delete_pipeline",
      .title = "Delete a pipeline",
      .description =
          "Deletes a pipeline. Destructive: the materialized views and streaming tables it "
          "manages are dropped with it. Returns {pipeline_id, deleted: true}.\nExample: "
          "{\"pipeline_id\": \"a1b2c3d4-0000-1111-2222-333344445555\"}",
      .inputSchema = objectSchema({{"pipeline_id", idProperty("Pipeline id.")}}, {"pipeline_id"}),
      .outputSchema = nullptr,
      .readOnly = false,
      .destructive = true,
      .idempotent = true,
      .run = deletePipeline});
}

}  // namespace devkit::databricks
