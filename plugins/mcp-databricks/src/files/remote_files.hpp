// Workspace files (Workspace API 2.0) and UC volume files (Files API 2.0) behind one set of
// helpers, shared by the file tools and the serverless path of execute_code (which uploads its
// code as a temporary workspace file). Facts: ../shared/reference/databricks-api.md §5.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "client/rest_client.hpp"

namespace devkit::databricks::files {

/// Workspace import refuses more (MAX_NOTEBOOK_SIZE_EXCEEDED); export has the same limit.
inline constexpr uint64_t kWorkspaceLimit = 10ULL * 1024 * 1024;
/// One Files API PUT holds up to 5 GiB.
inline constexpr uint64_t kVolumeLimit = 5ULL * 1024 * 1024 * 1024;

enum class Area { kWorkspace, kVolume };

struct RemotePath {
  Area area = Area::kWorkspace;
  std::string path;  // absolute, no trailing '/', no "." or ".." segments
};

/// Classifies a remote path: /Volumes/<catalog>/<schema>/<volume>/... -> volume; /Workspace/...,
/// /Users/..., /Shared/..., /Repos/... -> workspace. Throws devkit::sdk::Error
/// (DK_ERR_INVALID_ARGUMENT) for anything else, for ".." segments, and for a volume path above
/// the volume itself.
RemotePath parseRemotePath(const std::string& path);

/// "/a/b/c" -> "/a/b"; "/a" -> "/".
std::string parentOf(const std::string& path);
/// "/a/b" + "x/y" -> "/a/b/x/y" (rel uses '/').
std::string joinRemote(const std::string& base, const std::string& rel);
/// True for paths a delete must never touch: "/", a top folder ("/Workspace", "/Users",
/// "/Shared", "/Repos", "/Volumes"), a user's home ("/Users/x", "/Workspace/Users/x"), and a
/// volume root or anything above it.
bool isProtected(const RemotePath& path);

std::string base64Encode(std::string_view data);
/// Throws ToolFailure on invalid input.
std::string base64Decode(std::string_view text);
bool isValidUtf8(std::string_view data);

/// The Workspace language of a notebook source file: its first line is "# Databricks notebook
/// source" (PYTHON, or R for a .r file), "-- Databricks notebook source" (SQL) or "// Databricks
/// notebook source" (SCALA). nullopt for an ordinary file.
std::optional<std::string> notebookLanguage(std::string_view content, const std::string& fileName);

/// Directory and file names upload_folder never sends (build output, caches, virtualenvs, VCS),
/// plus hidden ones unless includeHidden. ".git" is skipped even with includeHidden.
bool skipLocalName(const std::string& name, bool isDirectory, bool includeHidden);

/// Reads a whole local file. Throws ToolFailure when it cannot.
std::string readLocalFile(const std::filesystem::path& path);
/// Writes a whole local file (parents created) through a temp file. Throws ToolFailure.
void writeLocalFile(const std::filesystem::path& path, const std::string& content);

/// The size limit of an area, and a refusal text when `size` exceeds it (empty when it fits).
std::string sizeRefusal(const RemotePath& target, uint64_t size, const std::string& what);

/// mkdir -p: workspace/mkdirs or PUT fs/directories.
void makeDirs(RestClient& client, const RemotePath& dir);

struct UploadOutcome {
  std::string remotePath;          // where it landed (a notebook loses its extension)
  std::string kind;                // "file" or "notebook"
  std::string language;            // notebooks only
  bool replacedOtherType = false;  // a notebook replaced a file of the same name, or back
};

/// Uploads one file's content (the caller checked the size). Workspace: import (AUTO, or SOURCE
/// with the language for a notebook source file), and when overwriting a notebook with a file or
/// back (a type mismatch) deletes the old object and imports again. Volume: PUT fs/files.
/// `fileName` (the local name) decides notebook languages. Parents must exist unless
/// `makeParents`.
UploadOutcome uploadContent(RestClient& client, const RemotePath& target,
                            const std::string& content, const std::string& fileName, bool overwrite,
                            bool makeParents);
/// uploadContent for a local file; a volume target streams it from disk (never in memory).
UploadOutcome uploadLocalFile(RestClient& client, const RemotePath& target,
                              const std::filesystem::path& local, bool overwrite, bool makeParents);

/// Lists a directory: compact items {path, type: FILE|DIRECTORY|NOTEBOOK|..., size?, language?,
/// modified_at?}. Recurses into sub-directories when `recursive`; stops at maxItems (sets
/// *truncated).
nlohmann::json listRemote(RestClient& client, const RemotePath& dir, bool recursive,
                          size_t maxItems, bool* truncated);

/// Above this a volume file is only downloaded into a local file (download_file's local_path).
inline constexpr uint64_t kInMemoryDownloadLimit = 64ULL * 1024 * 1024;

struct Download {
  std::string content;  // empty when written to a file
  uint64_t size = 0;
  std::string objectType;  // FILE or NOTEBOOK (workspace), FILE (volume)
  std::string language;    // notebooks
};
/// A file's bytes (a notebook as SOURCE). A directory or a missing path is a ToolFailure. With
/// `toFile`, the bytes are written there instead (a volume file streamed, never held in
/// memory); without it, a volume file over kInMemoryDownloadLimit is a ToolFailure.
Download downloadRemote(RestClient& client, const RemotePath& path,
                        const std::filesystem::path* toFile = nullptr);

struct DeleteOutcome {
  std::string type;    // "file", "directory", "notebook", ...
  size_t removed = 1;  // objects removed (a recursive volume delete counts each)
};
/// Deletes a file, notebook or directory; a non-empty directory needs `recursive`, otherwise a
/// ToolFailure says so. A missing path is a ToolFailure.
DeleteOutcome deleteRemote(RestClient& client, const RemotePath& path, bool recursive);

}  // namespace devkit::databricks::files
