// Unity Catalog tools: list/get catalogs, schemas, tables, volumes; create catalog, schema,
// volume (databricks-api.md §6). Lists page with max_results=0 (a server-chosen page size) and
// follow next_page_token across empty pages.
//
// Creating something that already exists is a success with "created": false and the existing
// object ("already_existed": true), not an error: an agent re-running a setup step should move
// on, and the answer still tells it nothing new was made (and shows the existing comment/type).
#include <algorithm>
#include <functional>

#include "tools/tool.hpp"

namespace devkit::databricks {
namespace {

using devkit::sdk::Error;
using nlohmann::json;

const std::string kUc = "/api/2.1/unity-catalog";
constexpr size_t kMaxListed = 5000;

json prop(const char* type, const std::string& description) {
  return {{"type", type}, {"description", description}};
}

json objectSchema(json properties, std::vector<std::string> required) {
  json s = {{"type", "object"}, {"additionalProperties", false}, {"properties", properties}};
  if (!required.empty()) s["required"] = required;
  return s;
}

std::string required(ToolContext& ctx, const char* name) {
  const std::string v = ctx.str(name);
  if (v.empty()) throw Error(DK_ERR_INVALID_ARGUMENT, std::string(name) + " is required");
  return v;
}

// A dotted full name with exactly `parts` parts, e.g. "main.sales.orders".
std::string fullName(ToolContext& ctx, size_t parts, const char* example) {
  const std::string v = required(ctx, "full_name");
  const size_t dots = static_cast<size_t>(std::count(v.begin(), v.end(), '.'));
  if (dots + 1 != parts || v.front() == '.' || v.back() == '.' ||
      v.find("..") != std::string::npos) {
    throw Error(DK_ERR_INVALID_ARGUMENT, "full_name must have " + std::to_string(parts) +
                                             " dot-separated parts, e.g. \"" + example + "\"");
  }
  return v;
}

json pick(const json& item, std::initializer_list<const char*> keys) {
  json out = json::object();
  for (const char* k : keys) {
    const auto it = item.find(k);
    if (it != item.end() && !it->is_null()) out[k] = *it;
  }
  return out;
}

// A not-found error with the way to find the right name.
[[noreturn]] void notFound(const ApiError& e, const std::string& what, const std::string& how) {
  if (e.notFound()) throw ToolFailure(e.toolText() + "\n" + what + " not found: " + how);
  throw e;
}

ToolResult listed(ToolContext& ctx, const std::string& tool, const std::string& key,
                  const json& items, bool truncated, json extra,
                  const std::function<json(const json&)>& summary) {
  json list = json::array();
  for (const json& item : items) list.push_back(summary(item));
  json value = std::move(extra);
  value["count"] = list.size();
  value[key] = std::move(list);
  if (truncated) {
    value["note"] = "Only the first " + std::to_string(kMaxListed) + " are listed.";
  }
  return ToolResult::structured(capForAnswer(ctx, tool, std::move(value), key));
}

// --- list ----------------------------------------------------------------------------------

ToolResult listCatalogs(ToolContext& ctx) {
  bool truncated = false;
  const json all = ctx.client().getAllPages(kUc + "/catalogs", {{"max_results", "0"}}, "catalogs",
                                            kMaxListed, &truncated);
  return listed(ctx, "list_catalogs", "catalogs", all, truncated, json::object(),
                [](const json& c) {
                  return pick(c, {"name", "catalog_type", "comment", "owner"});
                });
}

ToolResult listSchemas(ToolContext& ctx) {
  const std::string catalog = required(ctx, "catalog");
  bool truncated = false;
  json all;
  try {
    all = ctx.client().getAllPages(kUc + "/schemas",
                                   {{"catalog_name", catalog}, {"max_results", "0"}}, "schemas",
                                   kMaxListed, &truncated);
  } catch (const ApiError& e) {
    notFound(e, "catalog " + catalog, "list_catalogs shows the catalogs you can see");
  }
  return listed(ctx, "list_schemas", "schemas", all, truncated, {{"catalog", catalog}},
                [](const json& s) {
                  return pick(s, {"name", "full_name", "comment", "owner"});
                });
}

ToolResult listTables(ToolContext& ctx) {
  const std::string catalog = required(ctx, "catalog");
  const std::string schema = required(ctx, "schema");
  bool truncated = false;
  json all;
  try {
    // Columns and properties make the pages heavy; get_table / get_table_details have them.
    all = ctx.client().getAllPages(kUc + "/tables",
                                   {{"catalog_name", catalog},
                                    {"schema_name", schema},
                                    {"max_results", "0"},
                                    {"omit_columns", "true"},
                                    {"omit_properties", "true"}},
                                   "tables", kMaxListed, &truncated);
  } catch (const ApiError& e) {
    notFound(e, "schema " + catalog + "." + schema, "list_schemas shows the schemas of a catalog");
  }
  return listed(
      ctx, "list_tables", "tables", all, truncated, {{"catalog", catalog}, {"schema", schema}},
      [](const json& t) {
        return pick(t, {"name", "full_name", "table_type", "data_source_format", "comment"});
      });
}

ToolResult listVolumes(ToolContext& ctx) {
  const std::string catalog = required(ctx, "catalog");
  const std::string schema = required(ctx, "schema");
  bool truncated = false;
  json all;
  try {
    all = ctx.client().getAllPages(
        kUc + "/volumes",
        {{"catalog_name", catalog}, {"schema_name", schema}, {"max_results", "0"}}, "volumes",
        kMaxListed, &truncated);
  } catch (const ApiError& e) {
    notFound(e, "schema " + catalog + "." + schema, "list_schemas shows the schemas of a catalog");
  }
  return listed(
      ctx, "list_volumes", "volumes", all, truncated, {{"catalog", catalog}, {"schema", schema}},
      [](const json& v) {
        return pick(v, {"name", "full_name", "volume_type", "storage_location", "comment"});
      });
}

// --- get -----------------------------------------------------------------------------------

json getObject(ToolContext& ctx, const std::string& kind, const std::string& name,
               const std::string& what, const std::string& how) {
  try {
    return ctx.client().get(encodePath(kUc + "/" + kind + "/" + name));
  } catch (const ApiError& e) {
    notFound(e, what + " " + name, how);
  }
}

ToolResult getCatalog(ToolContext& ctx) {
  return ToolResult::structured(getObject(ctx, "catalogs", required(ctx, "name"), "catalog",
                                          "list_catalogs shows the catalogs you can see"));
}

ToolResult getSchema(ToolContext& ctx) {
  return ToolResult::structured(getObject(ctx, "schemas", fullName(ctx, 2, "main.sales"), "schema",
                                          "list_schemas shows the schemas of a catalog"));
}

ToolResult getTable(ToolContext& ctx) {
  json t = getObject(ctx, "tables", fullName(ctx, 3, "main.sales.orders"), "table",
                     "list_tables shows the tables of a schema");
  return ToolResult::structured(capForAnswer(ctx, "get_table", std::move(t), "columns"));
}

ToolResult getVolume(ToolContext& ctx) {
  return ToolResult::structured(getObject(ctx, "volumes", fullName(ctx, 3, "main.sales.raw"),
                                          "volume", "list_volumes shows the volumes of a schema"));
}

// --- create --------------------------------------------------------------------------------

ToolResult created(ToolContext& ctx, const std::string& kind, const std::string& key,
                   const json& body, const std::string& fullName) {
  try {
    json obj = ctx.client().post(kUc + "/" + kind, body);
    return ToolResult::structured({{"created", true}, {key, std::move(obj)}});
  } catch (const ApiError& e) {
    if (!e.alreadyExists()) throw;
  }
  json existing = ctx.client().get(encodePath(kUc + "/" + kind + "/" + fullName));
  json value = {{"created", false},
                {"already_existed", true},
                {"note", key + " " + fullName +
                             " already existed; it was left as it is (compare its comment "
                             "and settings below with what you asked for)."},
                {key, std::move(existing)}};
  return ToolResult::structured(std::move(value));
}

ToolResult createCatalog(ToolContext& ctx) {
  const std::string name = required(ctx, "name");
  json body = {{"name", name}};
  if (const auto c = ctx.optStr("comment")) body["comment"] = *c;
  return created(ctx, "catalogs", "catalog", body, name);
}

ToolResult createSchema(ToolContext& ctx) {
  const std::string catalog = required(ctx, "catalog");
  const std::string name = required(ctx, "name");
  json body = {{"name", name}, {"catalog_name", catalog}};
  if (const auto c = ctx.optStr("comment")) body["comment"] = *c;
  try {
    return created(ctx, "schemas", "schema", body, catalog + "." + name);
  } catch (const ApiError& e) {
    notFound(e, "catalog " + catalog, "list_catalogs shows the catalogs you can see");
  }
}

ToolResult createVolume(ToolContext& ctx) {
  const std::string catalog = required(ctx, "catalog");
  const std::string schema = required(ctx, "schema");
  const std::string name = required(ctx, "name");
  const std::string type = ctx.str("volume_type", "MANAGED");
  if (type != "MANAGED" && type != "EXTERNAL") {
    throw Error(DK_ERR_INVALID_ARGUMENT, "volume_type must be MANAGED or EXTERNAL");
  }
  const std::string location = ctx.str("storage_location");
  if (type == "EXTERNAL" && location.empty()) {
    throw Error(DK_ERR_INVALID_ARGUMENT,
                "an EXTERNAL volume needs storage_location (a cloud URL under an external "
                "location)");
  }
  json body = {
      {"catalog_name", catalog}, {"schema_name", schema}, {"name", name}, {"volume_type", type}};
  if (!location.empty()) body["storage_location"] = location;
  if (const auto c = ctx.optStr("comment")) body["comment"] = *c;
  try {
    return created(ctx, "volumes", "volume", body, catalog + "." + schema + "." + name);
  } catch (const ApiError& e) {
    notFound(e, "schema " + catalog + "." + schema, "list_schemas shows the schemas of a catalog");
  }
}

// --- definitions ---------------------------------------------------------------------------

ToolDef def(const std::string& name, const std::string& title, const std::string& description,
            json schema, std::function<ToolResult(ToolContext&)> run) {
  ToolDef t;
  t.name = name;
  t.title = title;
  t.description = description;
  t.inputSchema = std::move(schema);
  t.run = std::move(run);
  return t;
}

ToolDef creating(ToolDef t) {
  t.readOnly = false;
  t.destructive = false;
  // Repeating a create leaves the same state (an existing object is reported, not changed).
  t.idempotent = true;
  return t;
}

}  // namespace

void registerCatalogTools(ToolRegistry& registry) {
  const json catalogArg = prop("string", "Catalog name, e.g. \"main\".");
  const json schemaArg = prop("string", "Schema name (without the catalog), e.g. \"sales\".");
  const json commentArg = prop("string", "Optional comment.");

  registry.add(def("list_catalogs", "List catalogs",
                   "Lists the Unity Catalog catalogs you can see: name, type, comment, owner. "
                   "Example: {}",
                   objectSchema(json::object(), {}), listCatalogs));
  registry.add(def("get_catalog", "Get a catalog",
                   "Details of one catalog (type, comment, owner, storage root, properties). "
                   "Example: {\"name\": \"main\"}",
                   objectSchema({{"name", catalogArg}}, {"name"}), getCatalog));
  registry.add(def("list_schemas", "List schemas",
                   "Lists the schemas of a catalog: name, full name, comment, owner. Example: "
                   "{\"catalog\": \"main\"}",
                   objectSchema({{"catalog", catalogArg}}, {"catalog"}), listSchemas));
  registry.add(def("get_schema", "Get a schema",
                   "Details of one schema. Example: {\"full_name\": \"main.sales\"}",
                   objectSchema({{"full_name", prop("string", "catalog.schema")}}, {"full_name"}),
                   getSchema));
  registry.add(
      def("list_tables", "List tables",
          "Lists the tables and views of a schema: name, full name, type, format, "
          "comment (no columns: use get_table or get_table_details). Example: "
          "{\"catalog\": \"main\", \"schema\": \"sales\"}",
          objectSchema({{"catalog", catalogArg}, {"schema", schemaArg}}, {"catalog", "schema"}),
          listTables));
  registry.add(
      def("get_table", "Get a table",
          "Unity Catalog metadata of one table or view: columns with types and comments, "
          "type, format, storage location, owner, properties, view definition. Example: "
          "{\"full_name\": \"main.sales.orders\"}",
          objectSchema({{"full_name", prop("string", "catalog.schema.table")}}, {"full_name"}),
          getTable));
  registry.add(
      def("list_volumes", "List volumes",
          "Lists the volumes of a schema: name, full name, type, storage location, "
          "comment. Files in a volume live under /Volumes/<catalog>/<schema>/<volume>/. "
          "Example: {\"catalog\": \"main\", \"schema\": \"sales\"}",
          objectSchema({{"catalog", catalogArg}, {"schema", schemaArg}}, {"catalog", "schema"}),
          listVolumes));
  registry.add(
      def("get_volume", "Get a volume",
          "Details of one volume. Example: {\"full_name\": \"main.sales.raw\"}",
          objectSchema({{"full_name", prop("string", "catalog.schema.volume")}}, {"full_name"}),
          getVolume));
  registry.add(creating(def(
      "create_catalog", "Create a catalog",
      "Creates a Unity Catalog catalog (needs CREATE CATALOG on the metastore). If it already "
      "exists, nothing changes and the answer says \"created\": false with the existing catalog. "
      "Example: {\"name\": \"dev\", \"comment\": \"sandbox\"}",
      objectSchema({{"name", catalogArg}, {"comment", commentArg}}, {"name"}), createCatalog)));
  registry.add(creating(def(
      "create_schema", "Create a schema",
      "Creates a schema in a catalog. If it already exists, nothing changes and the answer says "
      "\"created\": false with the existing schema. Example: {\"catalog\": \"main\", \"name\": "
      "\"dev\"}",
      objectSchema({{"catalog", catalogArg},
                    {"name", prop("string", "The new schema's name.")},
                    {"comment", commentArg}},
                   {"catalog", "name"}),
      createSchema)));
  registry.add(creating(def(
      "create_volume", "Create a volume",
      "Creates a volume (MANAGED by default; EXTERNAL needs storage_location). If it already "
      "exists, nothing changes and the answer says \"created\": false with the existing volume. "
      "Example: {\"catalog\": \"main\", \"schema\": \"sales\", \"name\": \"landing\"}",
      objectSchema({{"catalog", catalogArg},
                    {"schema", schemaArg},
                    {"name", prop("string", "The new volume's name.")},
                    {"volume_type",
                     {{"type", "string"},
                      {"enum", {"MANAGED", "EXTERNAL"}},
                      {"default", "MANAGED"},
                      {"description", "MANAGED (storage managed by Unity Catalog) or EXTERNAL."}}},
                    {"storage_location",
                     prop("string", "Cloud URL for an EXTERNAL volume (e.g. s3://bucket/path).")},
                    {"comment", commentArg}},
                   {"catalog", "schema", "name"}),
      createVolume)));
}

}  // namespace devkit::databricks
