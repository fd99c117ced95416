// Splitting a SQL script into statements and finding which statements depend on which, for
// execute_sql_multi. A lexer, not a parser: it knows quotes ('...', "...", `...`, with backslash
// escapes and doubled quotes), -- line comments and (nested) /* */ comments, so a ';' inside any
// of them does not end a statement. Dependencies are over-approximated on purpose (a false
// dependency only costs parallelism, a missed one gives wrong results).
#pragma once

#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace devkit::databricks::sql {

/// The statements of `script`, trimmed, without the separating ';'. Statements that are empty or
/// only comments are dropped; comments before a statement's first token are dropped, comments
/// inside it are kept (the warehouse ignores them).
std::vector<std::string> splitScript(std::string_view script);

enum class StatementKind {
  kQuery,    // SELECT, WITH, SHOW, DESCRIBE, EXPLAIN, VALUES, TABLE, LIST: reads only
  kWrite,    // CREATE, INSERT, UPDATE, DELETE, MERGE, DROP, ALTER, TRUNCATE, COPY, OPTIMIZE...
  kSession,  // USE, SET, RESET, DECLARE: session state; runs alone, in order
  kOther,    // anything unrecognised: treated like a barrier
};

struct StatementInfo {
  StatementKind kind = StatementKind::kOther;
  std::string keyword;           // first keyword, upper case (e.g. "SELECT")
  std::set<std::string> names;   // every identifier part, lower case, unquoted
  std::set<std::string> writes;  // last part of the object(s) it creates/changes, lower case
  // For USE: the catalog/schema it switches to ("" when not that part).
  std::string useCatalog;
  std::string useSchema;
};

/// Classifies one statement (as returned by splitScript).
StatementInfo analyse(std::string_view statement);

/// For each statement, the indexes of earlier statements it must wait for: session statements
/// and unrecognised ones are barriers (wait for all earlier, all later wait for them); a statement
/// waits for an earlier one that writes a name it mentions, or that mentions a name it writes.
std::vector<std::vector<size_t>> dependencies(const std::vector<StatementInfo>& infos);

}  // namespace devkit::databricks::sql
