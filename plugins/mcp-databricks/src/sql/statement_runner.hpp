// Running one SQL statement through the Statement Execution API 2.0 and streaming its rows
// (../shared/reference/databricks-api.md §2.1, §2.2). Used by execute_sql, execute_sql_multi,
// get_table_details and the EXTERNAL_LINKS benchmark.
//
//   sql::StatementRequest req;
//   req.statement = "SELECT * FROM big";
//   req.warehouseId = "wh-1";
//   req.disposition = sql::Disposition::kExternalLinks;   // for large results
//   sql::RowSink sink;
//   sink.onRow = [&](const sql::Row& row) { ++n; return true; };  // false stops fetching
//   sql::StatementResult r = sql::runStatement(client, req, sink);
//
// The POST waits up to 30 s on the server (wait_timeout "30s", on_wait_timeout CONTINUE), then
// the statement is polled with a 1..5 s backoff through RestClient::wait (so a cancelled tool
// call stops waiting). On timeout or cancel the statement is cancelled on the warehouse
// (POST .../cancel) before the error is thrown. Rows are delivered chunk by chunk: INLINE chunks
// via GET .../result/chunks/{i}, EXTERNAL_LINKS by downloading each presigned link (without the
// workspace token) and parsing it with a SAX parser, so memory stays at about one chunk however
// many rows there are.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "client/rest_client.hpp"
#include "tools/tool.hpp"

namespace devkit::databricks::sql {

enum class Disposition { kInline, kExternalLinks };

struct StatementRequest {
  std::string statement;
  std::string warehouseId;
  std::string catalog;  // empty: the warehouse default
  std::string schema;
  nlohmann::json parameters = nlohmann::json::array();  // [{"name","value"?,"type"?}]
  std::optional<int64_t> rowLimit;                      // sent as row_limit
  std::chrono::seconds timeout{300};                    // total, then the statement is cancelled
  Disposition disposition = Disposition::kInline;
};

struct Column {
  std::string name;
  std::string type;  // type_text when present ("decimal(10,2)"), else type_name
};

/// One row: strings as the API sends them, nullopt for NULL.
using Row = std::vector<std::optional<std::string>>;

struct RowSink {
  /// Called once, before any row (also for results without rows).
  std::function<void(const std::vector<Column>&)> onColumns;
  /// Called for each row in order; returning false stops fetching further chunks.
  std::function<bool(const Row&)> onRow;
};

/// Called while waiting: the statement's state and the seconds since the POST.
using ProgressFn = std::function<void(const std::string& state, double elapsedSeconds)>;

struct StatementResult {
  std::string statementId;
  std::string warehouseId;
  std::string state;  // SUCCEEDED
  std::vector<Column> columns;
  int64_t totalRowCount = 0;      // manifest.total_row_count
  int64_t rowsDelivered = 0;      // rows handed to the sink
  int64_t chunkCount = 0;         // manifest.total_chunk_count
  bool truncatedByLimit = false;  // manifest.truncated: row_limit/byte_limit cut the result
  bool stoppedBySink = false;     // the sink returned false before the last row
};

/// The statement ended FAILED/CANCELED/CLOSED, or timed out (then it was cancelled). The what()
/// text is for the model: state, error code, SQL state, message and what to do next.
class StatementFailed : public ToolFailure {
 public:
  StatementFailed(std::string text, std::string statementId, std::string state,
                  std::string errorCode, std::string sqlState, std::string message)
      : ToolFailure(std::move(text)),
        statementId_(std::move(statementId)),
        state_(std::move(state)),
        errorCode_(std::move(errorCode)),
        sqlState_(std::move(sqlState)),
        message_(std::move(message)) {}
  const std::string& statementId() const { return statementId_; }
  const std::string& state() const { return state_; }  // FAILED, CANCELED, CLOSED, TIMEOUT
  const std::string& errorCode() const { return errorCode_; }
  const std::string& sqlState() const { return sqlState_; }
  const std::string& message() const { return message_; }

 private:
  std::string statementId_, state_, errorCode_, sqlState_, message_;
};

/// Runs `request` and streams its rows into `sink`. Throws StatementFailed (execution failure,
/// timeout), ApiError (the request was refused: unknown warehouse, permission, ...) or
/// devkit::sdk::Error(DK_ERR_CANCELLED) (after cancelling the statement).
StatementResult runStatement(RestClient& client, const StatementRequest& request,
                             const RowSink& sink, const ProgressFn& progress = {});

/// Named parameters for the API from the tool argument: an object {"name": value} (value a
/// string, number, boolean or null; the type is inferred: INT/BIGINT/DOUBLE/BOOLEAN/STRING) or
/// an array of {"name","value","type"?}. Throws DK_ERR_INVALID_ARGUMENT on other shapes.
nlohmann::json parametersFromArgument(const nlohmann::json& argument);

}  // namespace devkit::databricks::sql
