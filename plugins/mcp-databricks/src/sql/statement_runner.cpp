#include "sql/statement_runner.hpp"

#include <algorithm>
#include <limits>

namespace devkit::databricks::sql {
namespace {

using json = nlohmann::json;
using Clock = std::chrono::steady_clock;
using devkit::sdk::Error;

const char* kStatements = "/api/2.0/sql/statements";

std::string statementPath(const std::string& id) {
  return encodePath(std::string(kStatements) + "/" + id);
}

double secondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

std::optional<std::string> cell(const json& v) {
  if (v.is_null()) return std::nullopt;
  if (v.is_string()) return v.get<std::string>();
  return v.dump();
}

// Streams the rows of a JSON_ARRAY external-link file ([[...],[...]]) to the sink without
// building the document: memory stays at the downloaded bytes.
class RowsSax final : public nlohmann::json_sax<json> {
 public:
  explicit RowsSax(const std::function<bool(const Row&)>& onRow) : onRow_(onRow) {}

  bool null() override { return value(std::nullopt); }
  bool boolean(bool v) override { return value(std::string(v ? "true" : "false")); }
  bool number_integer(number_integer_t v) override { return value(std::to_string(v)); }
  bool number_unsigned(number_unsigned_t v) override { return value(std::to_string(v)); }
  bool number_float(number_float_t, const string_t& s) override { return value(s); }
  bool string(string_t& s) override { return value(std::move(s)); }
  bool binary(binary_t&) override { return value(std::string("<binary>")); }
  bool start_object(std::size_t) override { return nest(); }
  bool key(string_t&) override { return true; }
  bool end_object() override { return unnest(); }
  bool start_array(std::size_t) override {
    ++depth_;
    if (depth_ == 2) row_.clear();
    if (depth_ > 2) return nest(false);
    return true;
  }
  bool end_array() override {
    if (depth_ > 2) return unnest();
    --depth_;
    if (depth_ == 1) {
      ++rows_;
      if (!onRow_(row_)) {
        stopped_ = true;
        return false;
      }
    }
    return true;
  }
  bool parse_error(std::size_t position, const std::string&,
                   const nlohmann::detail::exception&) override {
    errorAt_ = position;
    return false;
  }

  int64_t rows() const { return rows_; }
  bool stopped() const { return stopped_; }
  std::optional<size_t> errorAt() const { return errorAt_; }

 private:
  bool value(std::optional<std::string> v) {
    if (depth_ == 2) row_.push_back(std::move(v));
    return true;
  }
  // JSON_ARRAY cells are strings; a nested value (never expected) becomes a placeholder cell.
  bool nest(bool count = true) {
    if (count) ++depth_;
    if (depth_ == 3) row_.push_back(std::string("<nested>"));
    return true;
  }
  bool unnest() {
    --depth_;
    return true;
  }

  const std::function<bool(const Row&)>& onRow_;
  Row row_;
  int depth_ = 0;
  int64_t rows_ = 0;
  bool stopped_ = false;
  std::optional<size_t> errorAt_;
};

std::string hintFor(const std::string& sqlState, const std::string& message) {
  auto has = [&](const char* s) { return message.find(s) != std::string::npos; };
  if (sqlState == "42P01" || has("TABLE_OR_VIEW_NOT_FOUND")) {
    return "Check the catalog, schema and table names (list_tables / get_table_details show "
           "them), or pass catalog and schema.";
  }
  if (sqlState == "42703" || has("UNRESOLVED_COLUMN")) {
    return "Check the column names (get_table_details lists them).";
  }
  if (sqlState == "42601" || has("PARSE_SYNTAX_ERROR")) {
    return "Fix the SQL syntax (Databricks SQL dialect) and run it again.";
  }
  if (has("UNBOUND_SQL_PARAMETER")) {
    return "Pass a value for every :name marker in `parameters`.";
  }
  if (has("INSUFFICIENT_PERMISSIONS") || sqlState == "42501") {
    return "Ask for the privilege on the object, or use one you can read.";
  }
  return "Fix the statement and run it again.";
}

void cancelQuietly(RestClient& client, const std::string& id) {
  try {
    RestClient clean = client.uncancellable();
    clean.post(statementPath(id) + "/cancel", json::object(), true);
  } catch (...) {
    // Best effort: the statement expires on its own; the caller's error matters more.
  }
}

class Runner {
 public:
  Runner(RestClient& client, const StatementRequest& request, const RowSink& sink,
         const ProgressFn& progress)
      : client_(client), request_(request), sink_(sink), progress_(progress) {}

  StatementResult run() {
    start_ = Clock::now();
    result_.warehouseId = request_.warehouseId;
    json response = submit();
    result_.statementId = response.value("statement_id", "");
    try {
      response = waitForEnd(std::move(response));
      fetch(response);
    } catch (const Error& e) {
      if (e.status() == DK_ERR_CANCELLED && !result_.statementId.empty()) {
        cancelQuietly(client_, result_.statementId);
      }
      throw;
    }
    return result_;
  }

 private:
  json submit() {
    const int64_t total = std::max<int64_t>(0, request_.timeout.count());
    // wait_timeout is 0 or 5..50 s: wait on the server up to 30 s, never beyond our timeout.
    const int64_t waitSeconds = total >= 30 ? 30 : (total >= 5 ? total : 0);
    json body = {
        {"statement", request_.statement},
        {"warehouse_id", request_.warehouseId},
        {"wait_timeout", std::to_string(waitSeconds) + "s"},
        {"on_wait_timeout", "CONTINUE"},
        {"format", "JSON_ARRAY"},
        {"disposition",
         request_.disposition == Disposition::kExternalLinks ? "EXTERNAL_LINKS" : "INLINE"}};
    if (!request_.catalog.empty()) body["catalog"] = request_.catalog;
    if (!request_.schema.empty()) body["schema"] = request_.schema;
    if (request_.parameters.is_array() && !request_.parameters.empty()) {
      body["parameters"] = request_.parameters;
    }
    if (request_.rowLimit) body["row_limit"] = *request_.rowLimit;
    Request post;
    post.method = "POST";
    post.path = kStatements;
    post.body = std::move(body);
    post.idempotent = false;  // no idempotency key: a lost answer must not run it twice
    post.timeout = std::chrono::seconds(waitSeconds + 30);
    return client_.send(post).json();
  }

  static std::string stateOf(const json& response) {
    const auto status = response.find("status");
    if (status == response.end() || !status->is_object()) return "";
    return status->value("state", "");
  }

  json waitForEnd(json response) {
    const auto deadline = start_ + request_.timeout;
    int polls = 0;
    while (true) {
      const std::string state = stateOf(response);
      if (state == "SUCCEEDED") return response;
      if (state == "FAILED" || state == "CANCELED" || state == "CLOSED") fail(response, state);
      if (result_.statementId.empty()) {
        throw ApiError(200, "INVALID_RESPONSE", "the warehouse answered without a statement_id");
      }
      const auto now = Clock::now();
      if (now >= deadline) {
        cancelQuietly(client_, result_.statementId);
        throw StatementFailed(
            "The statement did not finish within " + std::to_string(request_.timeout.count()) +
                " s (last state " + (state.empty() ? "unknown" : state) +
                "), so it was cancelled on the warehouse (statement_id " + result_.statementId +
                "). A stopped warehouse can take minutes to start: raise timeout_s, or make the "
                "query cheaper (a filter or a LIMIT).",
            result_.statementId, "TIMEOUT", "TIMEOUT", "", "timed out");
      }
      if (progress_) progress_(state.empty() ? "PENDING" : state, secondsSince(start_));
      // The SDK waiters back off 1, 2, ... s; 5 s at most keeps short queries snappy.
      auto pause = std::chrono::milliseconds(1000 * std::min(5, 1 + polls));
      pause = std::min(
          pause, std::max(std::chrono::milliseconds(100),
                          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now)));
      client_.wait(pause);
      ++polls;
      response = client_.get(statementPath(result_.statementId));
    }
  }

  [[noreturn]] void fail(const json& response, const std::string& state) {
    const json status = response.value("status", json::object());
    const json error = status.value("error", json::object());
    const std::string code = error.value("error_code", state == "FAILED" ? "UNKNOWN" : state);
    const std::string message = error.value("message", "");
    const std::string sqlState = status.value("sql_state", "");
    std::string text;
    if (state == "FAILED") {
      text = "The statement failed (" + code + (sqlState.empty() ? "" : ", SQLSTATE " + sqlState) +
             "): " + (message.empty() ? "no message" : message) + "\n" + hintFor(sqlState, message);
    } else if (state == "CANCELED") {
      text = "The statement was cancelled on the warehouse (statement_id " + result_.statementId +
             "). Run it again if that was not intended.";
    } else {
      text = "The statement's result is no longer available (state CLOSED). Run it again.";
    }
    throw StatementFailed(std::move(text), result_.statementId, state, code, sqlState, message);
  }

  void fetch(const json& response) {
    result_.state = "SUCCEEDED";
    const json manifest = response.value("manifest", json::object());
    const json schema = manifest.value("schema", json::object());
    for (const json& c : schema.value("columns", json::array())) {
      Column col;
      col.name = c.value("name", "");
      col.type = c.value("type_text", "");
      if (col.type.empty()) col.type = c.value("type_name", "");
      result_.columns.push_back(std::move(col));
    }
    result_.totalRowCount = manifest.value("total_row_count", int64_t{0});
    result_.chunkCount = manifest.value("total_chunk_count", int64_t{0});
    result_.truncatedByLimit = manifest.value("truncated", false);
    if (sink_.onColumns) sink_.onColumns(result_.columns);

    std::optional<int64_t> next;
    const auto first = response.find("result");
    if (first != response.end() && first->is_object()) {
      next = deliver(*first);
    } else if (result_.chunkCount > 0) {
      next = 0;
    }
    while (next && !result_.stoppedBySink) {
      if (progress_) {
        progress_("FETCHING chunk " + std::to_string(*next + 1) + "/" +
                      std::to_string(std::max<int64_t>(result_.chunkCount, *next + 1)),
                  secondsSince(start_));
      }
      const json data = client_.get(statementPath(result_.statementId) + "/result/chunks/" +
                                    std::to_string(*next));
      const std::optional<int64_t> after = deliver(data);
      if (after && *after <= *next) break;  // a malformed chain must not loop forever
      next = after;
    }
  }

  // Hands the rows of one ResultData to the sink; returns the next chunk index, if any.
  std::optional<int64_t> deliver(const json& data) {
    std::optional<int64_t> next;
    if (data.contains("next_chunk_index") && data["next_chunk_index"].is_number_integer()) {
      next = data["next_chunk_index"].get<int64_t>();
    }
    const auto rows = data.find("data_array");
    if (rows != data.end() && rows->is_array()) {
      Row row;
      for (const json& r : *rows) {
        row.clear();
        for (const json& v : r) row.push_back(cell(v));
        ++result_.rowsDelivered;
        if (sink_.onRow && !sink_.onRow(row)) {
          result_.stoppedBySink = true;
          return std::nullopt;
        }
      }
    }
    const auto links = data.find("external_links");
    if (links != data.end() && links->is_array()) {
      for (const json& link : *links) {
        if (link.contains("next_chunk_index") && link["next_chunk_index"].is_number_integer()) {
          next = link["next_chunk_index"].get<int64_t>();
        }
        if (!download(link)) return std::nullopt;
      }
    }
    return next;
  }

  bool download(const json& link) {
    const std::string url = link.value("external_link", "");
    if (url.empty()) return true;
    std::vector<std::pair<std::string, std::string>> headers;
    const json linkHeaders = link.value("http_headers", json::object());
    for (const auto& [name, value] : linkHeaders.items()) {
      headers.emplace_back(name, value.is_string() ? value.get<std::string>() : value.dump());
    }
    std::string bytes;
    if (const int64_t hint = link.value("byte_count", int64_t{0}); hint > 0) {
      bytes.reserve(static_cast<size_t>(std::min<int64_t>(hint, int64_t{1} << 30)));
    }
    client_.download(url, headers, [&](const char* data, size_t n) {
      bytes.append(data, n);
      return true;
    });
    const std::function<bool(const Row&)> onRow = [&](const Row& row) {
      ++result_.rowsDelivered;
      return !sink_.onRow || sink_.onRow(row);
    };
    RowsSax sax(onRow);
    json::sax_parse(bytes, &sax);
    if (sax.stopped()) {
      result_.stoppedBySink = true;
      return false;
    }
    if (sax.errorAt()) {
      throw ApiError(200, "INVALID_RESPONSE",
                     "a result chunk of statement " + result_.statementId +
                         " is not a JSON array (parse error at byte " +
                         std::to_string(*sax.errorAt()) + ")");
    }
    return true;
  }

  RestClient& client_;
  const StatementRequest& request_;
  const RowSink& sink_;
  const ProgressFn& progress_;
  Clock::time_point start_;
  StatementResult result_;
};

std::string scalarText(const json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_boolean()) return v.get<bool>() ? "true" : "false";
  return v.dump();
}

std::string inferredType(const json& v) {
  if (v.is_boolean()) return "BOOLEAN";
  if (v.is_number_integer()) {
    const int64_t i = v.get<int64_t>();
    return i >= std::numeric_limits<int32_t>::min() && i <= std::numeric_limits<int32_t>::max()
               ? "INT"
               : "BIGINT";
  }
  if (v.is_number_unsigned()) return "BIGINT";
  if (v.is_number_float()) return "DOUBLE";
  return "STRING";
}

[[noreturn]] void badParameters(const std::string& why) {
  throw Error(DK_ERR_INVALID_ARGUMENT,
              "parameters: " + why +
                  " (give an object {\"name\": value} or an array of {\"name\", \"value\", "
                  "\"type\"}; refer to them as :name in the query)");
}

}  // namespace

StatementResult runStatement(RestClient& client, const StatementRequest& request,
                             const RowSink& sink, const ProgressFn& progress) {
  Runner runner(client, request, sink, progress);
  return runner.run();
}

json parametersFromArgument(const json& argument) {
  json out = json::array();
  if (argument.is_null()) return out;
  if (argument.is_object()) {
    for (const auto& [name, value] : argument.items()) {
      if (value.is_object() || value.is_array()) {
        badParameters("the value of \"" + name + "\" must be a string, number, boolean or null");
      }
      json p = {{"name", name}};
      if (!value.is_null()) {
        p["value"] = scalarText(value);
        const std::string type = inferredType(value);
        if (type != "STRING") p["type"] = type;
      }
      out.push_back(std::move(p));
    }
    return out;
  }
  if (!argument.is_array()) badParameters("wrong type");
  for (const json& item : argument) {
    if (!item.is_object() || !item.contains("name") || !item["name"].is_string() ||
        item["name"].get<std::string>().empty()) {
      badParameters("every item needs a \"name\"");
    }
    json p = {{"name", item["name"]}};
    const auto value = item.find("value");
    if (value != item.end() && !value->is_null()) {
      if (value->is_object() || value->is_array()) {
        badParameters("\"value\" must be a scalar (no ARRAY/MAP/STRUCT parameters)");
      }
      p["value"] = scalarText(*value);
    }
    const auto type = item.find("type");
    if (type != item.end() && !type->is_null()) {
      if (!type->is_string()) badParameters("\"type\" must be a string such as INT or DATE");
      p["type"] = *type;
    } else if (value != item.end() && !value->is_null() && !value->is_string()) {
      const std::string inferred = inferredType(*value);
      if (inferred != "STRING") p["type"] = inferred;
    }
    out.push_back(std::move(p));
  }
  return out;
}

}  // namespace devkit::databricks::sql
