// SQL tools: execute_sql, execute_sql_multi, list_warehouses, get_table_details
// (databricks-api.md §2 and §6; the Python original's sql.py tools, upstream-builder-app.md §4).
#include <fnmatch.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "sql/result_format.hpp"
#include "sql/script_splitter.hpp"
#include "sql/statement_runner.hpp"
#include "sql/warehouse_picker.hpp"
#include "tools/tool.hpp"

namespace devkit::databricks {
namespace {

using devkit::sdk::Error;
using nlohmann::json;

constexpr int64_t kDefaultRowLimit = 1000;
// Rows beyond the answer stream into a CSV in the project, so a large limit costs no memory.
constexpr int64_t kMaxRowLimit = 10000000;
// Above this row_limit, "auto" asks for EXTERNAL_LINKS at once.
constexpr int64_t kInlineRowLimit = 10000;
constexpr int64_t kDefaultTimeout = 300;
// execute_sql_multi shows a few rows per statement: the warehouse computes and sends at most
// this many (INLINE), and the row count beyond it is reported as "at least".
constexpr int64_t kMultiRowLimit = 1001;

json prop(const char* type, const std::string& description) {
  return {{"type", type}, {"description", description}};
}

json warehouseProp() {
  return prop("string",
              "SQL warehouse id. Default: the plugin's warehouse_id setting, else the workspace "
              "default warehouse, else the best usable one (running and shared first).");
}

// A progress counter per call: notes must have increasing numbers.
class Progress {
 public:
  explicit Progress(const ToolContext& ctx) : ctx_(ctx) {}
  void note(const std::string& message, std::optional<double> total = std::nullopt) {
    std::lock_guard<std::mutex> lock(mutex_);  // numbers must reach the host in order
    ctx_.progress(static_cast<double>(++n_), total, message);
  }

 private:
  const ToolContext& ctx_;
  std::mutex mutex_;
  int n_ = 0;
};

sql::PickedWarehouse pick(ToolContext& ctx) {
  return sql::pickWarehouse(ctx.client(), ctx.str("warehouse_id"), ctx.settings().warehouseId,
                            ctx.caller().email);
}

// A 404 for the warehouse reads better with the way out.
[[noreturn]] void rethrowWarehouseError(const ApiError& e, const sql::PickedWarehouse& wh) {
  if (e.notFound() && e.message().find("arehouse") != std::string::npos) {
    throw ToolFailure(e.toolText() + "\nThe warehouse " + wh.id + " (from the " + wh.how +
                      ") is unknown or not usable by you: call list_warehouses and pass "
                      "warehouse_id, or leave it out to pick one automatically.");
  }
  throw e;
}

std::string quoteIdent(const std::string& name) {
  std::string out = "`";
  for (char c : name) {
    if (c == '`') out += '`';
    out += c;
  }
  return out + "`";
}

bool inlineLimitExceeded(const sql::StatementFailed& f) {
  return f.state() == "FAILED" && (f.message().find("EXTERNAL_LINKS") != std::string::npos ||
                                   f.message().find("Inline byte limit") != std::string::npos);
}

// ---------------------------------------------------------------------------------------------
// execute_sql

ToolResult executeSql(ToolContext& ctx) {
  const std::string query = ctx.str("query");
  if (query.find_first_not_of(" \t\r\n;") == std::string::npos) {
    throw Error(DK_ERR_INVALID_ARGUMENT, "query is empty");
  }
  const int64_t rowLimit = ctx.integer("row_limit", kDefaultRowLimit);
  if (rowLimit < 1 || rowLimit > kMaxRowLimit) {
    throw Error(DK_ERR_INVALID_ARGUMENT, "row_limit must be between 1 and 10000000");
  }
  const int64_t timeout = ctx.integer("timeout_s", kDefaultTimeout);
  if (timeout < 1 || timeout > 3600) {
    throw Error(DK_ERR_INVALID_ARGUMENT, "timeout_s must be between 1 and 3600");
  }
  const std::string format = ctx.str("format", "markdown");
  if (format != "markdown" && format != "json") {
    throw Error(DK_ERR_INVALID_ARGUMENT, "format must be \"markdown\" or \"json\"");
  }
  const std::string disposition = ctx.str("disposition", "auto");
  if (disposition != "auto" && disposition != "INLINE" && disposition != "EXTERNAL_LINKS") {
    throw Error(DK_ERR_INVALID_ARGUMENT,
                "disposition must be \"auto\", \"INLINE\" or \"EXTERNAL_LINKS\"");
  }

  const sql::PickedWarehouse wh = pick(ctx);
  sql::StatementRequest req;
  req.statement = query;
  req.warehouseId = wh.id;
  req.catalog = ctx.str("catalog");
  req.schema = ctx.str("schema");
  const auto params = ctx.args().find("parameters");
  if (params != ctx.args().end()) req.parameters = sql::parametersFromArgument(*params);
  req.rowLimit = rowLimit;
  req.timeout = std::chrono::seconds(timeout);
  // auto: a large row_limit goes straight to EXTERNAL_LINKS, because an INLINE result over
  // 25 MiB fails only after the warehouse has done all the work (and would run it twice).
  const bool external =
      disposition == "EXTERNAL_LINKS" || (disposition == "auto" && rowLimit > kInlineRowLimit);
  req.disposition = external ? sql::Disposition::kExternalLinks : sql::Disposition::kInline;

  Progress progress(ctx);
  const sql::ProgressFn onProgress = [&](const std::string& state, double elapsed) {
    progress.note("statement " + state + ", " + std::to_string(static_cast<int>(elapsed)) +
                  " s elapsed (warehouse " + wh.id + ")");
  };
  sql::ResultCollector::Options options;
  options.tool = "execute_sql";
  // The rows appear twice (text and structuredContent): each gets under half the limit.
  options.budgetChars = ctx.settings().maxResultChars * 2 / 5;
  auto collector = std::make_unique<sql::ResultCollector>(&ctx, options);
  sql::StatementResult result;
  try {
    try {
      result = sql::runStatement(ctx.client(), req, collector->sink(), onProgress);
    } catch (const sql::StatementFailed& f) {
      // auto: INLINE first (fast, small); a result over the 25 MiB INLINE limit fails, so run it
      // again with EXTERNAL_LINKS (no rows were delivered by the failed run).
      if (disposition != "auto" || !inlineLimitExceeded(f)) throw;
      progress.note("the result is too large for INLINE; running again with EXTERNAL_LINKS");
      req.disposition = sql::Disposition::kExternalLinks;
      collector = std::make_unique<sql::ResultCollector>(&ctx, options);
      result = sql::runStatement(ctx.client(), req, collector->sink(), onProgress);
    }
  } catch (const ApiError& e) {
    rethrowWarehouseError(e, wh);
  }
  collector->finish();

  const int64_t total = std::max(result.totalRowCount, collector->rowsSeen());
  const int64_t shown = static_cast<int64_t>(collector->shown().size());
  const bool truncated = shown < total;
  json value = {{"statement_id", result.statementId},
                {"warehouse_id", wh.id},
                {"columns", sql::columnsJson(collector->columns())},
                {"rows", sql::rowsJson(collector->shown())},
                {"row_count", total},
                {"rows_shown", shown},
                {"truncated", truncated},
                {"row_limit_reached", result.truncatedByLimit}};
  if (!collector->savedTo().empty()) value["saved_to"] = collector->savedTo();

  std::string note;
  if (truncated) {
    note = "Showing the first " + std::to_string(shown) + " of " + std::to_string(total) + " rows.";
    if (!collector->savedTo().empty()) {
      note += " The full result (" + std::to_string(collector->rowsSeen()) +
              " rows, CSV) is saved in the project at " + collector->savedTo() + ".";
    } else {
      note += " The full result was not saved (" + collector->notSavedReason() +
              "); narrow the query (filter, aggregate, LIMIT) to see the rest.";
    }
  }
  if (result.truncatedByLimit) {
    note += std::string(note.empty() ? "" : " ") +
            "The result was cut at row_limit=" + std::to_string(rowLimit) +
            "; there are more rows.";
  }
  if (!note.empty()) value["note"] = note;

  if (format == "json") {
    ToolResult r = ToolResult::text(value.dump(-1, ' ', false, json::error_handler_t::replace));
    r.setStructured(std::move(value));
    return r;
  }
  std::string text;
  if (collector->columns().empty()) {
    text = "Statement succeeded (no result set). statement_id " + result.statementId +
           ", warehouse " + wh.id + ".";
  } else {
    text = std::to_string(total) + (total == 1 ? " row" : " rows") + " (statement_id " +
           result.statementId + ", warehouse " + wh.id + ")\n\n" +
           sql::markdownTable(collector->columns(), collector->shown());
  }
  if (!note.empty()) text += "\n" + note;
  ToolResult r = ToolResult::text(std::move(text));
  r.setStructured(std::move(value));
  return r;
}

ToolDef executeSqlDef() {
  ToolDef t;
  t.name = "execute_sql";
  t.title = "Run a SQL statement";
  t.description =
      "Runs one SQL statement on a Databricks SQL warehouse and returns the rows: a markdown "
      "table (or JSON) of the first rows that fit, the total row count, and, when the result is "
      "larger than the answer can hold, the full result saved as CSV in the project (its path in "
      "saved_to). Use it for queries, DDL and DML; for a script of several statements use "
      "execute_sql_multi. The warehouse is picked automatically when none is given. Named "
      "parameters (:name markers) avoid quoting problems. Long statements are polled; on timeout "
      "or cancel the statement is cancelled on the warehouse.\n"
      "Example: {\"query\": \"SELECT * FROM main.sales.orders WHERE region = :r\", "
      "\"parameters\": {\"r\": \"EMEA\"}, \"row_limit\": 100}";
  t.inputSchema = {
      {"type", "object"},
      {"additionalProperties", false},
      {"required", {"query"}},
      {"properties",
       {{"query", prop("string", "The SQL statement (Databricks SQL; one statement).")},
        {"warehouse_id", warehouseProp()},
        {"catalog", prop("string", "Default catalog for unqualified names (like USE CATALOG).")},
        {"schema", prop("string", "Default schema for unqualified names (like USE SCHEMA).")},
        {"parameters",
         {{"description",
           "Values for :name markers in the query: an object {\"name\": value} (type inferred: "
           "INT/BIGINT/DOUBLE/BOOLEAN/STRING; null is NULL) or an array of {\"name\", \"value\", "
           "\"type\"} (type e.g. INT, DATE, DECIMAL(10,2); default STRING)."},
          {"anyOf",
           {{{"type", "object"},
             {"additionalProperties", {{"type", {"string", "number", "boolean", "null"}}}}},
            {{"type", "array"},
             {"items",
              {{"type", "object"},
               {"required", {"name"}},
               {"properties",
                {{"name", {{"type", "string"}}},
                 {"value", {{"type", {"string", "number", "boolean", "null"}}}},
                 {"type", {{"type", "string"}}}}}}}}}}}},
        {"row_limit",
         {{"type", "integer"},
          {"minimum", 1},
          {"maximum", kMaxRowLimit},
          {"default", kDefaultRowLimit},
          {"description", "At most this many rows are returned by the warehouse."}}},
        {"timeout_s",
         {{"type", "integer"},
          {"minimum", 1},
          {"maximum", 3600},
          {"default", kDefaultTimeout},
          {"description",
           "Seconds to wait for the statement (a stopped warehouse takes minutes to start); "
           "then it is cancelled."}}},
        {"format",
         {{"type", "string"},
          {"enum", {"markdown", "json"}},
          {"default", "markdown"},
          {"description", "Answer text: a markdown table, or the JSON of structuredContent."}}},
        {"disposition",
         {{"type", "string"},
          {"enum", {"auto", "INLINE", "EXTERNAL_LINKS"}},
          {"default", "auto"},
          {"description",
           "How the warehouse returns rows: auto = INLINE up to row_limit 10000 (switching to "
           "EXTERNAL_LINKS when the result exceeds the 25 MiB INLINE limit), EXTERNAL_LINKS "
           "above."}}}}}};
  t.readOnly = false;  // the statement may be DDL/DML
  t.destructive = true;
  t.idempotent = false;
  t.run = executeSql;
  return t;
}

// ---------------------------------------------------------------------------------------------
// execute_sql_multi

struct MultiItem {
  std::string text;
  sql::StatementInfo info;
  std::vector<size_t> deps;
  std::string catalog;
  std::string schema;
  // outcome
  std::string state = "PENDING";  // PENDING, RUNNING, SUCCEEDED, FAILED, SKIPPED, CANCELED
  std::string error;
  std::string statementId;
  int64_t rowCount = 0;
  bool rowCountIsLowerBound = false;  // cut at kMultiRowLimit
  std::vector<sql::Column> columns;
  std::vector<sql::Row> rows;
};

std::string head(const std::string& s, size_t n) {
  if (s.size() <= n) return s;
  size_t cut = n;
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
  return s.substr(0, cut) + "…";
}

ToolResult executeSqlMulti(ToolContext& ctx) {
  const auto script = ctx.optStr("sql");
  std::vector<std::string> texts = ctx.strings("statements");
  if (script && !texts.empty()) {
    throw Error(DK_ERR_INVALID_ARGUMENT, "give either sql (a script) or statements, not both");
  }
  if (script)
    texts = sql::splitScript(*script);
  else {
    std::vector<std::string> split;
    for (const auto& s : texts) {
      for (auto& part : sql::splitScript(s)) split.push_back(std::move(part));
    }
    texts = std::move(split);
  }
  if (texts.empty()) {
    throw Error(DK_ERR_INVALID_ARGUMENT, "no SQL statement given (sql or statements)");
  }
  if (texts.size() > 200) {
    throw Error(DK_ERR_INVALID_ARGUMENT, "at most 200 statements per call");
  }
  const int64_t maxParallel = ctx.integer("max_parallel", ctx.settings().maxParallel);
  if (maxParallel < 1 || maxParallel > 32) {
    throw Error(DK_ERR_INVALID_ARGUMENT, "max_parallel must be between 1 and 32");
  }
  const int64_t timeout = ctx.integer("timeout_s", kDefaultTimeout);
  if (timeout < 1 || timeout > 3600) {
    throw Error(DK_ERR_INVALID_ARGUMENT, "timeout_s must be between 1 and 3600");
  }
  const int64_t rowsEach = ctx.integer("rows_per_statement", 10);
  if (rowsEach < 0 || rowsEach > 100) {
    throw Error(DK_ERR_INVALID_ARGUMENT, "rows_per_statement must be between 0 and 100");
  }

  std::vector<MultiItem> items(texts.size());
  std::vector<sql::StatementInfo> infos;
  std::string catalog = ctx.str("catalog");
  std::string schema = ctx.str("schema");
  for (size_t i = 0; i < texts.size(); ++i) {
    items[i].text = texts[i];
    items[i].info = sql::analyse(texts[i]);
    // Each statement is its own session on the warehouse: USE is carried over as the catalog and
    // schema of the statements after it.
    items[i].catalog = catalog;
    items[i].schema = schema;
    if (items[i].info.keyword == "USE") {
      if (!items[i].info.useCatalog.empty()) {
        catalog = items[i].info.useCatalog;
        if (items[i].info.useSchema.empty()) schema.clear();
      }
      if (!items[i].info.useSchema.empty()) schema = items[i].info.useSchema;
    }
    infos.push_back(items[i].info);
  }
  const auto deps = sql::dependencies(infos);
  for (size_t i = 0; i < items.size(); ++i) items[i].deps = deps[i];

  const sql::PickedWarehouse wh = pick(ctx);
  Progress progress(ctx);
  std::mutex mutex;
  std::condition_variable changed;
  size_t finished = 0;
  bool cancelled = false;
  const double total = static_cast<double>(items.size());
  auto isEnd = [](const std::string& s) {
    return s == "SUCCEEDED" || s == "FAILED" || s == "SKIPPED" || s == "CANCELED";
  };

  auto runOne = [&](size_t i) {
    MultiItem& item = items[i];
    sql::StatementRequest req;
    req.statement = item.text;
    req.warehouseId = wh.id;
    req.catalog = item.catalog;
    req.schema = item.schema;
    req.timeout = std::chrono::seconds(timeout);
    req.rowLimit = kMultiRowLimit;
    req.disposition = sql::Disposition::kInline;
    sql::ResultCollector::Options options;
    options.tool = "execute_sql_multi";
    options.maxShownRows = static_cast<size_t>(rowsEach);
    options.budgetChars = ctx.settings().maxResultChars / (3 * items.size()) + 200;
    options.saveOverflow = false;
    sql::ResultCollector collector(nullptr, options);
    std::string state = "SUCCEEDED";
    std::string error;
    bool wasCancelled = false;
    sql::StatementResult result;
    try {
      result = sql::runStatement(ctx.client(), req, collector.sink());
    } catch (const sql::StatementFailed& f) {
      state = f.state() == "TIMEOUT" ? "FAILED" : f.state();
      error = f.what();
      result.statementId = f.statementId();
    } catch (const ApiError& e) {
      state = "FAILED";
      error = e.toolText();
    } catch (const Error& e) {
      state = "CANCELED";
      error = e.what();
      wasCancelled = e.status() == DK_ERR_CANCELLED;
      if (!wasCancelled) state = "FAILED";
    } catch (const std::exception& e) {
      state = "FAILED";
      error = e.what();
    }
    std::unique_lock<std::mutex> lock(mutex);
    item.state = state;
    item.error = error;
    item.statementId = result.statementId;
    item.rowCount = std::max(result.totalRowCount, collector.rowsSeen());
    item.rowCountIsLowerBound = result.truncatedByLimit || item.rowCount >= kMultiRowLimit;
    item.columns = collector.columns();
    item.rows = collector.shown();
    if (wasCancelled) cancelled = true;
    const size_t done = ++finished;
    changed.notify_all();
    lock.unlock();
    progress.note("statement " + std::to_string(i + 1) + " " + state + " (" + std::to_string(done) +
                      "/" + std::to_string(items.size()) + ")",
                  total);
  };

  auto worker = [&]() {
    std::unique_lock<std::mutex> lock(mutex);
    while (true) {
      if (cancelled || ctx.client().cancel().cancelled()) {
        cancelled = true;
        changed.notify_all();
        return;
      }
      bool pending = false;
      std::optional<size_t> ready;
      for (size_t i = 0; i < items.size() && !ready; ++i) {
        if (items[i].state != "PENDING") continue;
        pending = true;
        bool allDone = true;
        std::optional<size_t> failedDep;
        for (size_t d : items[i].deps) {
          if (!isEnd(items[d].state))
            allDone = false;
          else if (items[d].state != "SUCCEEDED" && !failedDep)
            failedDep = d;
        }
        if (failedDep) {
          items[i].state = "SKIPPED";
          items[i].error = "not run: it depends on statement " + std::to_string(*failedDep + 1) +
                           ", which " +
                           (items[*failedDep].state == "SKIPPED" ? "was skipped" : "failed");
          ++finished;
          changed.notify_all();
          continue;
        }
        if (allDone) ready = i;
      }
      if (ready) {
        items[*ready].state = "RUNNING";
        lock.unlock();
        runOne(*ready);
        lock.lock();
        continue;
      }
      if (!pending) return;
      changed.wait_for(lock, std::chrono::milliseconds(200));
    }
  };

  const size_t workers = std::min<size_t>(static_cast<size_t>(maxParallel), items.size());
  std::vector<std::thread> threads;
  for (size_t w = 1; w < workers; ++w) threads.emplace_back(worker);
  worker();
  for (auto& t : threads) t.join();
  if (cancelled) throw Error(DK_ERR_CANCELLED, "cancelled by the caller");

  json list = json::array();
  int succeeded = 0, failed = 0, skipped = 0;
  std::string text;
  for (size_t i = 0; i < items.size(); ++i) {
    const MultiItem& item = items[i];
    if (item.state == "SUCCEEDED")
      ++succeeded;
    else if (item.state == "SKIPPED")
      ++skipped;
    else
      ++failed;
    json entry = {{"index", i + 1}, {"statement", head(item.text, 200)}, {"state", item.state}};
    if (!item.deps.empty()) {
      json d = json::array();
      for (size_t k : item.deps) d.push_back(k + 1);
      entry["depends_on"] = d;
    }
    if (!item.statementId.empty()) entry["statement_id"] = item.statementId;
    if (item.state == "SUCCEEDED") {
      entry["row_count"] = item.rowCount;
      if (item.rowCountIsLowerBound) {
        entry["row_count_is_lower_bound"] = true;
        entry["note"] = "at least " + std::to_string(item.rowCount) +
                        " rows; the count stops there (use execute_sql for the full result)";
      }
      if (!item.columns.empty()) {
        entry["columns"] = sql::columnsJson(item.columns);
        entry["rows"] = sql::rowsJson(item.rows);
      }
    }
    if (!item.error.empty()) entry["error"] = item.error;
    list.push_back(std::move(entry));

    text += "#" + std::to_string(i + 1) + " " + item.state;
    if (item.state == "SUCCEEDED" && !item.columns.empty()) {
      text += std::string(" (") + (item.rowCountIsLowerBound ? "at least " : "") +
              std::to_string(item.rowCount) + " rows)";
    }
    text += ": " + head(item.text, 200) + "\n";
    if (item.state == "SUCCEEDED" && !item.columns.empty() && !item.rows.empty()) {
      text += sql::markdownTable(item.columns, item.rows, 100);
      if (static_cast<int64_t>(item.rows.size()) < item.rowCount) {
        text += "(first " + std::to_string(item.rows.size()) + " rows)\n";
      }
    }
    if (!item.error.empty()) text += "  " + item.error + "\n";
    text += "\n";
  }
  const std::string summary = std::to_string(items.size()) + " statements on warehouse " + wh.id +
                              ": " + std::to_string(succeeded) + " succeeded, " +
                              std::to_string(failed) + " failed, " + std::to_string(skipped) +
                              " skipped.";
  json value = {{"warehouse_id", wh.id}, {"total", items.size()}, {"succeeded", succeeded},
                {"failed", failed},      {"skipped", skipped},    {"statements", std::move(list)}};
  value = capForAnswer(ctx, "execute_sql_multi", std::move(value), "statements");
  if (text.size() > ctx.settings().maxResultChars / 2) {
    text = head(text, ctx.settings().maxResultChars / 2) +
           "\n(cut; every statement is in the "
           "structured result)\n";
  }
  ToolResult r = ToolResult::text(summary + "\n\n" + text);
  r.setStructured(std::move(value));
  return r;
}

ToolDef executeSqlMultiDef() {
  ToolDef t;
  t.name = "execute_sql_multi";
  t.title = "Run a SQL script";
  t.description =
      "Runs a script of several SQL statements (split at ';' outside quotes and comments). "
      "Statements that depend on earlier ones (DDL/DML on a name an earlier statement creates or "
      "writes, USE, SET) run in order; independent queries run in parallel. A statement whose "
      "dependency failed is skipped; independent ones still run. Returns, per statement: index, "
      "the statement's start, state (SUCCEEDED/FAILED/SKIPPED), row count (counted up to 1001; "
      "beyond that it is \"at least\"), first rows, error. "
      "USE statements carry their catalog/schema to the statements after them.\n"
      "Example: {\"sql\": \"CREATE TABLE t (id INT); INSERT INTO t VALUES (1); SELECT * FROM t; "
      "SELECT count(*) FROM other\", \"catalog\": \"main\", \"schema\": \"dev\"}";
  t.inputSchema = {
      {"type", "object"},
      {"additionalProperties", false},
      {"properties",
       {{"sql", prop("string", "The script: statements separated by ';'. Give sql or statements.")},
        {"statements",
         {{"type", "array"},
          {"items", {{"type", "string"}}},
          {"maxItems", 200},
          {"description", "The statements, one per item (instead of sql)."}}},
        {"warehouse_id", warehouseProp()},
        {"catalog", prop("string", "Default catalog for the statements.")},
        {"schema", prop("string", "Default schema for the statements.")},
        {"max_parallel",
         {{"type", "integer"},
          {"minimum", 1},
          {"maximum", 32},
          {"default", 8},
          {"description",
           "Independent statements run at most this many at once (default: the plugin's "
           "max_parallel setting, 8)."}}},
        {"timeout_s",
         {{"type", "integer"},
          {"minimum", 1},
          {"maximum", 3600},
          {"default", kDefaultTimeout},
          {"description", "Seconds each statement may take; then it is cancelled (FAILED)."}}},
        {"rows_per_statement",
         {{"type", "integer"},
          {"minimum", 0},
          {"maximum", 100},
          {"default", 10},
          {"description",
           "First rows shown per statement (use execute_sql for full results)."}}}}}};
  t.readOnly = false;
  t.destructive = true;
  t.idempotent = false;
  t.run = executeSqlMulti;
  return t;
}

// ---------------------------------------------------------------------------------------------
// list_warehouses

ToolResult listWarehouses(ToolContext& ctx) {
  bool truncated = false;
  const json all =
      ctx.client().getAllPages("/api/2.0/sql/warehouses", {}, "warehouses", 1000, &truncated);
  json list = json::array();
  for (const json& w : all) {
    list.push_back({{"id", w.value("id", "")},
                    {"name", w.value("name", "")},
                    {"state", w.value("state", "")},
                    {"size", w.value("cluster_size", "")},
                    {"serverless", w.value("enable_serverless_compute", false)},
                    {"type", w.value("warehouse_type", "")},
                    {"creator", w.value("creator_name", "")},
                    {"auto_stop_mins", w.value("auto_stop_mins", json())}});
  }
  const auto ranked = sql::rankWarehouses(all, ctx.caller().email);
  json value = {{"count", list.size()}, {"warehouses", std::move(list)}};
  if (!ctx.settings().warehouseId.empty()) {
    value["configured_warehouse_id"] = ctx.settings().warehouseId;
  }
  if (!ranked.empty()) value["best_warehouse_id"] = ranked.front().value("id", "");
  if (truncated) value["note"] = "Only the first 1000 warehouses are listed.";
  return ToolResult::structured(
      capForAnswer(ctx, "list_warehouses", std::move(value), "warehouses"));
}

ToolDef listWarehousesDef() {
  ToolDef t;
  t.name = "list_warehouses";
  t.title = "List SQL warehouses";
  t.description =
      "Lists the workspace's SQL warehouses: id, name, state (RUNNING, STOPPED, ...), size, "
      "serverless, type, creator; best_warehouse_id is the one execute_sql would pick when no "
      "warehouse is set (ignoring the workspace default). Example: {}";
  t.inputSchema = {
      {"type", "object"}, {"additionalProperties", false}, {"properties", json::object()}};
  t.run = listWarehouses;
  return t;
}

// ---------------------------------------------------------------------------------------------
// get_table_details

// `catalog`.`schema`.`table` from the TableInfo's parts: full_name cannot be split at '.',
// because a (backtick-quoted) name may itself contain a dot.
std::string quotedTableName(const json& t, const std::string& catalog, const std::string& schema) {
  return quoteIdent(t.value("catalog_name", catalog)) + "." +
         quoteIdent(t.value("schema_name", schema)) + "." + quoteIdent(t.value("name", ""));
}

bool isGlob(const std::string& s) { return s.find_first_of("*?[") != std::string::npos; }

std::string upperCase(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return s;
}

enum class StatKind { kMinMax, kDistinct, kNullsOnly };

StatKind statKind(const json& column) {
  std::string type = upperCase(column.value("type_name", ""));
  if (type.empty()) type = upperCase(column.value("type_text", ""));
  static const std::set<std::string> kMinMax = {
      "INT",    "LONG",  "BIGINT",  "SHORT", "SMALLINT",  "BYTE",          "TINYINT",
      "DOUBLE", "FLOAT", "DECIMAL", "DATE",  "TIMESTAMP", "TIMESTAMP_NTZ", "INTEGER"};
  const std::string base = type.substr(0, type.find('('));
  if (kMinMax.count(base) != 0) return StatKind::kMinMax;
  if (base == "STRING" || base == "CHAR" || base == "VARCHAR") return StatKind::kDistinct;
  return StatKind::kNullsOnly;
}

// One row of simple statistics for a table, or an "error" member.
json tableStats(ToolContext& ctx, const std::string& warehouseId, const std::string& from,
                const json& columns) {
  constexpr size_t kMaxStatColumns = 50;
  std::string select = "SELECT COUNT(*)";
  struct Slot {
    std::string column;
    std::string stat;
  };
  std::vector<Slot> slots;
  size_t used = 0;
  for (const json& c : columns) {
    if (used++ >= kMaxStatColumns) break;
    const std::string name = c.value("name", "");
    const std::string q = quoteIdent(name);
    switch (statKind(c)) {
      case StatKind::kMinMax:
        select += ", MIN(" + q + "), MAX(" + q + ")";
        slots.push_back({name, "min"});
        slots.push_back({name, "max"});
        break;
      case StatKind::kDistinct:
        select += ", APPROX_COUNT_DISTINCT(" + q + ")";
        slots.push_back({name, "distinct_approx"});
        break;
      case StatKind::kNullsOnly:
        break;
    }
    select += ", COUNT(*) - COUNT(" + q + ")";
    slots.push_back({name, "nulls"});
  }
  sql::StatementRequest req;
  req.statement = select + " FROM " + from;
  req.warehouseId = warehouseId;
  req.timeout = std::chrono::seconds(300);
  sql::Row first;
  bool got = false;
  sql::RowSink sink;
  sink.onRow = [&](const sql::Row& row) {
    first = row;
    got = true;
    return false;
  };
  try {
    sql::runStatement(ctx.client(), req, sink);
  } catch (const sql::StatementFailed& f) {
    return {{"error", f.what()}};
  } catch (const ApiError& e) {
    return {{"error", e.toolText()}};
  }
  if (!got || first.empty()) return {{"error", "the statistics query returned no row"}};
  json stats = {{"row_count", first[0] ? json(*first[0]) : json(nullptr)}};
  // COUNT(*) comes back as a string: a number reads better.
  try {
    if (first[0]) stats["row_count"] = std::stoll(*first[0]);
  } catch (...) {
  }
  json perColumn = json::object();
  for (size_t i = 0; i < slots.size() && i + 1 < first.size(); ++i) {
    const auto& v = first[i + 1];
    json value = v ? json(*v) : json(nullptr);
    if (v && (slots[i].stat == "nulls" || slots[i].stat == "distinct_approx")) {
      try {
        value = std::stoll(*v);
      } catch (...) {
      }
    }
    perColumn[slots[i].column][slots[i].stat] = value;
  }
  stats["columns"] = perColumn;
  if (columns.size() > kMaxStatColumns) {
    stats["note"] = "statistics cover the first 50 columns";
  }
  return stats;
}

std::string tableDdl(ToolContext& ctx, const std::string& warehouseId, const std::string& from,
                     std::string* error) {
  sql::StatementRequest req;
  req.statement = "SHOW CREATE TABLE " + from;
  req.warehouseId = warehouseId;
  std::string ddl;
  sql::RowSink sink;
  sink.onRow = [&](const sql::Row& row) {
    if (!row.empty() && row[0]) ddl += *row[0];
    return true;
  };
  try {
    sql::runStatement(ctx.client(), req, sink);
  } catch (const sql::StatementFailed& f) {
    *error = f.what();
  } catch (const ApiError& e) {
    *error = e.toolText();
  }
  return ddl;
}

json tableSummary(const json& t) {
  json columns = json::array();
  for (const json& c : t.value("columns", json::array())) {
    json col = {{"name", c.value("name", "")},
                {"type", c.value("type_text", c.value("type_name", ""))},
                {"nullable", c.value("nullable", true)}};
    if (c.contains("comment") && !c["comment"].is_null()) col["comment"] = c["comment"];
    if (c.contains("partition_index") && !c["partition_index"].is_null()) {
      col["partition_index"] = c["partition_index"];
    }
    columns.push_back(std::move(col));
  }
  json out = {{"name", t.value("name", "")},
              {"full_name", t.value("full_name", "")},
              {"table_type", t.value("table_type", "")},
              {"columns", std::move(columns)}};
  for (const char* key : {"data_source_format", "comment", "owner", "storage_location",
                          "created_at", "updated_at", "pipeline_id"}) {
    if (t.contains(key) && !t[key].is_null()) out[key] = t[key];
  }
  if (t.contains("view_definition") && t["view_definition"].is_string()) {
    out["view_definition"] = head(t["view_definition"].get<std::string>(), 2000);
  }
  return out;
}

ToolResult getTableDetails(ToolContext& ctx) {
  const std::string catalog = ctx.str("catalog");
  const std::string schema = ctx.str("schema");
  if (catalog.empty() || schema.empty()) {
    throw Error(DK_ERR_INVALID_ARGUMENT, "catalog and schema are required");
  }
  const std::string pattern = ctx.str("table_pattern", "*");
  const bool withStats = ctx.boolean("with_stats", true);
  const bool withDdl = ctx.boolean("include_ddl", false);
  const int64_t maxTables = ctx.integer("max_tables", 20);
  if (maxTables < 1 || maxTables > 100) {
    throw Error(DK_ERR_INVALID_ARGUMENT, "max_tables must be between 1 and 100");
  }
  const std::string base = "/api/2.1/unity-catalog/tables";
  std::vector<json> tables;
  size_t matched = 0;
  if (!pattern.empty() && !isGlob(pattern)) {
    tables.push_back(
        ctx.client().get(encodePath(base + "/" + catalog + "." + schema + "." + pattern)));
    matched = 1;
  } else {
    const json all = ctx.client().getAllPages(
        base, {{"catalog_name", catalog}, {"schema_name", schema}, {"max_results", "0"}}, "tables",
        10000);
    for (const json& t : all) {
      const std::string name = t.value("name", "");
      if (pattern.empty() || ::fnmatch(pattern.c_str(), name.c_str(), FNM_CASEFOLD) == 0) {
        tables.push_back(t);
      }
    }
    std::sort(tables.begin(), tables.end(), [](const json& a, const json& b) {
      return a.value("name", "") < b.value("name", "");
    });
    matched = tables.size();
    if (tables.size() > static_cast<size_t>(maxTables)) tables.resize(maxTables);
  }

  std::optional<sql::PickedWarehouse> wh;
  if ((withStats || withDdl) && !tables.empty()) wh = pick(ctx);
  Progress progress(ctx);
  json out = json::array();
  for (size_t i = 0; i < tables.size(); ++i) {
    const json& t = tables[i];
    json entry = tableSummary(t);
    const std::string fullName = t.value("full_name", "");
    const std::string type = t.value("table_type", "");
    if (wh && (withStats || withDdl)) {
      progress.note(
          "table " + std::to_string(i + 1) + "/" + std::to_string(tables.size()) + ": " + fullName,
          static_cast<double>(tables.size()));
    }
    if (withStats && wh) {
      if (type == "VIEW" || type == "METRIC_VIEW") {
        entry["stats"] = {{"note", "no statistics for views (they would run the view)"}};
      } else {
        entry["stats"] = tableStats(ctx, wh->id, quotedTableName(t, catalog, schema),
                                    t.value("columns", json::array()));
      }
    }
    if (withDdl && wh) {
      std::string error;
      const std::string ddl = tableDdl(ctx, wh->id, quotedTableName(t, catalog, schema), &error);
      if (!error.empty())
        entry["ddl_error"] = error;
      else
        entry["ddl"] = head(ddl, 8000);
    }
    out.push_back(std::move(entry));
  }
  json value = {{"catalog", catalog},
                {"schema", schema},
                {"table_pattern", pattern},
                {"matched", matched},
                {"tables", std::move(out)}};
  if (wh) value["warehouse_id"] = wh->id;
  if (matched > tables.size()) {
    value["note"] = "Only the first " + std::to_string(tables.size()) + " of " +
                    std::to_string(matched) +
                    " matching tables are described; narrow table_pattern or raise max_tables.";
  }
  if (matched == 0) {
    value["note"] = "No table in " + catalog + "." + schema + " matches \"" + pattern +
                    "\" (list_tables shows them all).";
  }
  return ToolResult::structured(capForAnswer(ctx, "get_table_details", std::move(value), "tables"));
}

ToolDef getTableDetailsDef() {
  ToolDef t;
  t.name = "get_table_details";
  t.title = "Describe tables (columns, stats, DDL)";
  t.description =
      "Describes the tables of a Unity Catalog schema: columns (name, type, nullable, comment), "
      "table type, format, storage location, comment; with with_stats, the row count and simple "
      "statistics per column (numbers and dates: min, max, nulls; strings: approximate distinct "
      "count, nulls) from one SQL query per table; with include_ddl, the CREATE statement. "
      "table_pattern is an exact table name or a glob (\"ord*\"); default all tables.\n"
      "Example: {\"catalog\": \"main\", \"schema\": \"sales\", \"table_pattern\": \"ord*\"}";
  t.inputSchema = {
      {"type", "object"},
      {"additionalProperties", false},
      {"required", {"catalog", "schema"}},
      {"properties",
       {{"catalog", prop("string", "The catalog.")},
        {"schema", prop("string", "The schema.")},
        {"table_pattern",
         {{"type", "string"},
          {"default", "*"},
          {"description", "A table name, or a glob (*, ?, [..]) matched case-insensitively."}}},
        {"with_stats",
         {{"type", "boolean"},
          {"default", true},
          {"description", "Row count and column statistics (runs one query per table)."}}},
        {"include_ddl",
         {{"type", "boolean"},
          {"default", false},
          {"description", "Add the table's DDL (SHOW CREATE TABLE)."}}},
        {"max_tables",
         {{"type", "integer"},
          {"minimum", 1},
          {"maximum", 100},
          {"default", 20},
          {"description", "Describe at most this many matching tables."}}},
        {"warehouse_id", warehouseProp()}}}};
  t.run = getTableDetails;
  return t;
}

}  // namespace

void registerSqlTools(ToolRegistry& registry) {
  registry.add(executeSqlDef());
  registry.add(executeSqlMultiDef());
  registry.add(listWarehousesDef());
  registry.add(getTableDetailsDef());
}

}  // namespace devkit::databricks
