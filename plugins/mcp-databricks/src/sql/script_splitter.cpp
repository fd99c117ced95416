#include "sql/script_splitter.hpp"

#include <algorithm>
#include <cctype>

namespace devkit::databricks::sql {
namespace {

bool isSpace(char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; }
bool isWordStart(char c) { return std::isalpha(static_cast<unsigned char>(c)) != 0 || c == '_'; }
bool isWordChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_'; }

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}
std::string upper(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return s;
}

std::string trim(std::string_view s) {
  size_t b = 0;
  size_t e = s.size();
  while (b < e && isSpace(s[b])) ++b;
  while (e > b && isSpace(s[e - 1])) --e;
  return std::string(s.substr(b, e - b));
}

// Skips a quoted literal/identifier starting at s[i] (the opening quote); returns the index just
// past the closing quote (or the end). Backslash escapes apply in '...' and "..." (Spark SQL);
// a doubled quote simply closes and reopens, which scans the same.
size_t skipQuoted(std::string_view s, size_t i) {
  const char q = s[i++];
  while (i < s.size()) {
    if (s[i] == '\\' && q != '`' && i + 1 < s.size()) {
      i += 2;
      continue;
    }
    if (s[i] == q) return i + 1;
    ++i;
  }
  return i;
}

// Skips a comment starting at s[i] ("--" or "/*"); returns the index just past it.
size_t skipComment(std::string_view s, size_t i) {
  if (s[i] == '-') {
    while (i < s.size() && s[i] != '\n') ++i;
    return i;
  }
  int depth = 0;  // Spark SQL nests bracketed comments
  while (i < s.size()) {
    if (s.compare(i, 2, "/*") == 0) {
      ++depth;
      i += 2;
    } else if (s.compare(i, 2, "*/") == 0) {
      i += 2;
      if (--depth == 0) return i;
    } else {
      ++i;
    }
  }
  return i;
}

bool commentAt(std::string_view s, size_t i) {
  return s.compare(i, 2, "--") == 0 || s.compare(i, 2, "/*") == 0;
}

struct Token {
  std::string text;  // a word (unquoted), a `quoted` identifier's content, or one punctuation char
  bool word = false;
  bool quoted = false;
};

std::vector<Token> tokenize(std::string_view s) {
  std::vector<Token> out;
  size_t i = 0;
  while (i < s.size()) {
    const char c = s[i];
    if (isSpace(c)) {
      ++i;
    } else if (commentAt(s, i)) {
      i = skipComment(s, i);
    } else if (c == '\'' || c == '"') {
      i = skipQuoted(s, i);
      out.push_back({"'", false, false});  // a literal: a value, never a name
    } else if (c == '`') {
      const size_t end = skipQuoted(s, i);
      const size_t len = end > i + 1 ? end - i - 2 : 0;
      out.push_back({std::string(s.substr(i + 1, len)), true, true});
      i = end;
    } else if (isWordStart(c)) {
      size_t e = i;
      while (e < s.size() && isWordChar(s[e])) ++e;
      out.push_back({std::string(s.substr(i, e - i)), true, false});
      i = e;
    } else if (std::isdigit(static_cast<unsigned char>(c)) != 0) {
      while (i < s.size() && (isWordChar(s[i]) || s[i] == '.')) ++i;
      out.push_back({"0", false, false});
    } else {
      out.push_back({std::string(1, c), false, false});
      ++i;
    }
  }
  return out;
}

bool isKw(const Token& t, const char* kw) { return t.word && !t.quoted && upper(t.text) == kw; }

// Words between the statement keyword and the object name that are not names.
const std::set<std::string>& fillerWords() {
  static const std::set<std::string> k = {
      "OR",     "REPLACE",      "TEMPORARY", "TEMP",      "GLOBAL", "EXTERNAL", "STREAMING",
      "LIVE",   "MATERIALIZED", "TABLE",     "VIEW",      "SCHEMA", "DATABASE", "CATALOG",
      "VOLUME", "FUNCTION",     "IF",        "NOT",       "EXISTS", "INTO",     "OVERWRITE",
      "FROM",   "MANAGED",      "SHALLOW",   "DEEP",      "CLONE",  "ON",       "COLUMN",
      "ONLY",   "FULL",         "ZORDER",    "PROCEDURE", "METRIC", "ALL",      "BY"};
  return k;
}

// Reads a qualified name (a.b.c) starting at tokens[i]; returns its parts and moves i past it.
std::vector<std::string> qualifiedName(const std::vector<Token>& t, size_t& i) {
  std::vector<std::string> parts;
  while (i < t.size() && t[i].word) {
    parts.push_back(lower(t[i].text));
    ++i;
    if (i + 1 < t.size() && t[i].text == "." && !t[i].word && t[i + 1].word) {
      ++i;
    } else {
      break;
    }
  }
  return parts;
}

}  // namespace

std::vector<std::string> splitScript(std::string_view script) {
  std::vector<std::string> out;
  size_t start = 0;
  bool hasCode = false;  // anything but blanks and comments since `start`
  size_t i = 0;
  auto flush = [&](size_t end) {
    if (hasCode) {
      std::string stmt = trim(script.substr(start, end - start));
      if (!stmt.empty()) out.push_back(std::move(stmt));
    }
    hasCode = false;
  };
  while (i < script.size()) {
    const char c = script[i];
    if (commentAt(script, i)) {
      i = skipComment(script, i);
    } else if (c == '\'' || c == '"' || c == '`') {
      if (!hasCode) start = i;
      hasCode = true;
      i = skipQuoted(script, i);
    } else if (c == ';') {
      flush(i);
      start = ++i;
    } else {
      // Leading comments are dropped: the statement starts at its first token.
      if (!isSpace(c) && !hasCode) start = i;
      if (!isSpace(c)) hasCode = true;
      ++i;
    }
  }
  flush(script.size());
  return out;
}

StatementInfo analyse(std::string_view statement) {
  StatementInfo info;
  const std::vector<Token> t = tokenize(statement);
  for (const Token& tok : t) {
    if (tok.word) info.names.insert(lower(tok.text));
  }
  size_t first = 0;
  while (first < t.size() && t[first].text == "(") ++first;  // (SELECT ...) UNION ...
  if (first >= t.size() || !t[first].word) return info;
  info.keyword = upper(t[first].text);
  const std::string& kw = info.keyword;

  static const std::set<std::string> kQueries = {"SELECT",  "WITH",   "SHOW",  "DESCRIBE", "DESC",
                                                 "EXPLAIN", "VALUES", "TABLE", "LIST",     "FROM"};
  static const std::set<std::string> kSessions = {"USE", "SET", "RESET", "DECLARE"};
  static const std::set<std::string> kWrites = {
      "CREATE",   "INSERT",  "UPDATE",   "DELETE",  "MERGE",   "DROP",    "ALTER",
      "TRUNCATE", "COPY",    "OPTIMIZE", "VACUUM",  "REFRESH", "ANALYZE", "COMMENT",
      "REPLACE",  "RESTORE", "CACHE",    "UNCACHE", "MSCK",    "REPAIR",  "FSCK"};

  if (kQueries.count(kw) != 0) {
    // WITH ... INSERT/MERGE is a write in disguise; so is EXPLAIN of nothing. Be conservative.
    for (const Token& tok : t) {
      if (isKw(tok, "INSERT") || isKw(tok, "MERGE") || isKw(tok, "UPDATE") || isKw(tok, "DELETE")) {
        if (kw == "WITH") return info;  // kOther: a barrier
      }
    }
    info.kind = StatementKind::kQuery;
    return info;
  }
  if (kSessions.count(kw) != 0) {
    info.kind = StatementKind::kSession;
    if (kw == "USE") {
      size_t i = first + 1;
      std::string what;
      if (i < t.size() && (isKw(t[i], "CATALOG") || isKw(t[i], "SCHEMA") ||
                           isKw(t[i], "DATABASE") || isKw(t[i], "NAMESPACE"))) {
        what = upper(t[i].text);
        ++i;
      }
      // USE keeps the original case of the names: re-read them from the tokens.
      std::vector<std::string> parts;
      while (i < t.size() && t[i].word) {
        parts.push_back(t[i].text);
        ++i;
        if (i + 1 < t.size() && t[i].text == "." && t[i + 1].word) {
          ++i;
        } else {
          break;
        }
      }
      if (what == "CATALOG" && parts.size() == 1) {
        info.useCatalog = parts[0];
      } else if (parts.size() == 2) {
        info.useCatalog = parts[0];
        info.useSchema = parts[1];
      } else if (parts.size() == 1) {
        info.useSchema = parts[0];
      }
    }
    return info;
  }
  if (kWrites.count(kw) == 0) return info;  // GRANT, CALL, ...: a barrier

  // The object written: the first qualified name after the filler words, and for ALTER ...
  // RENAME TO, the new name too.
  const std::set<std::string>& filler = fillerWords();
  size_t i = first + 1;
  while (i < t.size()) {
    if (t[i].word && (t[i].quoted || filler.count(upper(t[i].text)) == 0)) {
      std::vector<std::string> parts = qualifiedName(t, i);
      if (!parts.empty()) info.writes.insert(parts.back());
      break;
    }
    if (!t[i].word && t[i].text != "(") {
      ++i;
      continue;
    }
    ++i;
  }
  for (size_t k = first + 1; k + 1 < t.size(); ++k) {
    if (isKw(t[k], "RENAME") && isKw(t[k + 1], "TO") && k + 2 < t.size()) {
      size_t j = k + 2;
      std::vector<std::string> parts = qualifiedName(t, j);
      if (!parts.empty()) info.writes.insert(parts.back());
    }
  }
  if (info.writes.empty()) return info;  // no target found: a barrier
  info.kind = StatementKind::kWrite;
  return info;
}

std::vector<std::vector<size_t>> dependencies(const std::vector<StatementInfo>& infos) {
  auto barrier = [](const StatementInfo& s) {
    return s.kind == StatementKind::kSession || s.kind == StatementKind::kOther;
  };
  auto touches = [](const std::set<std::string>& writes, const std::set<std::string>& names) {
    return std::any_of(writes.begin(), writes.end(),
                       [&](const std::string& w) { return names.count(w) != 0; });
  };
  std::vector<std::vector<size_t>> deps(infos.size());
  for (size_t j = 0; j < infos.size(); ++j) {
    for (size_t i = 0; i < j; ++i) {
      if (barrier(infos[i]) || barrier(infos[j]) || touches(infos[i].writes, infos[j].names) ||
          touches(infos[j].writes, infos[i].names)) {
        deps[j].push_back(i);
      }
    }
  }
  return deps;
}

}  // namespace devkit::databricks::sql
