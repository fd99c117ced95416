// Turning a statement's rows into a tool answer: the first rows that fit the MCP size limit
// (a markdown table or JSON), counts, and, when the result does not fit, the whole result as a
// CSV file in the project, written while the rows arrive (memory stays at the shown rows).
#pragma once

#include <cstdint>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sql/statement_runner.hpp"
#include "tools/tool.hpp"

namespace devkit::databricks::sql {

/// One CSV line (RFC 4180: quotes when needed, "" inside quotes; NULL is an empty field), with
/// the trailing "\n".
std::string csvLine(const Row& row);
/// A markdown table (header, separator, rows); cells longer than `maxCell` are cut with "…",
/// '|' escaped, newlines as spaces, NULL as "NULL".
std::string markdownTable(const std::vector<Column>& columns, const std::vector<Row>& rows,
                          size_t maxCell = 300);
/// Rows as JSON arrays (null for NULL).
nlohmann::json rowsJson(const std::vector<Row>& rows);
nlohmann::json columnsJson(const std::vector<Column>& columns);

class ResultCollector {
 public:
  struct Options {
    std::string tool = "execute_sql";
    size_t budgetChars = 18000;  // shown rows, as markdown and as JSON, stay under this each
    size_t maxShownRows = SIZE_MAX;
    /// Save the full result as CSV into the project when not every row is shown. Without it
    /// (or without a project) fetching stops once the shown rows are full.
    bool saveOverflow = true;
  };
  ResultCollector(const ToolContext* ctx, Options options);
  ~ResultCollector();

  /// A sink bound to this collector (valid while it lives).
  RowSink sink();

  const std::vector<Column>& columns() const { return columns_; }
  const std::vector<Row>& shown() const { return shown_; }
  int64_t rowsSeen() const { return seen_; }
  /// Project-relative path of the saved CSV, or "".
  const std::string& savedTo() const { return savedTo_; }
  /// Why the full result was not saved ("" when saved or not needed).
  const std::string& notSavedReason() const { return notSaved_; }
  /// Flushes and closes the CSV file; throws ToolFailure when writing failed.
  void finish();

 private:
  void onColumns(const std::vector<Column>& columns);
  bool onRow(const Row& row);
  bool startFile();

  const ToolContext* ctx_;
  Options options_;
  std::vector<Column> columns_;
  std::vector<Row> shown_;
  size_t markdownChars_ = 0;
  size_t jsonChars_ = 0;
  bool full_ = false;  // no more rows are shown
  int64_t seen_ = 0;
  std::string csv_;  // header + shown rows, until the file exists
  std::string savedTo_;
  std::string notSaved_;
  std::unique_ptr<std::ofstream> file_;
};

}  // namespace devkit::databricks::sql
