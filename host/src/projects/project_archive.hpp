#pragma once

#include <cstdint>
#include <filesystem>
#include <stdexcept>
#include <string>

namespace devkit::projects {

/// A corrupt or malicious archive; what() says which entry and why.
class ArchiveError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct ArchiveStats {
  int64_t files = 0;
  int64_t bytes = 0;  // uncompressed
};

/// A SHA-256 over the project's content (relative paths, file sizes and bytes, in path order) of
/// both trees. Equal hashes mean equal content, whatever the zip's timestamps; the backup worker
/// uses it to skip unchanged projects. A missing tree counts as empty.
std::string contentHash(const std::filesystem::path& projectDir,
                        const std::filesystem::path& stateDir);

/// Writes a zip of the project dir (entries "project/...") and its state dir ("state/...") to
/// `zipFile`, streaming each file (Poco::Zip::Compress; nothing is held whole in memory).
/// Symbolic links are not followed and not archived: a link may point anywhere on the host.
ArchiveStats writeProjectArchive(const std::filesystem::path& projectDir,
                                 const std::filesystem::path& stateDir,
                                 const std::filesystem::path& zipFile);

/// Extracts `zipFile` into `targetRoot`/project and `targetRoot`/state (targetRoot must be a new,
/// empty directory). Refuses, with ArchiveError, any entry that is absolute, contains "..", a
/// backslash or a NUL, lies outside project/ or state/, is a symbolic link, or whose data is
/// corrupt (CRC or size mismatch). On error the caller discards targetRoot: nothing outside it
/// has been touched.
ArchiveStats extractProjectArchive(const std::filesystem::path& zipFile,
                                   const std::filesystem::path& targetRoot);

}  // namespace devkit::projects
