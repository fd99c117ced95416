// The rules a skill folder must meet (plugins/skills/README.md lists them): a SKILL.md with YAML
// front matter whose name and description follow Claude Code's skill rules, reference files beside
// it, nothing that could not be copied into a project as it is.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace devkit::skills {

inline constexpr size_t kMaxNameChars = 64;
inline constexpr size_t kMaxDescriptionChars = 1024;
inline constexpr size_t kMaxSkillMdBytes = 1024 * 1024;
inline constexpr size_t kMaxFiles = 1000;
inline constexpr size_t kMaxTotalBytes = 32 * 1024 * 1024;  // copied into every project
inline constexpr int kMaxDepth = 8;
inline constexpr const char* kSkillFile = "SKILL.md";

/// One reason a skill folder is refused. `file` is relative to the skill folder ("SKILL.md",
/// "reference/x.md"); "." means the folder itself.
struct Problem {
  std::string file;
  std::string reason;
};

struct SkillReport {
  std::filesystem::path dir;
  std::string name;                // as read from the front matter, when it is text
  std::string description;         // likewise
  std::vector<std::string> files;  // relative, '/'-separated; SKILL.md first, then sorted
  /// MCP tools this skill gates (front matter `devkit-tools`, optional): a project has them only
  /// while a skill naming them is enabled there. In file order, without duplicates.
  std::vector<std::string> tools;
  std::vector<Problem> errors;
  bool valid() const { return errors.empty(); }
};

/// Checks one skill folder: every rule, every file. Never throws for what it finds on disk.
SkillReport validateSkillDir(const std::filesystem::path& dir);

/// The reasons `name` breaks the name rules (empty when it is fine).
std::vector<std::string> nameProblems(std::string_view name);
/// The reasons `description` breaks the description rules (empty when it is fine).
std::vector<std::string> descriptionProblems(std::string_view description);
/// Splits a `devkit-tools` value (tool names separated by commas and/or spaces) into `tools`;
/// returns the problems (a name outside [A-Za-z0-9_.-], over 128 bytes, or no name at all).
std::vector<std::string> parseGatedTools(std::string_view value, std::vector<std::string>& tools);

/// True when `s` is well-formed UTF-8 without NUL bytes; otherwise `badOffset` gets the offset of
/// the first offending byte.
bool isCleanUtf8(std::string_view s, size_t* badOffset = nullptr);
/// Number of code points of well-formed UTF-8.
size_t utf8Length(std::string_view s);
/// `s` with every byte that is not well-formed UTF-8 replaced by U+FFFD, for JSON answers (file
/// and folder names come from the disk and may be anything).
std::string toValidUtf8(std::string_view s);

}  // namespace devkit::skills
