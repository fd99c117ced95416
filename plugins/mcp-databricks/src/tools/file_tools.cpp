// File tools: upload_file, upload_folder, list_files, download_file, delete_file. Workspace paths
// (/Workspace/..., /Users/...) go through the Workspace API, volume paths
// (/Volumes/<catalog>/<schema>/<volume>/...) through the Files API; files/remote_files.hpp hides
// the difference. Local paths are always inside the caller's project (ctx.projectPath).
#include <algorithm>
#include <atomic>
#include <exception>
#include <filesystem>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "files/remote_files.hpp"
#include "tools/tool.hpp"

namespace devkit::databricks {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

constexpr size_t kMaxFolderFiles = 5000;

std::string baseName(const std::string& remote) {
  const auto slash = remote.find_last_of('/');
  return slash == std::string::npos ? remote : remote.substr(slash + 1);
}

std::string projectRelative(const ToolContext& ctx, const fs::path& local) {
  const fs::path root = fs::weakly_canonical(ctx.caller().projectDir);
  return local.lexically_relative(root).generic_string();
}

/// An extension for a saved download: the remote one when it is short and plain.
std::string saveExtension(const std::string& remote, bool text) {
  const std::string name = baseName(remote);
  const auto dot = name.find_last_of('.');
  if (dot != std::string::npos && dot + 1 < name.size() && name.size() - dot <= 9) {
    const std::string ext = name.substr(dot + 1);
    if (std::all_of(ext.begin(), ext.end(), [](unsigned char c) { return std::isalnum(c); })) {
      return ext;
    }
  }
  return text ? "txt" : "bin";
}

json pathProperty(const std::string& description) {
  return {{"type", "string"}, {"minLength", 1}, {"description", description}};
}

const char* kRemoteHelp =
    "Workspace paths (/Workspace/Users/<you>/..., /Users/<you>/..., /Shared/...) use the "
    "Workspace API; volume paths (/Volumes/<catalog>/<schema>/<volume>/...) use the Files API.";

// ---------------------------------------------------------------------------------------------

ToolResult uploadFile(ToolContext& ctx) {
  const std::string localArg = ctx.str("local_path");
  const std::string remoteArg = ctx.str("remote_path");
  const bool overwrite = ctx.boolean("overwrite", true);
  const fs::path local = ctx.projectPath(localArg);
  std::error_code ec;
  if (fs::is_directory(local, ec)) {
    throw ToolFailure(localArg + " is a folder; use upload_folder for folders");
  }
  if (!fs::is_regular_file(local, ec)) {
    throw ToolFailure("there is no file " + localArg + " in the project");
  }
  // "…/dir/" means "into dir, under the local name".
  std::string remoteText = remoteArg;
  if (!remoteText.empty() && remoteText.back() == '/') remoteText += local.filename().string();
  const files::RemotePath target = files::parseRemotePath(remoteText);
  const uint64_t size = fs::file_size(local, ec);
  if (const std::string refusal = files::sizeRefusal(target, size, localArg); !refusal.empty()) {
    throw ToolFailure(refusal);
  }
  const auto outcome = files::uploadLocalFile(ctx.client(), target, local, overwrite, true);
  json out = {{"local_path", projectRelative(ctx, local)},
              {"remote_path", outcome.remotePath},
              {"size", size},
              {"kind", outcome.kind},
              {"api", target.area == files::Area::kVolume ? "files" : "workspace"}};
  if (!outcome.language.empty()) out["language"] = outcome.language;
  if (outcome.replacedOtherType) out["replaced_other_type"] = true;
  return ToolResult::structured(std::move(out));
}

struct FolderJob {
  fs::path local;
  std::string rel;  // '/'-separated, relative to the folder
  uint64_t size = 0;
};

ToolResult uploadFolder(ToolContext& ctx) {
  const std::string localArg = ctx.str("local_path");
  const files::RemotePath root = files::parseRemotePath(ctx.str("remote_path"));
  const bool includeHidden = ctx.boolean("include_hidden", false);
  const int64_t parallelArg = ctx.integer("max_parallel", ctx.settings().maxParallel);
  const fs::path local = ctx.projectPath(localArg);
  std::error_code ec;
  if (!fs::is_directory(local, ec)) {
    throw ToolFailure("there is no folder " + localArg +
                      " in the project (use upload_file for a single file)");
  }

  // Walk: directories first known, files queued; symlinks are skipped (they may lead out of the
  // project, and the remote side has no links).
  std::vector<std::string> dirs;
  std::vector<FolderJob> jobs;
  size_t skipped = 0;
  fs::recursive_directory_iterator it(local, fs::directory_options::skip_permission_denied, ec);
  if (ec) throw ToolFailure("could not read the folder " + localArg + ": " + ec.message());
  for (; it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (ec) throw ToolFailure("could not read the folder " + localArg + ": " + ec.message());
    const auto& entry = *it;
    const std::string name = entry.path().filename().string();
    const bool isLink = entry.is_symlink(ec);
    const bool isDir = !isLink && entry.is_directory(ec);
    if (isLink || files::skipLocalName(name, isDir, includeHidden)) {
      ++skipped;
      if (isDir) it.disable_recursion_pending();
      continue;
    }
    const std::string rel = entry.path().lexically_relative(local).generic_string();
    if (isDir) {
      dirs.push_back(rel);
    } else if (entry.is_regular_file(ec)) {
      jobs.push_back({entry.path(), rel, entry.file_size(ec)});
      if (jobs.size() > kMaxFolderFiles) {
        throw ToolFailure(localArg + " holds more than " + std::to_string(kMaxFolderFiles) +
                          " files; upload its sub-folders one by one");
      }
    } else {
      ++skipped;  // sockets, fifos...
    }
  }
  ctx.checkCancelled();

  // mkdir -p of the leaf directories creates every directory (both APIs make parents).
  std::set<std::string> parents;
  for (const auto& d : dirs) {
    const auto slash = d.find_last_of('/');
    parents.insert(slash == std::string::npos ? "" : d.substr(0, slash));
  }
  std::vector<std::string> leaves;
  if (dirs.empty()) leaves.push_back("");
  for (const auto& d : dirs) {
    if (!parents.count(d)) leaves.push_back(d);
  }
  for (const auto& leaf : leaves) {
    files::makeDirs(ctx.client(), {root.area, files::joinRemote(root.path, leaf)});
  }

  // Upload in parallel; each file's outcome is recorded, one failure does not stop the rest.
  json uploaded = json::array();
  json failed = json::array();
  std::mutex mutex;
  std::atomic<size_t> next{0};
  std::atomic<bool> stop{false};
  std::exception_ptr cancelled;
  size_t done = 0;
  const double total = static_cast<double>(jobs.size());
  const auto worker = [&] {
    while (!stop) {
      const size_t index = next++;
      if (index >= jobs.size()) return;
      const FolderJob& job = jobs[index];
      const files::RemotePath target{root.area, files::joinRemote(root.path, job.rel)};
      std::string error;
      json entry;
      try {
        ctx.checkCancelled();
        if (std::string refusal = files::sizeRefusal(target, job.size, job.rel); !refusal.empty()) {
          error = std::move(refusal);
        } else {
          const auto outcome = files::uploadLocalFile(ctx.client(), target, job.local, true, false);
          entry = {{"path", outcome.remotePath}, {"kind", outcome.kind}};
        }
      } catch (const ApiError& e) {
        error = e.toolText();
      } catch (const ToolFailure& e) {
        error = e.what();
      } catch (const devkit::sdk::Error& e) {
        if (e.status() == DK_ERR_CANCELLED) {
          std::lock_guard<std::mutex> lock(mutex);
          if (!cancelled) cancelled = std::current_exception();
          stop = true;
          return;
        }
        error = e.what();
      } catch (const std::exception& e) {
        error = e.what();
      }
      std::lock_guard<std::mutex> lock(mutex);
      ++done;
      if (error.empty()) {
        uploaded.push_back(std::move(entry));
        ctx.progress(static_cast<double>(done), total, "uploaded " + job.rel);
      } else {
        failed.push_back({{"path", job.rel}, {"error", error}});
        ctx.progress(static_cast<double>(done), total, "failed " + job.rel);
      }
    }
  };
  const size_t threads =
      std::min<size_t>(std::max<size_t>(1, jobs.size()),
                       static_cast<size_t>(std::clamp<int64_t>(parallelArg, 1, 32)));
  std::vector<std::thread> pool;
  pool.reserve(threads);
  for (size_t i = 0; i < threads; ++i) pool.emplace_back(worker);
  for (auto& t : pool) t.join();
  if (cancelled) std::rethrow_exception(cancelled);

  if (!jobs.empty() && uploaded.empty()) {
    std::string text = "none of the " + std::to_string(jobs.size()) + " files was uploaded to " +
                       root.path + ". First errors:";
    for (size_t i = 0; i < failed.size() && i < 5; ++i) {
      text += "\n- " + failed[i]["path"].get<std::string>() + ": " +
              failed[i]["error"].get<std::string>();
    }
    throw ToolFailure(text);
  }
  std::sort(uploaded.begin(), uploaded.end(),
            [](const json& a, const json& b) { return a["path"] < b["path"]; });
  json out = {{"local_path", projectRelative(ctx, local)},
              {"remote_path", root.path},
              {"api", root.area == files::Area::kVolume ? "files" : "workspace"},
              {"uploaded", uploaded.size()},
              {"failed", failed},
              {"skipped", skipped},
              {"directories", dirs.size()},
              {"files", std::move(uploaded)}};
  return ToolResult::structured(capForAnswer(ctx, "upload_folder", std::move(out), "files"));
}

ToolResult listFiles(ToolContext& ctx) {
  const files::RemotePath dir = files::parseRemotePath(ctx.str("path"));
  const bool recursive = ctx.boolean("recursive", false);
  const int64_t maxItems = std::clamp<int64_t>(ctx.integer("max_items", 1000), 1, 10000);
  bool truncated = false;
  json items =
      files::listRemote(ctx.client(), dir, recursive, static_cast<size_t>(maxItems), &truncated);
  json out = {{"path", dir.path}, {"count", items.size()}, {"items", std::move(items)}};
  if (truncated) {
    out["more"] = true;
    out["note"] = "stopped at max_items=" + std::to_string(maxItems) +
                  "; list a sub-directory or raise max_items";
  }
  return ToolResult::structured(capForAnswer(ctx, "list_files", std::move(out), "items"));
}

ToolResult downloadFile(ToolContext& ctx) {
  const files::RemotePath remote = files::parseRemotePath(ctx.str("remote_path"));
  const auto localArg = ctx.optStr("local_path");
  // Resolve the local path before the transfer: a refused path should cost no download.
  std::optional<fs::path> local;
  if (localArg) {
    local = ctx.projectPath(*localArg);
    std::error_code ec;
    if (fs::is_directory(*local, ec)) *local /= baseName(remote.path);
  }
  const files::Download file =
      files::downloadRemote(ctx.client(), remote, local ? &*local : nullptr);
  json out = {{"remote_path", remote.path}, {"size", file.size}, {"type", file.objectType}};
  if (!file.language.empty()) out["language"] = file.language;
  if (local) {
    out["saved_to"] = projectRelative(ctx, *local);
    return ToolResult::structured(std::move(out));
  }
  const bool text = files::isValidUtf8(file.content);
  if (text && file.content.size() + 200 <= ctx.settings().maxResultChars) {
    return ToolResult::text(remote.path + " (" + std::to_string(file.content.size()) +
                            " bytes):\n\n" + file.content);
  }
  try {
    out["saved_to"] =
        ctx.saveResult("download_file", saveExtension(remote.path, text), file.content);
  } catch (const ToolFailure&) {
    throw ToolFailure(remote.path + " is " + (text ? "too large to show" : "binary") + " (" +
                      std::to_string(file.content.size()) +
                      " bytes) and this call has no project to save it in");
  }
  out["note"] =
      std::string(text ? "too large to show" : "binary content") + "; saved into the project";
  return ToolResult::structured(std::move(out));
}

ToolResult deleteFile(ToolContext& ctx) {
  const files::RemotePath path = files::parseRemotePath(ctx.str("path"));
  const bool recursive = ctx.boolean("recursive", false);
  if (files::isProtected(path)) {
    throw ToolFailure("refusing to delete " + path.path +
                      ": it is a top folder, a user's home folder or a volume root");
  }
  const auto outcome = files::deleteRemote(ctx.client(), path, recursive);
  return ToolResult::structured({{"path", path.path},
                                 {"deleted", true},
                                 {"type", outcome.type},
                                 {"removed", outcome.removed}});
}

}  // namespace

void registerFileTools(ToolRegistry& registry) {
  registry.add(ToolDef{
      "upload_file",
      "Upload a file",
      std::string("Upload one file from the project to Databricks. ") + kRemoteHelp +
          " A file whose first line is \"# Databricks notebook source\" (or the -- / // "
          "variants) becomes a notebook (its extension is dropped); other files are imported as "
          "files. Parent folders are created. Limits: 10 MB for the workspace, 5 GiB for "
          "volumes. Returns {remote_path, size, kind, api}. Example: {\"local_path\": "
          "\"src/etl.py\", \"remote_path\": \"/Workspace/Users/me@example.com/etl.py\"}",
      {{"type", "object"},
       {"properties",
        {{"local_path", pathProperty("File in the project, relative to the project folder.")},
         {"remote_path",
          pathProperty("Destination path. Ending with / means: into this folder under the "
                       "local file name.")},
         {"overwrite",
          {{"type", "boolean"},
           {"default", true},
           {"description", "Replace an existing file or notebook at the destination."}}}}},
       {"required", {"local_path", "remote_path"}},
       {"additionalProperties", false}},
      nullptr,
      false,
      false,
      true,
      uploadFile});

  registry.add(ToolDef{
      "upload_folder",
      "Upload a folder",
      std::string("Upload a project folder's contents into a remote folder, files in "
                  "parallel. ") +
          kRemoteHelp +
          " Skips .git, hidden files and folders (unless include_hidden), node_modules, "
          "__pycache__, virtualenvs, caches, dist, build and *.egg-info. Notebook source files "
          "become notebooks. Existing files are replaced. Returns {uploaded, failed[{path, "
          "error}], skipped, files[]}. Example: {\"local_path\": \"pipeline\", \"remote_path\": "
          "\"/Workspace/Users/me@example.com/pipeline\"}",
      {{"type", "object"},
       {"properties",
        {{"local_path", pathProperty("Folder in the project, relative to the project folder.")},
         {"remote_path",
          pathProperty("Destination folder; the local folder's contents go directly into it.")},
         {"include_hidden",
          {{"type", "boolean"},
           {"default", false},
           {"description",
            "Also upload hidden files and folders (names starting with '.'; "
            ".git is never uploaded)."}}},
         {"max_parallel",
          {{"type", "integer"},
           {"minimum", 1},
           {"maximum", 32},
           {"description", "Files uploaded at once; default: the plugin's max_parallel (8)."}}}}},
       {"required", {"local_path", "remote_path"}},
       {"additionalProperties", false}},
      nullptr,
      false,
      false,
      true,
      uploadFolder});

  registry.add(
      ToolDef{"list_files",
              "List files",
              std::string("List a workspace folder or a volume directory. ") + kRemoteHelp +
                  " Returns {path, count, items[{path, type (FILE|DIRECTORY|NOTEBOOK|...), size, "
                  "language, modified_at}]}. Example: {\"path\": \"/Volumes/main/raw/landing\", "
                  "\"recursive\": true}",
              {{"type", "object"},
               {"properties",
                {{"path", pathProperty("Folder to list.")},
                 {"recursive",
                  {{"type", "boolean"},
                   {"default", false},
                   {"description", "Also list everything below sub-folders."}}},
                 {"max_items",
                  {{"type", "integer"},
                   {"default", 1000},
                   {"minimum", 1},
                   {"maximum", 10000},
                   {"description", "Stop after this many entries."}}}}},
               {"required", {"path"}},
               {"additionalProperties", false}},
              nullptr,
              true,
              false,
              true,
              listFiles});

  registry.add(ToolDef{
      "download_file",
      "Download a file",
      std::string("Read a workspace file or notebook (notebooks as source) or a volume file. ") +
          kRemoteHelp +
          " Without local_path, small text files are returned as text and anything else is "
          "saved into the project (the path is in the answer). Example: {\"remote_path\": "
          "\"/Volumes/main/raw/landing/orders.csv\", \"local_path\": \"data/orders.csv\"}",
      {{"type", "object"},
       {"properties",
        {{"remote_path", pathProperty("File or notebook to read.")},
         {"local_path",
          pathProperty("Where to save it in the project (relative; an existing folder keeps the "
                       "remote name). Omit to get the text back.")}}},
       {"required", {"remote_path"}},
       {"additionalProperties", false}},
      nullptr,
      true,
      false,
      true,
      downloadFile});

  registry.add(ToolDef{
      "delete_file",
      "Delete a file or folder",
      std::string("Delete a workspace file, notebook or folder, or a volume file or "
                  "directory. ") +
          kRemoteHelp +
          " A non-empty folder needs recursive=true. Top folders, home folders and volume roots "
          "are refused. Returns {path, deleted, type, removed}. Example: {\"path\": "
          "\"/Workspace/Users/me@example.com/old\", \"recursive\": true}",
      {{"type", "object"},
       {"properties",
        {{"path", pathProperty("File, notebook or folder to delete.")},
         {"recursive",
          {{"type", "boolean"},
           {"default", false},
           {"description", "Delete a folder with everything in it."}}}}},
       {"required", {"path"}},
       {"additionalProperties", false}},
      nullptr,
      false,
      true,
      true,
      deleteFile});
}

}  // namespace devkit::databricks
