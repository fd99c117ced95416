#include "http/static_files.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <filesystem>

#include "core/content_types.hpp"
#include "core/paths.hpp"
#include "http/http_error.hpp"
#include "logging/logging.hpp"

namespace devkit::http {
namespace {

namespace fs = std::filesystem;

std::string etagFor(const struct stat& st) {
  return "\"" + std::to_string(st.st_size) + "-" + std::to_string(st.st_mtim.tv_sec) + "." +
         std::to_string(st.st_mtim.tv_nsec) + "\"";
}

}  // namespace

std::string mimeTypeFor(const std::string& fileName) {
  const std::string type = core::contentTypeByExtension(fileName);
  return type.empty() ? "application/octet-stream" : type;
}

StaticFiles::StaticFiles(std::string root) {
  std::error_code ec;
  const fs::path canonical = fs::weakly_canonical(fs::path(root), ec);
  root_ = ec ? root : canonical.string();
}

void StaticFiles::serve(RequestContext& ctx) const {
  const std::string& method = ctx.request.getMethod();
  if (method != "GET" && method != "HEAD") {
    ctx.response.set("Allow", "GET, HEAD");
    throw HttpError(405, "method_not_allowed", method + " is not allowed on " + ctx.path);
  }
  if (ctx.path.find('\0') != std::string::npos) {
    throw HttpError(400, "invalid_path", "the path contains a NUL byte");
  }
  const fs::path root(root_);
  std::error_code ec;
  fs::path target = fs::weakly_canonical(root / fs::path(ctx.path).relative_path(), ec);
  if (ec || !core::isInside(target, root)) {
    logging::get("http")->warn("refused a path outside the webroot: {}", ctx.path);
    throw HttpError(404, "not_found", "no such file: " + ctx.path);
  }
  if (fs::is_directory(target, ec)) {
    target /= "index.html";
  }
  bool spaFallback = false;
  if (!fs::is_regular_file(target, ec)) {
    // Client-side routes (/projects/abc) have no extension; missing assets (/x.js) stay 404.
    if (fs::path(ctx.path).has_extension()) {
      throw HttpError(404, "not_found", "no such file: " + ctx.path);
    }
    target = root / "index.html";
    spaFallback = true;
    if (!fs::is_regular_file(target, ec)) {
      throw HttpError(404, "ui_not_built",
                      "the web UI is not built: no index.html in " + root_ +
                          " (see [server] webroot and the README's run command)");
    }
  }
  struct stat st {};
  if (::stat(target.c_str(), &st) != 0) {
    throw HttpError(404, "not_found", "no such file: " + ctx.path);
  }
  const std::string etag = etagFor(st);
  const bool immutable = !spaFallback && ctx.path.rfind("/assets/", 0) == 0;
  ctx.response.set("Cache-Control", immutable ? "public, max-age=31536000, immutable" : "no-cache");
  ctx.response.set("ETag", etag);
  ctx.response.set("X-Content-Type-Options", "nosniff");
  ctx.response.set("Referrer-Policy", "no-referrer");
  const std::string mime = mimeTypeFor(target.filename().string());
  if (mime.rfind("text/html", 0) == 0) {
    ctx.response.set("X-Frame-Options", "DENY");
    ctx.response.set("Content-Security-Policy",
                     "default-src 'self'; img-src 'self' data: blob:; style-src 'self' "
                     "'unsafe-inline'; connect-src 'self'; frame-ancestors 'none'");
  }
  if (ctx.request.get("If-None-Match", "") == etag) {
    ctx.response.setStatusAndReason(Poco::Net::HTTPResponse::HTTP_NOT_MODIFIED);
    ctx.response.setContentLength(0);
    ctx.response.send();
    return;
  }
  ctx.response.sendFile(target.string(), mime);  // handles HEAD: headers only
}

}  // namespace devkit::http
