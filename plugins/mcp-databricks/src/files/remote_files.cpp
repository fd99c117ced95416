#include "files/remote_files.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <deque>
#include <fstream>
#include <sstream>
#include <vector>

#include "tools/tool.hpp"

namespace devkit::databricks::files {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

std::vector<std::string> segments(const std::string& path) {
  std::vector<std::string> out;
  std::string current;
  for (const char c : path) {
    if (c == '/') {
      if (!current.empty()) out.push_back(std::move(current));
      current.clear();
    } else {
      current += c;
    }
  }
  if (!current.empty()) out.push_back(std::move(current));
  return out;
}

std::string lowerCopy(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

bool containsNoCase(const std::string& haystack, const std::string& needle) {
  return lowerCopy(haystack).find(lowerCopy(needle)) != std::string::npos;
}

std::string extensionOf(const std::string& name) {
  const auto slash = name.find_last_of('/');
  const auto dot = name.find_last_of('.');
  if (dot == std::string::npos || (slash != std::string::npos && dot < slash)) return "";
  return lowerCopy(name.substr(dot));
}

std::string filesUrl(const std::string& volumePath) {
  return "/api/2.0/fs/files" + encodePath(volumePath);
}
std::string directoriesUrl(const std::string& volumePath) {
  return "/api/2.0/fs/directories" + encodePath(volumePath);
}

bool volumeRootOrAbove(const std::string& path) { return segments(path).size() <= 4; }

json workspaceStatus(RestClient& client, const std::string& path) {
  try {
    return client.get("/api/2.0/workspace/get-status", {{"path", path}});
  } catch (const ApiError& e) {
    if (e.notFound()) throw ToolFailure(path + " does not exist in the workspace");
    throw;
  }
}

void importWorkspace(RestClient& client, const std::string& path, const std::string& b64,
                     const std::optional<std::string>& language, bool overwrite) {
  json body = {{"path", path}, {"content", b64}, {"overwrite", overwrite}};
  if (language) {
    body["format"] = "SOURCE";
    body["language"] = *language;
  } else {
    body["format"] = "AUTO";
  }
  // With overwrite the import replaces whatever it wrote before: safe to send again.
  client.post("/api/2.0/workspace/import", body, overwrite);
}

}  // namespace

RemotePath parseRemotePath(const std::string& raw) {
  std::string path = raw;
  while (!path.empty() && std::isspace(static_cast<unsigned char>(path.back()))) path.pop_back();
  while (!path.empty() && std::isspace(static_cast<unsigned char>(path.front()))) path.erase(0, 1);
  if (path.empty() || path.front() != '/') {
    throw devkit::sdk::Error(DK_ERR_INVALID_ARGUMENT,
                             "the remote path \"" + raw +
                                 "\" must be absolute: /Workspace/..., /Users/... or "
                                 "/Volumes/<catalog>/<schema>/<volume>/...");
  }
  const auto parts = segments(path);
  for (const auto& part : parts) {
    if (part == "." || part == "..") {
      throw devkit::sdk::Error(DK_ERR_INVALID_ARGUMENT,
                               "the remote path \"" + raw + "\" must not contain . or ..");
    }
  }
  RemotePath out;
  for (const auto& part : parts) out.path += "/" + part;
  if (out.path.empty()) out.path = "/";
  const std::string top = parts.empty() ? "" : parts.front();
  if (top == "Volumes") {
    if (parts.size() < 4) {
      throw devkit::sdk::Error(DK_ERR_INVALID_ARGUMENT,
                               "a volume path looks like /Volumes/<catalog>/<schema>/<volume>/...; "
                               "got \"" +
                                   raw + "\"");
    }
    out.area = Area::kVolume;
  } else if (top == "Workspace" || top == "Users" || top == "Shared" || top == "Repos") {
    out.area = Area::kWorkspace;
  } else {
    throw devkit::sdk::Error(DK_ERR_INVALID_ARGUMENT,
                             "the remote path \"" + raw +
                                 "\" is neither a workspace path (/Workspace/..., /Users/...) "
                                 "nor a volume path (/Volumes/<catalog>/<schema>/<volume>/...)");
  }
  return out;
}

std::string parentOf(const std::string& path) {
  const auto slash = path.find_last_of('/');
  if (slash == std::string::npos || slash == 0) return "/";
  return path.substr(0, slash);
}

std::string joinRemote(const std::string& base, const std::string& rel) {
  if (rel.empty()) return base;
  if (base.empty() || base.back() == '/') return base + rel;
  return base + "/" + rel;
}

bool isProtected(const RemotePath& path) {
  const auto parts = segments(path.path);
  if (parts.size() <= 1) return true;
  if (path.area == Area::kVolume) return parts.size() <= 4;
  if (parts[0] == "Users" && parts.size() <= 2) return true;
  if (parts[0] == "Workspace") {
    if (parts.size() <= 2) return true;
    if (parts[1] == "Users" && parts.size() <= 3) return true;
  }
  return false;
}

std::string base64Encode(std::string_view data) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((data.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 2 < data.size(); i += 3) {
    const uint32_t v = (static_cast<uint8_t>(data[i]) << 16) |
                       (static_cast<uint8_t>(data[i + 1]) << 8) | static_cast<uint8_t>(data[i + 2]);
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += kAlphabet[v & 63];
  }
  if (i < data.size()) {
    uint32_t v = static_cast<uint8_t>(data[i]) << 16;
    if (i + 1 < data.size()) v |= static_cast<uint8_t>(data[i + 1]) << 8;
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += i + 1 < data.size() ? kAlphabet[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

std::string base64Decode(std::string_view text) {
  std::array<int, 256> table{};
  table.fill(-1);
  const std::string_view alphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  for (size_t i = 0; i < alphabet.size(); ++i) table[static_cast<uint8_t>(alphabet[i])] = int(i);
  table[static_cast<uint8_t>('-')] = 62;  // URL-safe variant
  table[static_cast<uint8_t>('_')] = 63;
  std::string out;
  out.reserve(text.size() / 4 * 3);
  uint32_t buffer = 0;
  int bits = 0;
  for (const char c : text) {
    if (c == '=' || c == '\n' || c == '\r' || c == ' ') continue;
    const int v = table[static_cast<uint8_t>(c)];
    if (v < 0) throw ToolFailure("the workspace sent content that is not valid base64");
    buffer = (buffer << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((buffer >> bits) & 0xFF);
    }
  }
  return out;
}

bool isValidUtf8(std::string_view data) {
  size_t i = 0;
  while (i < data.size()) {
    const auto c = static_cast<uint8_t>(data[i]);
    size_t extra = 0;
    uint32_t cp = 0;
    if (c < 0x80) {
      // Control bytes other than whitespace mean binary data, not text.
      if (c < 0x20 && c != '\n' && c != '\r' && c != '\t' && c != '\f') return false;
      ++i;
      continue;
    }
    if ((c & 0xE0) == 0xC0) {
      extra = 1;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      extra = 2;
      cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      extra = 3;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (i + extra >= data.size()) return false;
    for (size_t k = 1; k <= extra; ++k) {
      const auto cc = static_cast<uint8_t>(data[i + k]);
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    if ((extra == 1 && cp < 0x80) || (extra == 2 && cp < 0x800) || (extra == 3 && cp < 0x10000) ||
        cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
      return false;
    }
    i += extra + 1;
  }
  return true;
}

std::optional<std::string> notebookLanguage(std::string_view content, const std::string& fileName) {
  if (content.starts_with("\xEF\xBB\xBF")) content.remove_prefix(3);  // UTF-8 BOM
  const auto eol = content.find('\n');
  std::string first(content.substr(0, eol));
  while (!first.empty() && std::isspace(static_cast<unsigned char>(first.back()))) first.pop_back();
  if (first == "# Databricks notebook source") {
    return extensionOf(fileName) == ".r" ? "R" : "PYTHON";
  }
  if (first == "-- Databricks notebook source") return "SQL";
  if (first == "// Databricks notebook source") return "SCALA";
  return std::nullopt;
}

bool skipLocalName(const std::string& name, bool isDirectory, bool includeHidden) {
  if (name == ".git") return true;
  if (!includeHidden && !name.empty() && name.front() == '.') return true;
  if (isDirectory) {
    static const std::array<const char*, 12> kSkipped = {
        "node_modules", "__pycache__", ".venv", "venv",  ".tox",  ".pytest_cache",
        ".mypy_cache",  ".ruff_cache", "dist",  "build", ".eggs", ".ipynb_checkpoints"};
    for (const char* skipped : kSkipped) {
      if (name == skipped) return true;
    }
    if (name.ends_with(".egg-info")) return true;
  }
  return false;
}

std::string readLocalFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ToolFailure("could not read the local file " + path.filename().string());
  std::ostringstream out;
  out << in.rdbuf();
  return std::move(out).str();
}

void writeLocalFile(const fs::path& path, const std::string& content) {
  std::error_code ec;
  fs::create_directories(path.parent_path(), ec);
  const fs::path temp = path.parent_path() / ("." + path.filename().string() + ".part");
  {
    std::ofstream out(temp, std::ios::binary | std::ios::trunc);
    out.write(content.data(), static_cast<std::streamsize>(content.size()));
    if (!out) throw ToolFailure("could not write " + path.filename().string() + " (disk full?)");
  }
  fs::rename(temp, path, ec);
  if (ec) throw ToolFailure("could not write " + path.filename().string() + ": " + ec.message());
}

std::string sizeRefusal(const RemotePath& target, uint64_t size, const std::string& what) {
  const uint64_t limit = target.area == Area::kWorkspace ? kWorkspaceLimit : kVolumeLimit;
  if (size <= limit) return "";
  std::ostringstream text;
  text << what << " is " << size << " bytes; ";
  if (target.area == Area::kWorkspace) {
    text << "the Workspace API imports at most 10 MB per file. Upload large files to a volume "
            "(/Volumes/<catalog>/<schema>/<volume>/...) instead.";
  } else {
    text << "the Files API takes at most 5 GiB per file. Split the file first.";
  }
  return text.str();
}

void makeDirs(RestClient& client, const RemotePath& dir) {
  if (dir.area == Area::kWorkspace) {
    client.post("/api/2.0/workspace/mkdirs", {{"path", dir.path}}, true);
    return;
  }
  if (volumeRootOrAbove(dir.path)) return;  // the volume itself exists or nothing can make it
  Request r;
  r.method = "PUT";
  r.path = directoriesUrl(dir.path);
  client.send(r);
}

namespace {

// PUT fs/files; `r` carries the body (in memory or streamed from a file).
UploadOutcome putVolumeFile(RestClient& client, const RemotePath& target, Request r, bool overwrite,
                            bool makeParents) {
  UploadOutcome outcome;
  outcome.remotePath = target.path;
  outcome.kind = "file";
  if (makeParents) makeDirs(client, {Area::kVolume, parentOf(target.path)});
  r.method = "PUT";
  r.path = filesUrl(target.path);
  r.query = {{"overwrite", overwrite ? "true" : "false"}};
  r.contentType = "application/octet-stream";
  try {
    client.send(r);
  } catch (const ApiError& e) {
    if (!overwrite && e.alreadyExists()) {
      throw ToolFailure(target.path + " already exists; pass overwrite=true to replace it");
    }
    throw;
  }
  return outcome;
}

}  // namespace

UploadOutcome uploadLocalFile(RestClient& client, const RemotePath& target,
                              const std::filesystem::path& local, bool overwrite,
                              bool makeParents) {
  if (target.area == Area::kVolume) {
    Request r;
    r.bodyFile = local;  // streamed: volume files go up to 5 GiB
    return putVolumeFile(client, target, std::move(r), overwrite, makeParents);
  }
  return uploadContent(client, target, readLocalFile(local), local.filename().string(), overwrite,
                       makeParents);
}

UploadOutcome uploadContent(RestClient& client, const RemotePath& target,
                            const std::string& content, const std::string& fileName, bool overwrite,
                            bool makeParents) {
  if (target.area == Area::kVolume) {
    Request r;
    r.rawBody = content;
    return putVolumeFile(client, target, std::move(r), overwrite, makeParents);
  }
  UploadOutcome outcome;
  outcome.remotePath = target.path;
  outcome.kind = "file";

  const auto language = notebookLanguage(content, fileName);
  if (language) {
    // A notebook has no extension in the workspace (as an AUTO import would name it).
    static const std::array<const char*, 4> kExtensions = {".py", ".sql", ".scala", ".r"};
    const std::string ext = extensionOf(outcome.remotePath);
    for (const char* known : kExtensions) {
      if (ext == known && outcome.remotePath.size() > ext.size() &&
          outcome.remotePath[outcome.remotePath.size() - ext.size() - 1] != '/') {
        outcome.remotePath.resize(outcome.remotePath.size() - ext.size());
        break;
      }
    }
    outcome.kind = "notebook";
    outcome.language = *language;
  }
  if (makeParents) makeDirs(client, {Area::kWorkspace, parentOf(outcome.remotePath)});
  const std::string b64 = base64Encode(content);
  try {
    importWorkspace(client, outcome.remotePath, b64, language, overwrite);
  } catch (const ApiError& e) {
    const bool conflict = (e.status() == 400 || e.status() == 409) &&
                          (e.alreadyExists() || containsNoCase(e.message(), "type"));
    if (!conflict) throw;
    if (!overwrite) {
      throw ToolFailure(outcome.remotePath + " already exists; pass overwrite=true to replace it");
    }
    // Overwrite cannot turn a notebook into a file or back: delete the old object, import again.
    // Never a directory, though: that would need a recursive delete the caller did not ask for.
    json status;
    try {
      status = client.get("/api/2.0/workspace/get-status", {{"path", outcome.remotePath}});
    } catch (const ApiError&) {
      throw e;
    }
    const std::string type = status.value("object_type", "");
    if (type == "DIRECTORY" || type == "REPO") {
      throw ToolFailure(outcome.remotePath +
                        " is a directory in the workspace; choose another remote path");
    }
    client.post("/api/2.0/workspace/delete", {{"path", outcome.remotePath}, {"recursive", false}},
                true);
    importWorkspace(client, outcome.remotePath, b64, language, overwrite);
    outcome.replacedOtherType = true;
  }
  return outcome;
}

json listRemote(RestClient& client, const RemotePath& dir, bool recursive, size_t maxItems,
                bool* truncated) {
  json items = json::array();
  if (truncated != nullptr) *truncated = false;
  std::deque<std::string> pending = {dir.path};
  while (!pending.empty()) {
    const std::string current = pending.front();
    pending.pop_front();
    if (items.size() >= maxItems) {
      if (truncated != nullptr) *truncated = true;
      break;
    }
    json page = json::array();
    try {
      if (dir.area == Area::kWorkspace) {
        const json response = client.get("/api/2.0/workspace/list", {{"path", current}});
        if (const auto it = response.find("objects"); it != response.end() && it->is_array()) {
          page = *it;
        }
      } else {
        bool pageTruncated = false;
        const size_t room = maxItems - items.size();
        page = client.getAllPages(directoriesUrl(current),
                                  {{"page_size", std::to_string(std::min<size_t>(room, 1000))}},
                                  "contents", room, &pageTruncated);
        if (pageTruncated && truncated != nullptr) *truncated = true;
      }
    } catch (const ApiError& e) {
      if (e.notFound()) {
        // A sub-directory can vanish while we walk; only the starting path is an error.
        if (current == dir.path) throw ToolFailure(current + " does not exist");
        continue;
      }
      throw;
    }
    for (const auto& object : page) {
      if (items.size() >= maxItems) {
        if (truncated != nullptr) *truncated = true;
        break;
      }
      json item;
      if (dir.area == Area::kWorkspace) {
        item["path"] = object.value("path", "");
        item["type"] = object.value("object_type", "");
        if (object.contains("language")) item["language"] = object["language"];
        if (object.contains("size")) item["size"] = object["size"];
        if (object.contains("modified_at")) item["modified_at"] = object["modified_at"];
      } else {
        item["path"] = object.value("path", "");
        const bool isDir = object.value("is_directory", false);
        item["type"] = isDir ? "DIRECTORY" : "FILE";
        if (object.contains("file_size")) item["size"] = object["file_size"];
        if (object.contains("last_modified")) item["modified_at"] = object["last_modified"];
      }
      std::string itemPath = item["path"].get<std::string>();
      while (itemPath.size() > 1 && itemPath.back() == '/') itemPath.pop_back();
      item["path"] = itemPath;
      if (recursive && item["type"] == "DIRECTORY" && !itemPath.empty()) {
        pending.push_back(itemPath);
      }
      items.push_back(std::move(item));
    }
  }
  if (!pending.empty() && truncated != nullptr) *truncated = true;
  return items;
}

namespace {

Response headFile(RestClient& client, const std::string& url) {
  Request r;
  r.method = "HEAD";
  r.path = url;
  return client.send(r);
}

}  // namespace

Download downloadRemote(RestClient& client, const RemotePath& path,
                        const std::filesystem::path* toFile) {
  Download out;
  if (path.area == Area::kWorkspace) {
    const json status = workspaceStatus(client, path.path);
    out.objectType = status.value("object_type", "FILE");
    out.language = status.value("language", "");
    if (out.objectType == "DIRECTORY" || out.objectType == "REPO") {
      throw ToolFailure(path.path + " is a directory; use list_files to see what is in it");
    }
    const json response =
        client.get("/api/2.0/workspace/export", {{"path", path.path}, {"format", "SOURCE"}});
    out.content = base64Decode(response.value("content", ""));
    out.size = out.content.size();
    if (toFile != nullptr) {
      writeLocalFile(*toFile, out.content);
      out.content.clear();
    }
    return out;
  }
  out.objectType = "FILE";
  Request r;
  r.path = filesUrl(path.path);
  try {
    if (toFile != nullptr) {
      // Streamed to a temporary file beside the target, renamed once complete.
      const std::filesystem::path temp =
          toFile->parent_path() / ("." + toFile->filename().string() + ".part");
      std::error_code ec;
      std::filesystem::create_directories(toFile->parent_path(), ec);
      std::ofstream file(temp, std::ios::binary | std::ios::trunc);
      if (!file) throw ToolFailure("cannot write " + toFile->filename().string());
      r.sink = [&](const char* data, size_t n) {
        file.write(data, static_cast<std::streamsize>(n));
        out.size += n;
        return static_cast<bool>(file);
      };
      try {
        client.send(r);
        file.close();
        if (!file)
          throw ToolFailure("could not write " + toFile->filename().string() + " (disk full?)");
      } catch (...) {
        file.close();
        std::filesystem::remove(temp, ec);
        throw;
      }
      std::filesystem::rename(temp, *toFile, ec);
      if (ec) throw ToolFailure("could not write " + toFile->filename().string());
      return out;
    }
    if (const Response head = headFile(client, r.path);
        std::stoull("0" + head.header("content-length")) > kInMemoryDownloadLimit) {
      throw ToolFailure(path.path + " is " + head.header("content-length") +
                        " bytes; give local_path to download it into the project");
    }
    out.content = client.send(r).body;
    out.size = out.content.size();
  } catch (const ApiError& e) {
    if (e.notFound()) {
      throw ToolFailure(path.path +
                        " does not exist as a file (a directory cannot be downloaded; use "
                        "list_files)");
    }
    throw;
  }
  return out;
}

DeleteOutcome deleteRemote(RestClient& client, const RemotePath& path, bool recursive) {
  DeleteOutcome out;
  if (path.area == Area::kWorkspace) {
    const json status = workspaceStatus(client, path.path);
    out.type = lowerCopy(status.value("object_type", "file"));
    try {
      client.post("/api/2.0/workspace/delete", {{"path", path.path}, {"recursive", recursive}},
                  true);
    } catch (const ApiError& e) {
      if (e.notFound()) throw ToolFailure(path.path + " does not exist in the workspace");
      if (e.errorCode() == "DIRECTORY_NOT_EMPTY" || containsNoCase(e.message(), "not empty")) {
        throw ToolFailure(path.path +
                          " is a directory that is not empty; call again with recursive=true to "
                          "delete it with everything in it");
      }
      throw;
    }
    return out;
  }

  // Volumes: a file first; a path that is no file may be a directory.
  try {
    Request r;
    r.method = "DELETE";
    r.path = filesUrl(path.path);
    client.send(r);
    out.type = "file";
    return out;
  } catch (const ApiError& e) {
    if (!e.notFound() && !containsNoCase(e.message(), "directory")) throw;
  }
  out.type = "directory";
  out.removed = 0;
  const auto deleteDir = [&](const std::string& dirPath) {
    Request r;
    r.method = "DELETE";
    r.path = directoriesUrl(dirPath);
    client.send(r);
  };
  if (recursive) {
    bool truncated = false;
    json items;
    try {
      items = listRemote(client, path, true, 100000, &truncated);
    } catch (const ToolFailure&) {
      throw ToolFailure(path.path + " does not exist");
    }
    if (truncated) {
      throw ToolFailure(path.path +
                        " holds more than 100000 entries; delete its sub-directories one by one");
    }
    std::vector<std::string> dirs;
    for (const auto& item : items) {
      const std::string p = item.value("path", "");
      if (item.value("type", "") == "DIRECTORY") {
        dirs.push_back(p);
        continue;
      }
      Request r;
      r.method = "DELETE";
      r.path = filesUrl(p);
      try {
        client.send(r);
      } catch (const ApiError& e) {
        if (!e.notFound()) throw;
      }
      ++out.removed;
    }
    // Deepest first: a directory must be empty before it goes.
    std::sort(dirs.begin(), dirs.end(), [](const std::string& a, const std::string& b) {
      return segments(a).size() > segments(b).size();
    });
    for (const auto& d : dirs) {
      try {
        deleteDir(d);
      } catch (const ApiError& e) {
        if (!e.notFound()) throw;
      }
      ++out.removed;
    }
  }
  try {
    deleteDir(path.path);
  } catch (const ApiError& e) {
    if (e.notFound()) throw ToolFailure(path.path + " does not exist");
    if (e.reason() == "FILES_API_DIRECTORY_IS_NOT_EMPTY" ||
        containsNoCase(e.message(), "not empty")) {
      throw ToolFailure(path.path +
                        " is a directory that is not empty; call again with recursive=true to "
                        "delete it with everything in it");
    }
    throw;
  }
  ++out.removed;
  return out;
}

}  // namespace devkit::databricks::files
