#pragma once

#include <string>

#include "http/request_context.hpp"

namespace devkit::http {

/// Serves the built web UI from one directory: correct content types, ETag/304, immutable caching
/// for hashed assets (/assets/...), no-cache for everything else, and the SPA fallback: a GET for a
/// path without a file extension that matches no file gets index.html, so client-side routes
/// survive a reload. Paths are resolved with symlinks and must stay inside the root (traversal is
/// refused with 404 and logged). THREADING: thread-safe (stateless after construction).
class StaticFiles {
 public:
  explicit StaticFiles(std::string root);
  /// Answers the request (200, 304, or a 404/405 JSON error).
  void serve(RequestContext& ctx) const;
  const std::string& root() const { return root_; }

 private:
  std::string root_;  // canonical
};

/// The MIME type for a file name's extension ("application/octet-stream" when unknown).
std::string mimeTypeFor(const std::string& fileName);

}  // namespace devkit::http
