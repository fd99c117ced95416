#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <sstream>
#include <string>

#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/StreamCopier.h>
#include <nlohmann/json.hpp>

#include "../unit/test_files.hpp"
#include "app/host.hpp"
#include "config/config_loader.hpp"

namespace devkit::testing {

struct HttpResult {
  int status = 0;
  std::string body;
  Poco::Net::HTTPResponse response;
  nlohmann::json json() const { return nlohmann::json::parse(body); }
  std::string header(const std::string& name) const { return response.get(name, ""); }
};

/// One HTTP request over loopback with Poco's client (a real socket, no shortcuts).
inline HttpResult fetch(int port, const std::string& method, const std::string& path,
                        const std::string& body = "", const std::string& contentType = "",
                        const std::map<std::string, std::string>& headers = {}) {
  Poco::Net::HTTPClientSession session("127.0.0.1", static_cast<uint16_t>(port));
  session.setTimeout(Poco::Timespan(10, 0));
  Poco::Net::HTTPRequest request(method, path, Poco::Net::HTTPMessage::HTTP_1_1);
  for (const auto& [k, v] : headers) request.set(k, v);
  if (!contentType.empty()) request.setContentType(contentType);
  if (!body.empty() || method == "POST" || method == "PUT" || method == "PATCH") {
    request.setContentLength(static_cast<std::streamsize>(body.size()));
  }
  session.sendRequest(request) << body;
  HttpResult result;
  std::istream& in = session.receiveResponse(result.response);
  std::ostringstream out;
  Poco::StreamCopier::copyStream(in, out);
  result.status = static_cast<int>(result.response.getStatus());
  result.body = out.str();
  return result;
}

/// An INI for an in-process host: port 0, a temporary data dir, the build's plugins dir, and a
/// webroot inside `dir`. `extra` is appended (later sections/keys win only if not repeated).
inline std::string hostIni(const TempDir& dir, const std::string& extra = "",
                           const std::string& pluginDir = DEVKIT_PLUGIN_OUTPUT_DIR) {
  return "[server]\nhost = 127.0.0.1\nport = 0\nwebroot = " + (dir.path() / "webroot").string() +
         "\n[logging]\nlevel = warn\n[data]\ndir = " + (dir.path() / "data").string() +
         "\n[plugins]\ndir = " + pluginDir + "\n" + extra;
}

// skills serves the shipped content from the source tree, so that an in-process host (whose
// ${host.home} is the source dir) finds it too.
inline const char* kFivePlugins =
    "[plugin.storage-local]\nenabled = yes\n"
    "[plugin.skills]\nenabled = yes\ndir = " DEVKIT_SOURCE_DIR
    "/plugins/skills/content\n"
    "[plugin.agent-claude]\nenabled = yes\n[plugin.mcp-databricks]\nenabled = yes\n"
    "[plugin.storage-lakebase]\nenabled = no\n";

/// A private plugin dir inside `dir` holding copies of the build's plugins, so a test may break or
/// delete them without touching the build.
inline std::string copyBuiltPlugins(const TempDir& dir) {
  const std::filesystem::path target = dir.path() / "plugins";
  std::filesystem::create_directories(target);
  for (const auto& entry : std::filesystem::directory_iterator(DEVKIT_PLUGIN_OUTPUT_DIR)) {
    std::filesystem::copy_file(
        entry.path(), target / entry.path().filename(),
        std::filesystem::copy_options::skip_existing);  // a loaded .so is never rewritten
  }
  return target.string();
}

/// Loads `ini` into a HostConfig the way the executable does.
inline config::HostConfig loadIni(const TempDir& dir, const std::string& ini,
                                  std::vector<std::string> env = {}) {
  config::LoadOptions options;
  options.file = dir.write("devkit.ini", ini);
  options.environment = std::move(env);
  options.home = DEVKIT_SOURCE_DIR;
  options.version = "test";
  return config::loadConfig(options);
}

}  // namespace devkit::testing
