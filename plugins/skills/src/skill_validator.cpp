#include "skill_validator.hpp"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <iterator>
#include <regex>
#include <set>
#include <sstream>
#include <system_error>

#include "front_matter.hpp"

namespace devkit::skills {
namespace {

namespace fs = std::filesystem;

// Length of the well-formed UTF-8 sequence at s[i], or 0 when it is not one (RFC 3629: no
// overlongs, no surrogates, nothing above U+10FFFF).
size_t sequenceLength(std::string_view s, size_t i) {
  const auto b = [&](size_t k) { return static_cast<unsigned char>(s[i + k]); };
  const unsigned char c = b(0);
  if (c < 0x80) return 1;
  size_t n = 0;
  unsigned char lo = 0x80;
  unsigned char hi = 0xBF;
  if (c >= 0xC2 && c <= 0xDF) {
    n = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    n = 3;
    if (c == 0xE0) lo = 0xA0;
    if (c == 0xED) hi = 0x9F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4;
    if (c == 0xF0) lo = 0x90;
    if (c == 0xF4) hi = 0x8F;
  } else {
    return 0;
  }
  if (i + n > s.size()) return 0;
  if (b(1) < lo || b(1) > hi) return 0;
  for (size_t k = 2; k < n; ++k) {
    if (b(k) < 0x80 || b(k) > 0xBF) return 0;
  }
  return n;
}

std::string lineAndColumn(std::string_view text, size_t offset) {
  const size_t line = static_cast<size_t>(std::count(
                          text.begin(), text.begin() + static_cast<long>(offset), '\n')) +
                      1;
  const size_t lineStart = text.rfind('\n', offset == 0 ? 0 : offset - 1);
  const size_t column =
      lineStart == std::string_view::npos || offset == 0 ? offset + 1 : offset - lineStart;
  return "line " + std::to_string(line) + ", byte " + std::to_string(column);
}

bool trimmedEmpty(const std::string& s) {
  return s.find_first_not_of(" \t\r\n") == std::string::npos;
}

std::string relativeText(const fs::path& p, const fs::path& base) {
  return toValidUtf8(p.lexically_relative(base).generic_string());
}

// Walks the folder without following links: every file it lists is one the host can copy as is.
void walk(const fs::path& dir, SkillReport& report) {
  std::error_code ec;
  size_t totalBytes = 0;
  bool tooMany = false;
  fs::recursive_directory_iterator it(dir, fs::directory_options::none, ec);
  if (ec) {
    report.errors.push_back({".", "cannot read the folder: " + ec.message()});
    return;
  }
  for (const fs::recursive_directory_iterator end; it != end; it.increment(ec)) {
    if (ec) {
      report.errors.push_back({".", "cannot read the folder: " + ec.message()});
      return;
    }
    const fs::path& path = it->path();
    const std::string rel = relativeText(path, dir);
    const fs::file_status st = it->symlink_status(ec);
    if (ec) {
      report.errors.push_back({rel, "cannot read: " + ec.message()});
      continue;
    }
    if (fs::is_symlink(st)) {
      report.errors.push_back(
          {rel, "is a symbolic link; a skill folder holds only regular files and folders"});
      continue;
    }
    if (fs::is_directory(st)) {
      if (it.depth() + 1 >= kMaxDepth) {
        report.errors.push_back(
            {rel, "is nested too deep (at most " + std::to_string(kMaxDepth) + " levels)"});
        it.disable_recursion_pending();
      }
      continue;
    }
    if (!fs::is_regular_file(st)) {
      report.errors.push_back({rel, "is not a regular file"});
      continue;
    }
    totalBytes += static_cast<size_t>(it->file_size(ec));
    if (report.files.size() >= kMaxFiles) {
      tooMany = true;
      continue;
    }
    report.files.push_back(rel);
  }
  if (tooMany) {
    report.errors.push_back(
        {".", "holds more than " + std::to_string(kMaxFiles) + " files; a skill should be small"});
  }
  if (totalBytes > kMaxTotalBytes) {
    report.errors.push_back({".", "holds " + std::to_string(totalBytes / (1024 * 1024)) +
                                      " MiB; at most " +
                                      std::to_string(kMaxTotalBytes / (1024 * 1024)) +
                                      " MiB are allowed, since it is copied into every project"});
  }
  std::sort(report.files.begin(), report.files.end(), [](const auto& a, const auto& b) {
    if ((a == kSkillFile) != (b == kSkillFile)) return a == kSkillFile;
    return a < b;
  });
}

// Markdown links from SKILL.md to files of the folder ([text](reference/x.md)) must resolve: a
// skill whose instructions point at a missing file misleads the agent.
void checkLinks(const fs::path& dir, const std::string& body, SkillReport& report) {
  static const std::regex kLink(R"(\]\(([^)\s]+)(\s+"[^"]*")?\))");
  std::istringstream in(body);
  std::string line;
  bool fence = false;
  std::set<std::string> reported;
  while (std::getline(in, line)) {
    const std::string trimmed = line.substr(std::min(line.find_first_not_of(" \t"), line.size()));
    if (trimmed.rfind("```", 0) == 0 || trimmed.rfind("~~~", 0) == 0) {
      fence = !fence;
      continue;
    }
    if (fence) continue;
    // Inline code spans may show link syntax as an example.
    std::string text;
    bool code = false;
    for (char c : line) {
      if (c == '`') {
        code = !code;
      } else if (!code) {
        text += c;
      }
    }
    for (std::sregex_iterator m(text.begin(), text.end(), kLink), end; m != end; ++m) {
      std::string target = (*m)[1].str();
      if (target.empty() || target.front() == '#' || target.front() == '/' ||
          target.find(':') != std::string::npos) {
        continue;  // an anchor, an absolute path or a URL (https:, mailto:)
      }
      target = target.substr(0, target.find_first_of("#?"));
      if (target.empty() || !reported.insert(target).second) continue;
      const fs::path normal = fs::path(target).lexically_normal();
      if (!normal.empty() && *normal.begin() == "..") {
        report.errors.push_back(
            {kSkillFile, "links to '" + target + "', which is outside the skill folder"});
        continue;
      }
      std::error_code ec;
      if (!fs::exists(dir / normal, ec)) {
        report.errors.push_back(
            {kSkillFile, "links to '" + target + "', which is not in the skill folder"});
      }
    }
  }
}

void checkSkillMd(const fs::path& dir, SkillReport& report) {
  const fs::path file = dir / kSkillFile;
  std::error_code ec;
  const fs::file_status st = fs::symlink_status(file, ec);
  if (!fs::exists(st)) {
    std::string hint;
    for (const std::string& f : report.files) {
      std::string lower = f;
      std::transform(lower.begin(), lower.end(), lower.begin(),
                     [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
      if (lower == "skill.md") hint = " (found '" + f + "'; the name is case-sensitive)";
    }
    report.errors.push_back({kSkillFile, "is missing: every skill folder needs one" + hint});
    return;
  }
  if (!fs::is_regular_file(st)) return;  // the walk reported it
  const auto size = fs::file_size(file, ec);
  if (ec) {
    report.errors.push_back({kSkillFile, "cannot read: " + ec.message()});
    return;
  }
  if (size > kMaxSkillMdBytes) {
    report.errors.push_back({kSkillFile, "is " + std::to_string(size) + " bytes; at most " +
                                             std::to_string(kMaxSkillMdBytes) +
                                             " are allowed (move detail into reference files)"});
    return;
  }
  std::ifstream in(file, std::ios::binary);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (!in.good() && !in.eof()) {
    report.errors.push_back({kSkillFile, "cannot read the file"});
    return;
  }
  size_t bad = 0;
  if (!isCleanUtf8(text, &bad)) {
    report.errors.push_back(
        {kSkillFile, text[bad] == '\0'
                         ? "contains a NUL byte (" + lineAndColumn(text, bad) + "); not a text file"
                         : "is not valid UTF-8 (" + lineAndColumn(text, bad) + ")"});
    return;
  }

  const FrontMatter fm = parseFrontMatter(text);
  for (const std::string& e : fm.errors) report.errors.push_back({kSkillFile, e});
  if (!fm.errors.empty() && fm.fields.empty()) return;

  using Kind = FrontMatterValue::Kind;
  const auto textField = [&](const char* key, std::string& out) -> bool {
    const auto it = fm.fields.find(key);
    if (it == fm.fields.end()) {
      report.errors.push_back({kSkillFile, std::string("the front matter has no '") + key + "'"});
      return false;
    }
    const FrontMatterValue& v = it->second;
    const std::string where = " (line " + std::to_string(v.line) + ")";
    switch (v.kind) {
      case Kind::kNull:
        report.errors.push_back({kSkillFile, std::string(key) + " is empty" + where});
        return false;
      case Kind::kOther:
        report.errors.push_back({kSkillFile, std::string(key) + " must be text, but YAML reads '" +
                                                 v.text + "' as a number or boolean; quote it" +
                                                 where});
        return false;
      case Kind::kStructured:
        report.errors.push_back(
            {kSkillFile, std::string(key) + " must be text, not a list or mapping" + where});
        return false;
      case Kind::kString:
        break;
    }
    out = v.text;
    return true;
  };

  if (textField("name", report.name)) {
    for (const std::string& r : nameProblems(report.name)) report.errors.push_back({kSkillFile, r});
    const std::string folder = toValidUtf8(dir.filename().string());
    if (report.name != folder) {
      report.errors.push_back({kSkillFile, "name '" + report.name +
                                               "' differs from the folder name '" + folder +
                                               "'; they must be equal"});
    }
  }
  if (textField("description", report.description)) {
    for (const std::string& r : descriptionProblems(report.description)) {
      report.errors.push_back({kSkillFile, r});
    }
  }
  if (fm.fields.count("devkit-tools") != 0) {
    std::string value;
    if (textField("devkit-tools", value)) {
      for (const std::string& r : parseGatedTools(value, report.tools)) {
        report.errors.push_back({kSkillFile, r});
      }
    }
  }
  if (trimmedEmpty(fm.body)) {
    report.errors.push_back({kSkillFile, "has no instructions after the front matter"});
  } else {
    checkLinks(dir, fm.body, report);
  }
}

}  // namespace

bool isCleanUtf8(std::string_view s, size_t* badOffset) {
  for (size_t i = 0; i < s.size();) {
    const size_t n = s[i] == '\0' ? 0 : sequenceLength(s, i);
    if (n == 0) {
      if (badOffset != nullptr) *badOffset = i;
      return false;
    }
    i += n;
  }
  return true;
}

size_t utf8Length(std::string_view s) {
  return static_cast<size_t>(std::count_if(
      s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

std::string toValidUtf8(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    const size_t n = sequenceLength(s, i);
    if (n == 0) {
      out += "\xEF\xBF\xBD";
      ++i;
    } else {
      out.append(s.substr(i, n));
      i += n;
    }
  }
  return out;
}

std::vector<std::string> nameProblems(std::string_view name) {
  std::vector<std::string> out;
  const std::string quoted = "'" + toValidUtf8(name) + "'";
  if (name.empty()) {
    out.push_back("name is empty");
    return out;
  }
  if (utf8Length(name) > kMaxNameChars) {
    out.push_back("name " + quoted + " is " + std::to_string(utf8Length(name)) +
                  " characters long; at most " + std::to_string(kMaxNameChars) + " are allowed");
  }
  if (std::any_of(name.begin(), name.end(), [](char c) { return c >= 'A' && c <= 'Z'; })) {
    out.push_back("name " + quoted + " must be lowercase");
  }
  const auto allowed = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
  };
  if (!std::all_of(name.begin(), name.end(), allowed)) {
    out.push_back("name " + quoted +
                  " may only contain lowercase letters, digits and hyphens (no spaces, "
                  "underscores, dots or other characters)");
  }
  if (name.front() == '-' || name.back() == '-') {
    out.push_back("name " + quoted + " must not start or end with a hyphen");
  }
  if (name.find("--") != std::string_view::npos) {
    out.push_back("name " + quoted + " must not contain two hyphens in a row");
  }
  std::string lower(name);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  for (const char* reserved : {"anthropic", "claude"}) {
    if (lower.find(reserved) != std::string::npos) {
      out.push_back("name " + quoted + " must not contain the reserved word '" + reserved + "'");
    }
  }
  return out;
}

std::vector<std::string> parseGatedTools(std::string_view value, std::vector<std::string>& tools) {
  std::vector<std::string> problems;
  std::string current;
  const auto take = [&] {
    if (current.empty()) return;
    if (current.size() > 128) {
      problems.push_back("devkit-tools: the tool name '" + current.substr(0, 40) +
                         "...' is longer than 128 bytes");
    } else if (std::find(tools.begin(), tools.end(), current) == tools.end()) {
      tools.push_back(current);
    }
    current.clear();
  };
  for (const char c : value) {
    if (c == ',' || c == ' ' || c == '\t' || c == '\n') {
      take();
    } else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '_' || c == '-' || c == '.') {
      current.push_back(c);
    } else {
      problems.push_back(std::string("devkit-tools: '") + toValidUtf8(std::string(1, c)) +
                         "' cannot be part of a tool name (letters, digits, '_', '-' and '.'; "
                         "separate names with commas or spaces)");
      return problems;
    }
  }
  take();
  if (tools.empty() && problems.empty()) {
    problems.push_back("devkit-tools names no tool; remove it or list tool names");
  }
  return problems;
}

std::vector<std::string> descriptionProblems(std::string_view description) {
  std::vector<std::string> out;
  if (description.find_first_not_of(" \t\r\n") == std::string_view::npos) {
    out.push_back("description is empty");
    return out;
  }
  if (utf8Length(description) > kMaxDescriptionChars) {
    out.push_back("description is " + std::to_string(utf8Length(description)) +
                  " characters long; at most " + std::to_string(kMaxDescriptionChars) +
                  " are allowed");
  }
  // An XML tag: <name ...>, </name> or <name/>. A bare "<" (a < b, <= 5) is fine.
  static const std::regex kTag(R"(</?[A-Za-z][A-Za-z0-9_.:-]*(\s[^<>]*)?/?>)");
  std::match_results<std::string_view::const_iterator> m;
  if (std::regex_search(description.begin(), description.end(), m, kTag)) {
    out.push_back("description must not contain XML tags (found '" + m.str() + "')");
  }
  return out;
}

SkillReport validateSkillDir(const fs::path& dir) {
  SkillReport report;
  report.dir = dir;
  std::error_code ec;
  const fs::file_status st = fs::status(dir, ec);
  if (!fs::exists(st)) {
    report.errors.push_back({".", "no such folder"});
    return report;
  }
  if (!fs::is_directory(st)) {
    report.errors.push_back({".", "is not a folder"});
    return report;
  }
  walk(dir, report);
  checkSkillMd(dir, report);
  return report;
}

}  // namespace devkit::skills
