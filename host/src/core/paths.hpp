#pragma once

#include <filesystem>
#include <string>

#include <Poco/String.h>

namespace devkit::core {

/// Whether `child` is `root` or lies below it. Both must already be canonical (symlinks resolved):
/// this compares text, component-wise ("/a/bc" is not inside "/a/b").
inline bool isInside(const std::filesystem::path& child, const std::filesystem::path& root) {
  const std::string c = child.string();
  const std::string r = root.string();
  return c == r || (c.size() > r.size() && c.rfind(r, 0) == 0 && c[r.size()] == '/');
}

/// A file name's extension in lower case, with its dot (".sql"); empty when none.
inline std::string lowerExtension(const std::filesystem::path& file) {
  return Poco::toLower(file.extension().string());
}

}  // namespace devkit::core
