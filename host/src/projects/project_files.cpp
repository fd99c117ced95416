#include "projects/project_files.hpp"

#include <sys/stat.h>

#include <Poco/DateTimeFormatter.h>
#include <Poco/Timestamp.h>

#include <algorithm>
#include <fstream>
#include <vector>

#include "core/content_types.hpp"
#include "core/failure.hpp"
#include "core/paths.hpp"

namespace devkit::projects::files {
namespace {

namespace fs = std::filesystem;
using core::Failure;
using nlohmann::json;

constexpr size_t kMaxPathBytes = 4096;

int64_t mtimeUs(const struct stat& st) {
  return static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000 + st.st_mtim.tv_nsec / 1000;
}

bool looksLikeUtf8Text(const std::string& bytes) {
  size_t i = 0;
  while (i < bytes.size()) {
    const auto c = static_cast<unsigned char>(bytes[i]);
    if (c == 0) return false;
    int extra = c < 0x80           ? 0
                : (c >> 5) == 0x6  ? 1
                : (c >> 4) == 0xe  ? 2
                : (c >> 3) == 0x1e ? 3
                                   : -1;
    if (extra < 0) return false;
    if (i + extra >= bytes.size() && extra > 0) return true;  // cut at the sample's end
    for (int k = 1; k <= extra; ++k) {
      if ((static_cast<unsigned char>(bytes[i + k]) >> 6) != 0x2) return false;
    }
    i += extra + 1;
  }
  return true;
}

struct Walker {
  fs::path root;
  int maxEntries;
  int count = 0;
  bool truncated = false;

  json list(const fs::path& dir, int depth) {
    struct Item {
      std::string name;
      struct stat st;
    };
    std::vector<Item> items;
    std::error_code ec;
    for (fs::directory_iterator it(dir, fs::directory_options::skip_permission_denied, ec), end;
         !ec && it != end; it.increment(ec)) {
      Item item{it->path().filename().string(), {}};
      if (::lstat(it->path().c_str(), &item.st) != 0) continue;  // vanished meanwhile
      items.push_back(std::move(item));
    }
    std::sort(items.begin(), items.end(), [](const Item& a, const Item& b) {
      const bool da = S_ISDIR(a.st.st_mode), db = S_ISDIR(b.st.st_mode);
      return da != db ? da : a.name < b.name;
    });
    json entries = json::array();
    for (const Item& item : items) {
      if (count >= maxEntries) {
        truncated = true;
        break;
      }
      ++count;
      const fs::path full = dir / item.name;
      json e = {{"name", item.name},
                {"path", full.lexically_relative(root).generic_string()},
                {"modified_at", isoTime(mtimeUs(item.st))}};
      if (S_ISDIR(item.st.st_mode)) {
        e["type"] = "directory";
        // Depth is bounded by the filesystem, but a pathological tree must not exhaust the stack.
        e["children"] = depth < 64 ? list(full, depth + 1) : json::array();
      } else if (S_ISREG(item.st.st_mode)) {
        e["type"] = "file";
        e["size"] = static_cast<int64_t>(item.st.st_size);
      } else if (S_ISLNK(item.st.st_mode)) {
        e["type"] = "symlink";
      } else {
        e["type"] = "other";
      }
      entries.push_back(std::move(e));
    }
    return entries;
  }
};

}  // namespace

fs::path resolveInside(const fs::path& projectDir, const std::string& relative,
                       const std::string& field) {
  auto refuse = [&](const std::string& why) {
    return Failure(core::FailureKind::kInvalid, "invalid_path", "\"" + field + "\" " + why, field);
  };
  if (relative.size() > kMaxPathBytes) throw refuse("is longer than 4096 bytes");
  if (std::any_of(relative.begin(), relative.end(),
                  [](unsigned char c) { return c < 0x20 || c == 0x7f; })) {
    throw refuse("contains control characters");
  }
  if (!relative.empty() && (relative.front() == '/' || relative.front() == '\\')) {
    throw refuse("must be relative to the project (no leading '/')");
  }
  fs::path clean;
  for (const auto& part : fs::path(relative)) {
    const std::string s = part.string();
    if (s == "..") throw refuse("must not contain '..'");
    if (s.empty() || s == "." || s == "/") continue;
    clean /= part;
  }
  std::error_code ec;
  const fs::path root = fs::canonical(projectDir, ec);
  if (ec) throw Failure::notFound("project directory");
  const fs::path target = fs::canonical(root / clean, ec);
  if (ec) {
    // Absent, or a dangling symlink: "not found", unless a link on the way points out (an attempt
    // worth refusing and logging even when its target does not exist).
    fs::path prefix = root;
    for (const auto& part : clean) {
      prefix /= part;
      std::error_code ec2;
      if (!fs::is_symlink(fs::symlink_status(prefix, ec2))) continue;
      fs::path target = fs::read_symlink(prefix, ec2);
      if (ec2) break;
      if (target.is_relative()) target = prefix.parent_path() / target;
      const fs::path weak = fs::weakly_canonical(target, ec2);
      if (ec2 || !core::isInside(weak, root)) throw refuse("leads outside the project");
    }
    throw Failure::notFound("path " + clean.generic_string());
  }
  if (!core::isInside(target, root)) throw refuse("leads outside the project");
  return target;
}

json tree(const fs::path& projectDir, const fs::path& dir, int maxEntries) {
  std::error_code ec;
  const fs::path root = fs::canonical(projectDir, ec);
  Walker walker{root, maxEntries};
  json entries = walker.list(dir, 0);
  const std::string rel = dir.lexically_relative(root).generic_string();
  return {{"path", rel == "." ? "" : rel},
          {"entries", std::move(entries)},
          {"entry_count", walker.count},
          {"truncated", walker.truncated}};
}

std::string contentTypeFor(const fs::path& file) {
  if (std::string type = core::contentTypeByExtension(file); !type.empty()) return type;
  std::ifstream in(file, std::ios::binary);
  std::string sample(8192, '\0');
  in.read(sample.data(), static_cast<std::streamsize>(sample.size()));
  sample.resize(static_cast<size_t>(in.gcount()));
  return looksLikeUtf8Text(sample) ? "text/plain; charset=utf-8" : "application/octet-stream";
}

std::string isoTime(int64_t us) {
  return Poco::DateTimeFormatter::format(Poco::Timestamp(us), "%Y-%m-%dT%H:%M:%S.%iZ");
}

}  // namespace devkit::projects::files
