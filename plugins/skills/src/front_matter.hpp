// The YAML front matter of a SKILL.md: a "---" line, top-level `key: value` pairs, a "---" line,
// then the markdown body.
//
// Only the subset SKILL.md files use is understood (docs/architecture.md §9 says why this is not a
// YAML library): plain, 'single-quoted' and "double-quoted" scalars (also over several lines),
// literal `|` and folded `>` block scalars with their chomping and indentation indicators, and
// comments. A key whose value is a nested mapping, a block sequence or a flow collection
// (`allowed-tools: [Read, Grep]`, `metadata:` with indented keys) is accepted and kept as
// kStructured, unparsed: only name and description are read. What real YAML would refuse or read
// differently (a plain value holding ": ", tabs for indentation, duplicate keys, anchors and tags)
// is an error, so a file this parser accepts means the same to Claude Code's YAML reader.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace devkit::skills {

struct FrontMatterValue {
  enum class Kind {
    kString,      // text (quoted, block or plain that YAML reads as a string)
    kNull,        // empty, `~` or `null`
    kOther,       // a plain scalar YAML reads as a bool or a number (true, 12, 1.5)
    kStructured,  // a mapping, sequence or flow collection; text is not filled in
  };
  Kind kind = Kind::kNull;
  std::string text;
  int line = 0;  // 1-based line of the key in the file
};

struct FrontMatter {
  std::map<std::string, FrontMatterValue> fields;
  std::string body;                 // everything after the closing "---" line
  int bodyLine = 0;                 // 1-based line where the body starts
  std::vector<std::string> errors;  // "line N: ..." or a whole-file reason; empty = parsed
};

/// Splits `text` (a whole SKILL.md, already known to be UTF-8) into front matter and body and
/// parses the front matter. A leading UTF-8 byte order mark and CRLF line ends are accepted.
FrontMatter parseFrontMatter(std::string_view text);

}  // namespace devkit::skills
