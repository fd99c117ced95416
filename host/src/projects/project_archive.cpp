#include "projects/project_archive.hpp"

#include <algorithm>
#include <array>
#include <fstream>
#include <set>
#include <vector>

#include <Poco/DateTime.h>
#include <Poco/DigestEngine.h>
#include <Poco/Exception.h>
#include <Poco/File.h>
#include <Poco/Path.h>
#include <Poco/SHA2Engine.h>
#include <Poco/Timestamp.h>
#include <Poco/Zip/Compress.h>
#include <Poco/Zip/ZipArchive.h>
#include <Poco/Zip/ZipStream.h>

namespace devkit::projects {
namespace {

namespace fs = std::filesystem;

constexpr size_t kChunk = 1 << 20;
// A zip bomb must not fill the disk: far above any real project, far below a full disk.
constexpr int64_t kMaxUncompressedBytes = int64_t{32} << 30;
constexpr int64_t kMaxEntries = 2'000'000;

struct TreeEntry {
  std::string zipName;  // "project/a/b.txt" or "state/x/" (directories end in '/')
  fs::path path;
  bool directory = false;
};

// Every directory and regular file of both trees, in zip-name order. Symbolic links are skipped:
// following one could archive (and later restore) files from anywhere on the host.
std::vector<TreeEntry> listTree(const fs::path& projectDir, const fs::path& stateDir) {
  std::vector<TreeEntry> entries;
  for (const auto& [root, prefix] : {std::pair{projectDir, std::string("project/")},
                                     std::pair{stateDir, std::string("state/")}}) {
    entries.push_back({prefix, root, true});
    std::error_code ec;
    if (!fs::is_directory(fs::symlink_status(root, ec))) {
      continue;
    }
    for (auto it = fs::recursive_directory_iterator(root, fs::directory_options::none, ec);
         !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
      const fs::file_status st = it->symlink_status(ec);
      const std::string rel = it->path().lexically_relative(root).generic_string();
      if (fs::is_directory(st)) {
        entries.push_back({prefix + rel + "/", it->path(), true});
      } else if (fs::is_regular_file(st)) {
        entries.push_back({prefix + rel, it->path(), false});
      }
    }
    if (ec) {
      throw ArchiveError("cannot read " + root.string() + ": " + ec.message());
    }
  }
  std::sort(entries.begin(), entries.end(),
            [](const TreeEntry& a, const TreeEntry& b) { return a.zipName < b.zipName; });
  return entries;
}

uint64_t readLe(const unsigned char* p, int bytes) {
  uint64_t v = 0;
  for (int i = bytes - 1; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

// Names of central-directory entries that a Unix zip tool marked as symbolic links. Poco 1.11
// keeps the external attributes private, so read the central directory directly.
std::set<std::string> symlinkEntries(const fs::path& zipFile) {
  std::ifstream in(zipFile, std::ios::binary);
  in.seekg(0, std::ios::end);
  const int64_t size = in.tellg();
  const int64_t tailSize = std::min<int64_t>(size, 65535 + 22);
  std::vector<unsigned char> tail(static_cast<size_t>(tailSize));
  in.seekg(size - tailSize);
  in.read(reinterpret_cast<char*>(tail.data()), tailSize);
  int64_t eocd = -1;
  for (int64_t i = tailSize - 22; i >= 0; --i) {
    if (readLe(&tail[static_cast<size_t>(i)], 4) == 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) {
    throw ArchiveError("corrupt archive: no end of central directory");
  }
  uint64_t entries = readLe(&tail[static_cast<size_t>(eocd + 10)], 2);
  uint64_t cdOffset = readLe(&tail[static_cast<size_t>(eocd + 16)], 4);
  if ((entries == 0xFFFF || cdOffset == 0xFFFFFFFF) && eocd >= 20 &&
      readLe(&tail[static_cast<size_t>(eocd - 20)], 4) == 0x07064b50) {
    std::array<unsigned char, 56> z64{};
    in.seekg(static_cast<std::streamoff>(readLe(&tail[static_cast<size_t>(eocd - 12)], 8)));
    in.read(reinterpret_cast<char*>(z64.data()), z64.size());
    if (!in || readLe(z64.data(), 4) != 0x06064b50) {
      throw ArchiveError("corrupt archive: bad ZIP64 end of central directory");
    }
    entries = readLe(&z64[32], 8);
    cdOffset = readLe(&z64[48], 8);
  }
  if (static_cast<int64_t>(entries) > kMaxEntries) {
    throw ArchiveError("archive has too many entries");
  }
  std::set<std::string> links;
  in.seekg(static_cast<std::streamoff>(cdOffset));
  for (uint64_t n = 0; n < entries; ++n) {
    std::array<unsigned char, 46> h{};
    in.read(reinterpret_cast<char*>(h.data()), h.size());
    if (!in || readLe(h.data(), 4) != 0x02014b50) {
      throw ArchiveError("corrupt archive: bad central directory entry");
    }
    const auto nameLength = static_cast<size_t>(readLe(&h[28], 2));
    const auto skip = static_cast<std::streamoff>(readLe(&h[30], 2) + readLe(&h[32], 2));
    std::string name(nameLength, '\0');
    in.read(name.data(), static_cast<std::streamsize>(nameLength));
    in.seekg(skip, std::ios::cur);
    const bool unixHost = (readLe(&h[4], 2) >> 8) == 3;
    const uint64_t mode = readLe(&h[38], 4) >> 16;
    if (unixHost && (mode & 0170000) == 0120000) {
      links.insert(name);
    }
  }
  return links;
}

// The entry's path below targetRoot, or ArchiveError when it could escape or is not ours.
fs::path safeRelativePath(const std::string& name) {
  if (name.empty() || name.find('\0') != std::string::npos ||
      name.find('\\') != std::string::npos || name.front() == '/' ||
      (name.size() > 1 && name[1] == ':')) {
    throw ArchiveError("refused entry '" + name + "': absolute or unsafe path");
  }
  const fs::path rel = fs::path(name).lexically_normal();
  for (const auto& part : rel) {
    if (part == "..") {
      throw ArchiveError("refused entry '" + name + "': path leaves the project ('..')");
    }
  }
  const std::string top = rel.begin() == rel.end() ? "" : rel.begin()->string();
  if (top != "project" && top != "state") {
    throw ArchiveError("refused entry '" + name + "': not under project/ or state/");
  }
  return rel;
}

}  // namespace

std::string contentHash(const fs::path& projectDir, const fs::path& stateDir) {
  Poco::SHA2Engine sha(Poco::SHA2Engine::SHA_256);
  std::vector<char> buffer(kChunk);
  for (const TreeEntry& e : listTree(projectDir, stateDir)) {
    sha.update(e.zipName);
    sha.update('\0');
    if (e.directory) {
      continue;
    }
    std::ifstream in(e.path, std::ios::binary);
    if (!in) {
      throw ArchiveError("cannot read " + e.path.string());
    }
    int64_t size = 0;
    while (in.read(buffer.data(), static_cast<std::streamsize>(buffer.size())) || in.gcount() > 0) {
      sha.update(buffer.data(), static_cast<unsigned>(in.gcount()));
      size += in.gcount();
    }
    sha.update(std::to_string(size));
    sha.update('\0');
  }
  return Poco::DigestEngine::digestToHex(sha.digest());
}

ArchiveStats writeProjectArchive(const fs::path& projectDir, const fs::path& stateDir,
                                 const fs::path& zipFile) {
  ArchiveStats stats;
  std::ofstream out(zipFile, std::ios::binary | std::ios::trunc);
  if (!out) {
    throw ArchiveError("cannot create " + zipFile.string());
  }
  try {
    Poco::Zip::Compress zip(out, /*seekableOut=*/true, /*forceZip64=*/false);
    for (const TreeEntry& e : listTree(projectDir, stateDir)) {
      std::error_code ec;
      // A project may have no state dir yet: its root entry is still written (so a restore
      // recreates it), stamped now.
      const Poco::DateTime modified(fs::exists(e.path, ec)
                                        ? Poco::File(e.path.string()).getLastModified()
                                        : Poco::Timestamp());
      if (e.directory) {
        zip.addDirectory(Poco::Path(e.zipName, Poco::Path::PATH_UNIX), modified);
        continue;
      }
      std::ifstream file(e.path, std::ios::binary);
      if (!file) {
        throw ArchiveError("cannot read " + e.path.string());
      }
      zip.addFile(file, modified, Poco::Path(e.zipName, Poco::Path::PATH_UNIX),
                  Poco::Zip::ZipCommon::CM_DEFLATE, Poco::Zip::ZipCommon::CL_NORMAL);
      ++stats.files;
      stats.bytes += static_cast<int64_t>(fs::file_size(e.path, ec));
    }
    zip.close();  // writes the central directory; ~Compress does not
  } catch (const Poco::Exception& e) {
    throw ArchiveError("cannot write the archive: " + e.displayText());
  }
  out.flush();
  if (!out) {
    throw ArchiveError("cannot write " + zipFile.string() + " (disk full?)");
  }
  return stats;
}

ArchiveStats extractProjectArchive(const fs::path& zipFile, const fs::path& targetRoot) {
  const std::set<std::string> links = symlinkEntries(zipFile);
  ArchiveStats stats;
  std::ifstream in(zipFile, std::ios::binary);
  if (!in) {
    throw ArchiveError("cannot open " + zipFile.string());
  }
  fs::create_directories(targetRoot / "project");
  fs::create_directories(targetRoot / "state");
  try {
    Poco::Zip::ZipArchive archive(in);
    std::vector<char> buffer(kChunk);
    for (auto it = archive.headerBegin(); it != archive.headerEnd(); ++it) {
      const std::string& name = it->first;
      if (links.count(name) != 0) {
        throw ArchiveError("refused entry '" + name + "': symbolic link");
      }
      const fs::path target = targetRoot / safeRelativePath(name);
      if (it->second.isDirectory()) {
        fs::create_directories(target);
        continue;
      }
      if (++stats.files > kMaxEntries) {
        throw ArchiveError("archive has too many entries");
      }
      fs::create_directories(target.parent_path());
      Poco::Zip::ZipInputStream zin(in, it->second, /*reposition=*/true);
      std::ofstream outFile(target, std::ios::binary | std::ios::trunc);
      int64_t written = 0;
      while (zin.read(buffer.data(), static_cast<std::streamsize>(buffer.size())) ||
             zin.gcount() > 0) {
        outFile.write(buffer.data(), zin.gcount());
        written += zin.gcount();
        if (stats.bytes + written > kMaxUncompressedBytes) {
          throw ArchiveError("refused archive: it expands beyond the size limit");
        }
      }
      if (!outFile) {
        throw ArchiveError("cannot write " + target.string() + " (disk full?)");
      }
      if (!zin.crcValid() || static_cast<uint64_t>(written) != it->second.getUncompressedSize()) {
        throw ArchiveError("corrupt archive: entry '" + name + "' fails its checksum");
      }
      stats.bytes += written;
    }
  } catch (const Poco::Exception& e) {
    throw ArchiveError("corrupt archive: " + e.displayText());
  } catch (const fs::filesystem_error& e) {
    throw ArchiveError(std::string("cannot extract the archive: ") + e.what());
  }
  return stats;
}

}  // namespace devkit::projects
