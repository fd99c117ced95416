#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

namespace devkit::projects::files {

/// Resolves a client-supplied path relative to a project dir, refusing anything that could leave
/// it: absolute paths, '..' segments, NUL or control characters, and symlinks (anywhere along the
/// path) that lead outside the project. `field` names the request member for the error.
/// Returns the canonical path. Throws core::Failure: kInvalid ("invalid_path") for a refused path,
/// kNotFound when it does not exist.
std::filesystem::path resolveInside(const std::filesystem::path& projectDir,
                                    const std::string& relative, const std::string& field);

/// The tree under `dir` (a dir inside `projectDir`), depth first, directories before files, then
/// by name. Symlinks are listed as such and not followed. At most `maxEntries` entries in all; the
/// answer says "truncated": true when more existed.
///   {"path": "<dir relative to the project>", "entries": [{"name", "path", "type":
///    "directory"|"file"|"symlink"|"other", "size"?, "modified_at", "children"?: [...]}],
///    "entry_count": n, "truncated": bool}
nlohmann::json tree(const std::filesystem::path& projectDir, const std::filesystem::path& dir,
                    int maxEntries);

/// The content type for a project file: by extension for the formats data engineers keep in a
/// project (code, SQL, notebooks, configs, data, images); otherwise text/plain when the first bytes
/// are UTF-8 text, else application/octet-stream.
std::string contentTypeFor(const std::filesystem::path& file);

/// "2026-11-24T09:30:00.123Z" for microseconds since the epoch.
std::string isoTime(int64_t us);

}  // namespace devkit::projects::files
