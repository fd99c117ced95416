#include <sys/stat.h>

#include "api/api.hpp"
#include "core/failure.hpp"
#include "http/http_error.hpp"
#include "logging/logging.hpp"
#include "projects/project_files.hpp"

namespace devkit::api {
namespace {

namespace fs = std::filesystem;
using core::Failure;
using core::FailureKind;
using nlohmann::json;

// Traversal attempts are refused and logged with who tried what (the path quoted as JSON so a
// hostile name cannot forge log lines).
fs::path resolveLogged(const fs::path& dir, const std::string& relative, const std::string& email,
                       const std::string& projectId) {
  try {
    return projects::files::resolveInside(dir, relative, "path");
  } catch (const Failure& f) {
    if (f.code() == "invalid_path") {
      // At most 300 bytes of it: a refused path can be megabytes long.
      const std::string shown = relative.size() > 300 ? relative.substr(0, 300) + "..." : relative;
      logging::get("files")->warn("refused path {} for {} in project {}: {}",
                                  json(shown).dump(-1, ' ', false, json::error_handler_t::replace),
                                  email, projectId, f.what());
    }
    throw;
  }
}

}  // namespace

void registerFileRoutes(http::Router& router, ApiContext& api) {
  router.add("GET", "/api/projects/{id}/files", [&api](http::RequestContext& ctx) {
    const auto user = api.identity.resolve(ctx.request);
    const fs::path dir = api.projects.openDir(user.email, ctx.param("id"));
    const fs::path start =
        resolveLogged(dir, ctx.query("path").value_or(""), user.email, ctx.param("id"));
    std::error_code ec;
    if (!fs::is_directory(start, ec)) {
      throw Failure(FailureKind::kInvalid, "not_a_directory", "\"path\" is not a directory",
                    "path");
    }
    json out = projects::files::tree(dir, start, api.config.projects.maxTreeEntries);
    out["project_id"] = ctx.param("id");
    http::sendJson(ctx.response, 200, out);
  });

  router.add("GET", "/api/projects/{id}/files/content", [&api](http::RequestContext& ctx) {
    const auto user = api.identity.resolve(ctx.request);
    const auto relative = ctx.query("path");
    if (!relative || relative->empty()) {
      throw Failure::invalid("path", "\"path\" is required (a file path relative to the project)");
    }
    const fs::path dir = api.projects.openDir(user.email, ctx.param("id"));
    const fs::path file = resolveLogged(dir, *relative, user.email, ctx.param("id"));
    struct stat st {};
    if (::stat(file.c_str(), &st) != 0) throw Failure::notFound("file " + *relative);
    if (!S_ISREG(st.st_mode)) {
      throw Failure(FailureKind::kInvalid, "not_a_file", "\"path\" is not a regular file", "path");
    }
    const int64_t limit = api.config.projects.maxFileBytes;
    if (st.st_size > limit) {
      throw Failure(FailureKind::kTooLarge, "file_too_large",
                    "the file has " + std::to_string(st.st_size) + " bytes; at most " +
                        std::to_string(limit) + " are served ([projects] max_file_bytes)");
    }
    // Whatever the agent wrote is shown, never run: a project's HTML or SVG must not execute in
    // the app's origin, where the user's session lives.
    ctx.response.set("Content-Security-Policy",
                     "default-src 'none'; style-src 'unsafe-inline'; sandbox");
    ctx.response.set("X-Content-Type-Options", "nosniff");
    ctx.response.set("Cache-Control", "no-store");
    ctx.response.set("Content-Disposition", "inline");
    ctx.response.set("X-File-Size", std::to_string(st.st_size));
    ctx.response.sendFile(file.string(), projects::files::contentTypeFor(file));
  });
}

}  // namespace devkit::api
