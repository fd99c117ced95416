#include "core/content_types.hpp"

#include <map>

#include "core/paths.hpp"

namespace devkit::core {

std::string contentTypeByExtension(const std::filesystem::path& file) {
  static const std::map<std::string, std::string> kTypes = {
      {".cfg", "text/plain; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".csv", "text/csv; charset=utf-8"},
      {".gif", "image/gif"},
      {".gz", "application/gzip"},
      {".htm", "text/html; charset=utf-8"},
      {".html", "text/html; charset=utf-8"},
      {".ico", "image/x-icon"},
      {".ini", "text/plain; charset=utf-8"},
      {".ipynb", "application/x-ipynb+json; charset=utf-8"},
      {".jpeg", "image/jpeg"},
      {".jpg", "image/jpeg"},
      {".js", "text/javascript; charset=utf-8"},
      {".json", "application/json; charset=utf-8"},
      {".log", "text/plain; charset=utf-8"},
      {".map", "application/json; charset=utf-8"},
      {".md", "text/markdown; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"},
      {".parquet", "application/vnd.apache.parquet"},
      {".pdf", "application/pdf"},
      {".png", "image/png"},
      {".py", "text/x-python; charset=utf-8"},
      {".r", "text/x-r; charset=utf-8"},
      {".scala", "text/x-scala; charset=utf-8"},
      {".sh", "text/x-shellscript; charset=utf-8"},
      {".sql", "application/sql; charset=utf-8"},
      {".svg", "image/svg+xml"},
      {".toml", "application/toml; charset=utf-8"},
      {".ts", "text/plain; charset=utf-8"},
      {".tsv", "text/tab-separated-values; charset=utf-8"},
      {".ttf", "font/ttf"},
      {".txt", "text/plain; charset=utf-8"},
      {".wasm", "application/wasm"},
      {".webmanifest", "application/manifest+json"},
      {".webp", "image/webp"},
      {".whl", "application/zip"},
      {".woff", "font/woff"},
      {".woff2", "font/woff2"},
      {".xml", "application/xml"},
      {".yaml", "application/yaml; charset=utf-8"},
      {".yml", "application/yaml; charset=utf-8"},
      {".zip", "application/zip"},
  };
  const auto it = kTypes.find(lowerExtension(file));
  return it == kTypes.end() ? std::string() : it->second;
}

}  // namespace devkit::core
