// A small reader for the Databricks config file (~/.databrickscfg, INI): `[section]` headers,
// `key = value` (or `key: value`), whole-line `;`/`#` comments and inline ones after whitespace
// (as go-ini reads it; no multi-line values). Keys are lower-cased (as Python's configparser does);
// section names keep their case. Unlike configparser, [DEFAULT] is an ordinary profile: its keys
// are NOT inherited by other sections (a DEFAULT token leaking into a service principal profile
// would turn it into "more than one authorization method").
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace devkit::databricks {

struct ConfigFile {
  using Section = std::map<std::string, std::string>;

  std::string path;
  std::map<std::string, Section> sections;

  /// The section named `name`, or nullptr.
  const Section* section(const std::string& name) const;
  /// `key` of section `name`; empty when either is missing.
  std::string value(const std::string& name, const std::string& key) const;
};

/// Parses INI text; `path` only names the file in errors. Throws AuthConfigError on a line that
/// is neither a section, a key/value pair, a comment nor a continuation.
ConfigFile parseConfigFile(std::string_view text, const std::string& path);

/// Reads and parses `path`; std::nullopt when it does not exist. Throws AuthConfigError when it
/// exists but cannot be read or parsed.
std::optional<ConfigFile> readConfigFile(const std::string& path);

}  // namespace devkit::databricks
