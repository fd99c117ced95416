#include "archive_files.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <memory>
#include <system_error>
#include <utility>

#include "devkit/storage/util.hpp"

namespace devkit::storage::local {
namespace {

namespace fs = std::filesystem;
using devkit::sdk::Error;

constexpr const char* kSuffix = ".archive";
constexpr const char* kTempPrefix = ".tmp-";
constexpr auto kStaleTemporaryAge = std::chrono::hours(1);

std::string errnoText(int error) { return std::generic_category().message(error); }

[[noreturn]] void ioError(const std::string& what, const fs::path& path, int error) {
  throw Error(DK_ERR_UNAVAILABLE, what + " " + path.string() + ": " + errnoText(error));
}

/// Closes a file descriptor on scope exit.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) {
      ::close(fd_);
    }
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  /// Closes now and reports close()'s error (it can be the first sign of a failed write).
  int close() {
    const int rc = ::close(std::exchange(fd_, -1));
    return rc == 0 ? 0 : errno;
  }

 private:
  int fd_;
};

void writeAll(int fd, const char* data, size_t size, const fs::path& path) {
  while (size > 0) {
    const ssize_t n = ::write(fd, data, size);
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      ioError("writing", path, errno);
    }
    data += n;
    size -= static_cast<size_t>(n);
  }
}

/// Best effort: makes a rename durable. Its failure is not reported, because the rename has
/// happened and reporting would roll back the metadata of an archive that is in place.
void fsyncDir(const fs::path& dir) {
  Fd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (fd.get() >= 0) {
    ::fsync(fd.get());
  }
}

}  // namespace

StagedArchive::StagedArchive(StagedArchive&& other) noexcept
    : path_(std::exchange(other.path_, {})),
      size_(other.size_),
      sha256_(std::move(other.sha256_)) {}

StagedArchive::~StagedArchive() {
  if (!path_.empty()) {
    ::unlink(path_.c_str());
  }
}

ArchiveFiles::ArchiveFiles(fs::path dir) : dir_(std::move(dir)) {
  std::error_code ec;
  fs::create_directories(dir_, ec);
  if (ec) {
    throw Error(DK_ERR_UNAVAILABLE,
                "cannot create the archive directory " + dir_.string() + ": " + ec.message());
  }
  if (!fs::is_directory(dir_, ec)) {
    throw Error(DK_ERR_INVALID_ARGUMENT,
                "the archive directory " + dir_.string() + " is not a directory");
  }
  if (::access(dir_.c_str(), W_OK | X_OK) != 0) {
    ioError("cannot write to the archive directory", dir_, errno);
  }
}

fs::path ArchiveFiles::pathOf(const std::string& projectId) const {
  // Project ids are [A-Za-z0-9_.-]{1,128} (checked by the adapter); the suffix keeps "." and ".."
  // ordinary file names.
  return dir_ / (projectId + kSuffix);
}

StagedArchive ArchiveFiles::stage(const std::string& projectId,
                                  const devkit::sdk::Source& data) const {
  std::string pattern = (dir_ / (kTempPrefix + projectId + "-XXXXXX")).string();
  Fd fd(::mkostemp(pattern.data(), O_CLOEXEC));
  if (fd.get() < 0) {
    ioError("cannot create a temporary file in", dir_, errno);
  }
  // From here on the staged object owns the file and unlinks it on any failure.
  StagedArchive staged(pattern, 0, "");
  Sha256 hasher;
  const auto buffer = std::make_unique<char[]>(kChunkBytes);
  int64_t size = 0;
  for (;;) {
    const size_t n = data.read(buffer.get(), kChunkBytes);  // throws on a read error
    if (n == 0) {
      break;
    }
    hasher.update(buffer.get(), n);
    writeAll(fd.get(), buffer.get(), n, staged.path_);
    size += static_cast<int64_t>(n);
  }
  if (::fsync(fd.get()) != 0) {
    ioError("syncing", staged.path_, errno);
  }
  if (const int error = fd.close(); error != 0) {
    ioError("closing", staged.path_, error);
  }
  staged.size_ = size;
  staged.sha256_ = hasher.hexDigest();
  return staged;
}

void ArchiveFiles::install(StagedArchive& staged, const std::string& projectId) const {
  const fs::path target = pathOf(projectId);
  if (::rename(staged.path_.c_str(), target.c_str()) != 0) {
    ioError("cannot move the new archive to", target, errno);
  }
  staged.path_.clear();
  fsyncDir(dir_);  // make the rename itself durable
}

bool ArchiveFiles::stream(const std::string& projectId, const devkit::sdk::Sink& data) const {
  const fs::path path = pathOf(projectId);
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) {
    if (errno == ENOENT) {
      return false;
    }
    ioError("cannot open", path, errno);
  }
  const auto buffer = std::make_unique<char[]>(kChunkBytes);
  for (;;) {
    const ssize_t n = ::read(fd.get(), buffer.get(), kChunkBytes);
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      ioError("reading", path, errno);
    }
    if (n == 0) {
      return true;
    }
    data.writeOrThrow(std::string_view(buffer.get(), static_cast<size_t>(n)));
  }
}

bool ArchiveFiles::remove(const std::string& projectId) const {
  const fs::path path = pathOf(projectId);
  if (::unlink(path.c_str()) != 0) {
    if (errno == ENOENT) {
      return false;
    }
    ioError("cannot remove", path, errno);
  }
  return true;
}

void ArchiveFiles::removeStaleTemporaries() const {
  std::error_code ec;
  const auto cutoff = fs::file_time_type::clock::now() - kStaleTemporaryAge;
  for (fs::directory_iterator it(dir_, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    std::error_code statError;
    if (name.rfind(kTempPrefix, 0) == 0 && it->is_regular_file(statError) &&
        it->last_write_time(statError) < cutoff && !statError) {
      fs::remove(it->path(), statError);
    }
  }
}

}  // namespace devkit::storage::local
