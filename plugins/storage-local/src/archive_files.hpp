// Project archives as files: archive_dir/<project id>.archive, replaced atomically.
#pragma once

#include <devkit/sdk.hpp>

#include <cstdint>
#include <filesystem>
#include <string>

namespace devkit::storage::local {

/// A fully written, fsync'd temporary file in the archive dir; removed on destruction unless it
/// was installed. THREADING: one thread.
class StagedArchive {
 public:
  StagedArchive(std::filesystem::path path, int64_t size, std::string sha256)
      : path_(std::move(path)), size_(size), sha256_(std::move(sha256)) {}
  StagedArchive(StagedArchive&& other) noexcept;
  StagedArchive& operator=(StagedArchive&&) = delete;
  StagedArchive(const StagedArchive&) = delete;
  ~StagedArchive();

  int64_t size() const { return size_; }
  const std::string& sha256() const { return sha256_; }

 private:
  friend class ArchiveFiles;
  std::filesystem::path path_;  // empty once installed or moved from
  int64_t size_;
  std::string sha256_;
};

/// THREADING: thread-safe for different projects; the caller serialises install/remove of one
/// project (storage-local does so under its write lock).
class ArchiveFiles {
 public:
  /// Bytes per read from a source and per write to a sink: bounded memory for any archive size.
  static constexpr size_t kChunkBytes = 1 << 20;

  /// Creates `dir` if needed; throws devkit::sdk::Error when it cannot be used.
  explicit ArchiveFiles(std::filesystem::path dir);

  const std::filesystem::path& dir() const { return dir_; }
  std::filesystem::path pathOf(const std::string& projectId) const;

  /// Streams `data` into a new temporary file next to the archive in kChunkBytes chunks, hashing
  /// on the way, and fsyncs it. A read error (or any failure) removes the temporary file.
  StagedArchive stage(const std::string& projectId, const devkit::sdk::Source& data) const;

  /// rename()s the staged file over the project's archive (atomic) and fsyncs the directory
  /// (best effort: once the rename happened, the new archive is in place).
  void install(StagedArchive& staged, const std::string& projectId) const;

  /// Writes the project's archive to `data` in chunks; false when there is no file. Throws
  /// Error(DK_ERR_CANCELLED) when the sink refuses a write.
  bool stream(const std::string& projectId, const devkit::sdk::Sink& data) const;

  /// Removes the project's archive; false when there was none.
  bool remove(const std::string& projectId) const;

  /// Removes temporary files that a crashed put left behind (older than an hour, so a put still
  /// running in another instance is left alone).
  void removeStaleTemporaries() const;

 private:
  std::filesystem::path dir_;
};

}  // namespace devkit::storage::local
