#include "auth/config_file.hpp"

#include <cctype>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "auth/unified_auth.hpp"

namespace devkit::databricks {

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

/// Drops an inline comment: ';' or '#' preceded by whitespace (a bare '#' may be part of a
/// value, e.g. a URL fragment or a secret).
std::string_view stripInlineComment(std::string_view s) {
  for (size_t i = 1; i < s.size(); ++i) {
    if ((s[i] == ';' || s[i] == '#') && std::isspace(static_cast<unsigned char>(s[i - 1]))) {
      return s.substr(0, i);
    }
  }
  return s;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

/// `"value"` or `'value'` -> value (go-ini unquotes; harmless for configparser-style files).
std::string_view unquote(std::string_view s) {
  if (s.size() >= 2 && (s.front() == '"' || s.front() == '\'') && s.back() == s.front()) {
    return s.substr(1, s.size() - 2);
  }
  return s;
}

}  // namespace

const ConfigFile::Section* ConfigFile::section(const std::string& name) const {
  auto it = sections.find(name);
  return it == sections.end() ? nullptr : &it->second;
}

std::string ConfigFile::value(const std::string& name, const std::string& key) const {
  const Section* s = section(name);
  if (s == nullptr) return {};
  auto it = s->find(key);
  return it == s->end() ? std::string() : it->second;
}

ConfigFile parseConfigFile(std::string_view text, const std::string& path) {
  ConfigFile file;
  file.path = path;
  // Skip a UTF-8 byte order mark (files saved by Windows editors).
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);

  ConfigFile::Section* current = nullptr;
  size_t lineNo = 0;
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view raw = text.substr(pos, end - pos);
    pos = end + 1;
    ++lineNo;
    if (!raw.empty() && raw.back() == '\r') raw.remove_suffix(1);

    std::string_view line = trim(raw);
    if (line.empty() || line.front() == ';' || line.front() == '#') {
      continue;
    }
    if (line.front() == '[') {
      std::string_view header = trim(stripInlineComment(line));
      if (header.back() != ']' || header.size() < 3) {
        throw AuthConfigError("malformed section header at line " + std::to_string(lineNo) +
                              " of " + path);
      }
      current = &file.sections[std::string(trim(header.substr(1, header.size() - 2)))];
      continue;
    }
    size_t sep = line.find_first_of("=:");
    if (sep == std::string_view::npos || sep == 0) {
      // The line itself is not echoed: it could be a secret pasted on its own line.
      throw AuthConfigError("malformed line " + std::to_string(lineNo) + " of " + path +
                            " (expected `key = value`)");
    }
    if (current == nullptr) {
      throw AuthConfigError("key outside of any [section] at line " + std::to_string(lineNo) +
                            " of " + path);
    }
    std::string key = lower(trim(line.substr(0, sep)));
    std::string value(unquote(trim(stripInlineComment(line.substr(sep + 1)))));
    (*current)[key] = std::move(value);  // a repeated key: the last one wins
  }
  return file;
}

std::optional<ConfigFile> readConfigFile(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    return std::nullopt;
  }
  if (std::filesystem::is_directory(path, ec)) {
    throw AuthConfigError("config file " + path + " is a directory");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw AuthConfigError("cannot read config file " + path);
  }
  std::ostringstream text;
  text << in.rdbuf();
  return parseConfigFile(text.str(), path);
}

}  // namespace devkit::databricks
