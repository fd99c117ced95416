#include "front_matter.hpp"

#include <devkit/json.hpp>

#include <cstddef>
#include <optional>
#include <regex>
#include <string>
#include <string_view>
#include <vector>

namespace devkit::skills {
namespace {

struct Line {
  std::string_view text;  // without the line end
  int number = 0;         // 1-based, in the whole file
};

constexpr std::string_view kBom = "\xEF\xBB\xBF";

std::vector<Line> splitLines(std::string_view text) {
  std::vector<Line> lines;
  int number = 1;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    const bool last = end == std::string_view::npos;
    if (last) end = text.size();
    std::string_view line = text.substr(start, end - start);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    lines.push_back({line, number++});
    start = end + 1;
  }
  return lines;
}

bool isSpace(char c) { return c == ' ' || c == '\t'; }

std::string_view trimLeft(std::string_view s) {
  while (!s.empty() && isSpace(s.front())) s.remove_prefix(1);
  return s;
}
std::string_view trimRight(std::string_view s) {
  while (!s.empty() && isSpace(s.back())) s.remove_suffix(1);
  return s;
}
std::string_view trim(std::string_view s) { return trimRight(trimLeft(s)); }
bool isBlank(std::string_view s) { return trim(s).empty(); }

size_t indentOf(std::string_view s) {
  size_t n = 0;
  while (n < s.size() && s[n] == ' ') ++n;
  return n;
}

bool isDelimiter(std::string_view line) { return trimRight(line) == "---"; }

// A " #..." comment ends a plain value; '#' inside a word ("C#") does not.
std::string_view stripComment(std::string_view s, bool* found = nullptr) {
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '#' && (i == 0 || isSpace(s[i - 1]))) {
      if (found != nullptr) *found = true;
      return s.substr(0, i);
    }
  }
  if (found != nullptr) *found = false;
  return s;
}

// YAML 1.1 (PyYAML) and 1.2 both read these plain scalars as something other than a string.
FrontMatterValue::Kind plainKind(const std::string& s) {
  static const std::regex kNull(R"(~|null|Null|NULL)");
  static const std::regex kBool(
      R"(true|True|TRUE|false|False|FALSE|yes|Yes|YES|no|No|NO|on|On|ON|off|Off|OFF)");
  static const std::regex kNumber(
      R"([-+]?(0|[1-9][0-9_]*)|0o?[0-7]+|0x[0-9a-fA-F]+|[-+]?(\.[0-9]+|[0-9][0-9_]*(\.[0-9_]*)?)([eE][-+]?[0-9]+)?|[-+]?\.(inf|Inf|INF)|\.(nan|NaN|NAN))");
  if (s.empty() || std::regex_match(s, kNull)) return FrontMatterValue::Kind::kNull;
  if (std::regex_match(s, kBool) || std::regex_match(s, kNumber)) {
    return FrontMatterValue::Kind::kOther;
  }
  return FrontMatterValue::Kind::kString;
}

// "key:" or "key: ..." at the start of a (trimmed) line: a nested mapping entry.
bool looksLikeMappingEntry(std::string_view s) {
  if (s.empty() || s.front() == '"' || s.front() == '\'' || s.front() == '#') return false;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == ':' && (i + 1 == s.size() || isSpace(s[i + 1]))) return i > 0;
  }
  return false;
}

class Parser {
 public:
  Parser(const std::vector<Line>& lines, FrontMatter& out) : lines_(lines), out_(out) {}

  void run() {
    size_t i = 0;
    while (i < lines_.size()) {
      const Line& line = lines_[i];
      const std::string_view trimmed = trim(line.text);
      if (trimmed.empty() || trimmed.front() == '#') {
        ++i;
        continue;
      }
      if (line.text.front() == '\t') {
        error(line, "tabs cannot indent YAML; use spaces");
        ++i;
        continue;
      }
      if (line.text.front() == ' ') {
        error(line, "unexpected indentation: every key of the front matter starts a line");
        ++i;
        continue;
      }
      const size_t end = continuationEnd(i + 1);
      const std::optional<size_t> colon = keyColon(line.text);
      if (!colon) {
        error(line, "expected `key: value` (a space after the colon), got '" +
                        std::string(trimmed.substr(0, 40)) + "'");
        i = end;
        continue;
      }
      const std::string key(line.text.substr(0, *colon));
      const std::vector<Line> rest(lines_.begin() + static_cast<std::ptrdiff_t>(i + 1),
                                   lines_.begin() + static_cast<std::ptrdiff_t>(end));
      FrontMatterValue value = parseValue(line, line.text.substr(*colon + 1), rest);
      value.line = line.number;
      if (const auto it = out_.fields.find(key); it != out_.fields.end()) {
        error(line, "duplicate key '" + key + "' (first on line " +
                        std::to_string(it->second.line) + ")");
      } else {
        out_.fields.emplace(key, std::move(value));
      }
      i = end;
    }
  }

 private:
  void error(const Line& line, const std::string& message) {
    out_.errors.push_back("line " + std::to_string(line.number) + ": " + message);
  }

  // The lines after a key line that belong to its value: indented or blank ones, up to the next
  // line that starts at column 0 (blank lines count: a `|+` block keeps them).
  size_t continuationEnd(size_t from) const {
    size_t end = from;
    while (end < lines_.size() &&
           (isBlank(lines_[end].text) || isSpace(lines_[end].text.front()))) {
      ++end;
    }
    return end;
  }

  // Where the key's colon is: the first ':' followed by a space or the line end, after a key made
  // of letters, digits, '_', '-' and '.'.
  static std::optional<size_t> keyColon(std::string_view text) {
    for (size_t i = 0; i < text.size(); ++i) {
      const char c = text[i];
      if (c == ':') {
        if (i == 0 || (i + 1 < text.size() && !isSpace(text[i + 1]))) return std::nullopt;
        return i;
      }
      const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '_' || c == '-' || c == '.';
      if (!ok) return std::nullopt;
    }
    return std::nullopt;
  }

  FrontMatterValue parseValue(const Line& keyLine, std::string_view afterColon,
                              const std::vector<Line>& rest) {
    const std::string_view r = trimLeft(afterColon);
    if (r.empty() || r.front() == '#') return valueOnNextLines(rest);
    switch (r.front()) {
      case '|':
      case '>':
        return blockScalar(keyLine, r, rest);
      case '"':
      case '\'':
        return quoted(keyLine, r, rest);
      case '[':
      case '{':
        return structured();
      case '&':
      case '*':
      case '!':
      case '%':
      case '@':
      case '`':
        error(keyLine, std::string("a value starting with '") + r.front() +
                           "' is YAML syntax this parser does not support (anchors, aliases, tags, "
                           "reserved characters); put the value in quotes");
        return {};
      default:
        break;
    }
    if ((r.front() == '-' || r.front() == '?' || r.front() == ':') &&
        (r.size() == 1 || isSpace(r[1]))) {
      error(keyLine,
            std::string("a value cannot start with '") + r.front() + " '; put the value in quotes");
      return {};
    }
    std::vector<std::pair<std::string_view, int>> pieces{{r, keyLine.number}};
    for (const Line& l : rest) pieces.emplace_back(l.text, l.number);
    return plain(pieces);
  }

  // `key:` alone: a nested mapping or sequence, a flow collection, a plain value that starts on
  // the next line, or nothing (null).
  FrontMatterValue valueOnNextLines(const std::vector<Line>& rest) {
    const Line* first = nullptr;
    for (const Line& l : rest) {
      if (!isBlank(l.text) && trim(l.text).front() != '#') {
        first = &l;
        break;
      }
    }
    if (first == nullptr) return {};
    const std::string_view t = trim(first->text);
    if (t == "-" || t.rfind("- ", 0) == 0 || t.front() == '[' || t.front() == '{' ||
        looksLikeMappingEntry(t)) {
      return structured();
    }
    std::vector<std::pair<std::string_view, int>> pieces;
    for (const Line& l : rest) pieces.emplace_back(l.text, l.number);
    return plain(pieces);
  }

  static FrontMatterValue structured() {
    FrontMatterValue v;
    v.kind = FrontMatterValue::Kind::kStructured;
    return v;
  }

  // A plain scalar over one or more lines: lines fold into spaces, blank lines into newlines.
  FrontMatterValue plain(const std::vector<std::pair<std::string_view, int>>& pieces) {
    FrontMatterValue v;
    std::string text;
    int blanks = 0;
    bool any = false;
    bool ended = false;  // a comment ended the value
    for (const auto& [raw, number] : pieces) {
      if (isBlank(raw)) {
        ++blanks;
        continue;
      }
      const Line line{raw, number};
      if (ended) {
        error(line, "text after a comment inside a value; put the whole value in quotes");
        return v;
      }
      bool comment = false;
      const std::string_view piece = trim(stripComment(trim(raw), &comment));
      ended = comment;
      if (piece.empty()) continue;
      if (piece.find(": ") != std::string_view::npos || piece.back() == ':') {
        error(line,
              "a plain value cannot contain ': ' (YAML would read a nested key); put the whole "
              "value in quotes or use `>-`");
        return v;
      }
      if (any) text += blanks == 0 ? std::string(" ") : std::string(blanks, '\n');
      text += piece;
      any = true;
      blanks = 0;
    }
    v.text = std::move(text);
    v.kind = plainKind(v.text);
    return v;
  }

  // "..." or '...', possibly over several lines (line breaks fold like a plain value's).
  FrontMatterValue quoted(const Line& keyLine, std::string_view r, const std::vector<Line>& rest) {
    const char q = r.front();
    FrontMatterValue v;
    std::string out;
    std::string_view cur = r.substr(1);
    const Line* curLine = &keyLine;
    size_t next = 0;  // index into rest of the line after curLine
    size_t pos = 0;
    while (true) {
      if (pos >= cur.size()) {
        // A line break inside the quotes.
        while (!out.empty() && isSpace(out.back())) out.pop_back();
        int blanks = 0;
        while (next < rest.size() && isBlank(rest[next].text)) {
          ++blanks;
          ++next;
        }
        if (next >= rest.size()) {
          error(keyLine, std::string("the quoted value has no closing ") + q);
          return v;
        }
        out += blanks == 0 ? std::string(" ") : std::string(blanks, '\n');
        curLine = &rest[next];
        cur = trimLeft(rest[next].text);
        ++next;
        pos = 0;
        continue;
      }
      const char c = cur[pos];
      if (c == q) {
        if (q == '\'' && pos + 1 < cur.size() && cur[pos + 1] == '\'') {
          out += '\'';
          pos += 2;
          continue;
        }
        const std::string_view after = trim(cur.substr(pos + 1));
        if (!after.empty() && after.front() != '#') {
          error(*curLine, "text after the closing quote");
          return v;
        }
        for (; next < rest.size(); ++next) {
          if (!isBlank(rest[next].text)) {
            error(rest[next], "unexpected text after the quoted value");
            return v;
          }
        }
        v.kind = FrontMatterValue::Kind::kString;
        v.text = std::move(out);
        return v;
      }
      if (q == '"' && c == '\\') {
        if (pos + 1 >= cur.size()) {
          // An escaped line break: the next line continues without a space.
          if (next >= rest.size()) {
            error(keyLine, "the quoted value has no closing \"");
            return v;
          }
          curLine = &rest[next];
          cur = trimLeft(rest[next].text);
          ++next;
          pos = 0;
          continue;
        }
        if (!escape(*curLine, cur, pos, out)) return v;
        continue;
      }
      out += c;
      ++pos;
    }
  }

  // One backslash escape of a double-quoted value at cur[pos] == '\\'; advances pos.
  bool escape(const Line& line, std::string_view cur, size_t& pos, std::string& out) {
    const char e = cur[pos + 1];
    pos += 2;
    switch (e) {
      case '0':
        out += '\0';
        return true;
      case 'a':
        out += '\a';
        return true;
      case 'b':
        out += '\b';
        return true;
      case 't':
      case '\t':
        out += '\t';
        return true;
      case 'n':
        out += '\n';
        return true;
      case 'v':
        out += '\v';
        return true;
      case 'f':
        out += '\f';
        return true;
      case 'r':
        out += '\r';
        return true;
      case 'e':
        out += '\x1b';
        return true;
      case ' ':
      case '"':
      case '/':
      case '\\':
        out += e;
        return true;
      case 'N':
        devkit::sdk::json::appendUtf8(out, 0x85);
        return true;
      case '_':
        devkit::sdk::json::appendUtf8(out, 0xA0);
        return true;
      case 'L':
        devkit::sdk::json::appendUtf8(out, 0x2028);
        return true;
      case 'P':
        devkit::sdk::json::appendUtf8(out, 0x2029);
        return true;
      case 'x':
      case 'u':
      case 'U': {
        const size_t digits = e == 'x' ? 2 : e == 'u' ? 4 : 8;
        if (pos + digits > cur.size()) break;
        unsigned long cp = 0;
        for (size_t k = 0; k < digits; ++k) {
          const char h = cur[pos + k];
          int d = -1;
          if (h >= '0' && h <= '9') d = h - '0';
          if (h >= 'a' && h <= 'f') d = h - 'a' + 10;
          if (h >= 'A' && h <= 'F') d = h - 'A' + 10;
          if (d < 0) {
            error(line, "invalid \\" + std::string(1, e) + " escape in a quoted value");
            return false;
          }
          cp = cp * 16 + static_cast<unsigned long>(d);
        }
        if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
          error(line, "the escape \\" + std::string(1, e) + " is not a Unicode character");
          return false;
        }
        devkit::sdk::json::appendUtf8(out, cp);
        pos += digits;
        return true;
      }
      default:
        break;
    }
    error(line, "unknown escape \\" + std::string(1, e) + " in a double-quoted value");
    return false;
  }

  // `|` (literal: line breaks kept) or `>` (folded: lines joined with spaces), with an optional
  // chomping indicator (`-` strip, `+` keep, default clip) and indentation indicator.
  FrontMatterValue blockScalar(const Line& keyLine, std::string_view header,
                               const std::vector<Line>& rest) {
    FrontMatterValue v;
    const bool folded = header.front() == '>';
    char chomp = ' ';
    size_t explicitIndent = 0;
    size_t i = 1;
    for (; i < header.size() && i <= 2; ++i) {
      const char c = header[i];
      if ((c == '-' || c == '+') && chomp == ' ') {
        chomp = c;
      } else if (c >= '1' && c <= '9' && explicitIndent == 0) {
        explicitIndent = static_cast<size_t>(c - '0');
      } else {
        break;
      }
    }
    const std::string_view after = trim(header.substr(i));
    if (!after.empty() && after.front() != '#') {
      error(keyLine, "a block value (| or >) starts on the next line; nothing may follow '" +
                         std::string(header.substr(0, i)) + "'");
      return v;
    }
    size_t indent = explicitIndent;
    if (indent == 0) {
      for (const Line& l : rest) {
        if (!isBlank(l.text)) {
          indent = indentOf(l.text);
          break;
        }
      }
    }
    std::vector<std::string_view> content;
    for (const Line& l : rest) {
      if (isBlank(l.text)) {
        content.emplace_back();
        continue;
      }
      if (indentOf(l.text) < indent) {
        error(l, "less indented than the first line of the block value");
        return v;
      }
      content.push_back(l.text.substr(indent));
    }
    std::string out;
    int pending = 0;  // empty lines since the last text line
    bool any = false;
    bool prevNormal = false;  // the last text line was not more indented
    for (const std::string_view line : content) {
      if (line.empty()) {
        ++pending;
        continue;
      }
      const bool moreIndented = isSpace(line.front());
      if (!any) {
        out += std::string(static_cast<size_t>(pending), '\n');
      } else if (folded && !moreIndented && prevNormal) {
        out += pending == 0 ? std::string(" ") : std::string(static_cast<size_t>(pending), '\n');
      } else {
        out += std::string(static_cast<size_t>(pending) + 1, '\n');
      }
      out += line;
      any = true;
      prevNormal = !moreIndented;
      pending = 0;
    }
    if (chomp == '+') {
      if (any) out += '\n';
      out += std::string(static_cast<size_t>(pending), '\n');
    } else if (chomp == ' ' && any) {
      out += '\n';
    }
    v.kind = FrontMatterValue::Kind::kString;
    v.text = std::move(out);
    return v;
  }

  const std::vector<Line>& lines_;
  FrontMatter& out_;
};

}  // namespace

FrontMatter parseFrontMatter(std::string_view text) {
  FrontMatter out;
  if (text.substr(0, kBom.size()) == kBom) text.remove_prefix(kBom.size());
  const std::vector<Line> lines = splitLines(text);
  if (lines.empty() || !isDelimiter(lines[0].text)) {
    out.errors.push_back(
        "SKILL.md must start with a '---' line that opens the YAML front matter (name and "
        "description)");
    return out;
  }
  size_t close = 1;
  while (close < lines.size() && !isDelimiter(lines[close].text)) ++close;
  if (close == lines.size()) {
    out.errors.push_back(
        "the front matter opened on line 1 is never closed: no '---' line follows");
    return out;
  }
  const std::vector<Line> header(lines.begin() + 1,
                                 lines.begin() + static_cast<std::ptrdiff_t>(close));
  Parser(header, out).run();
  // The body: everything after the closing line, as written.
  const char* bodyStart = lines[close].text.data() + lines[close].text.size();
  const char* const end = text.data() + text.size();
  while (bodyStart < end && *bodyStart != '\n') ++bodyStart;
  if (bodyStart < end) ++bodyStart;
  out.body.assign(bodyStart, end);
  out.bodyLine = lines[close].number + 1;
  return out;
}

}  // namespace devkit::skills
