// Small helpers both storage backends use: the clock of every *_us member and streaming SHA-256.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace Poco {
class SHA2Engine;
}  // namespace Poco

namespace devkit::storage {

/// Microseconds since the Unix epoch (UTC): the unit of every timestamp in docs/storage.md.
int64_t nowUs();

/// Incremental SHA-256 (Poco::SHA2Engine), so an archive is hashed while it streams instead of
/// being held in memory. THREADING: one instance per thread.
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  void update(const void* data, size_t size);
  void update(std::string_view data) { update(data.data(), data.size()); }
  /// 64 lower-case hex digits of everything updated so far; the hasher starts over afterwards.
  std::string hexDigest();

 private:
  std::unique_ptr<Poco::SHA2Engine> engine_;
};

/// SHA-256 of `data` as 64 lower-case hex digits.
std::string sha256Hex(std::string_view data);

}  // namespace devkit::storage
