#pragma once

// The harness of the REST API tests: a real Host in-process on port 0 with storage-local (SQLite
// in a temp dir) and the fixture skills source, spoken to over loopback HTTP with Poco's client.
// It runs in databricks-apps mode so that a test can be several users (X-Forwarded-Email).

#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "../integration/test_support.hpp"

namespace devkit::testing {

inline constexpr const char* kAlice = "alice@example.com";
inline constexpr const char* kBob = "bob@example.com";

/// Writes skill folders <dir>/<name>/SKILL.md for the fixture skills source.
inline void writeSkill(const std::filesystem::path& dir, const std::string& name,
                       const std::string& description) {
  std::filesystem::create_directories(dir / name);
  std::ofstream(dir / name / "SKILL.md")
      << "---\nname: " << name << "\ndescription: " << description << "\n---\n# " << name << "\n";
}

class ApiTest : public ::testing::Test {
 protected:
  /// Starts the host; `extraIni` is appended to the INI (its sections must not repeat ours).
  /// `env` holds KEY=VALUE overrides, as the process environment would (secrets go there).
  void startHost(const std::string& extraIni = "", const std::string& authIni = "",
                 std::vector<std::string> env = {}) {
    skillsDir_ = dir_.path() / "skills-src";
    writeSkill(skillsDir_, "databricks-sql", "SQL on Databricks");
    writeSkill(skillsDir_, "jobs", "Lakeflow Jobs");
    const std::string pluginDir = copyBuiltPlugins(dir_);
    for (const char* fixture : {"fixture-skills.so", "fixture-agent.so", "fixture-tools.so"}) {
      std::filesystem::copy_file(
          std::filesystem::path(DEVKIT_TEST_PLUGIN_DIR) / fixture,
          std::filesystem::path(pluginDir) / fixture,
          std::filesystem::copy_options::skip_existing);  // a loaded .so is never rewritten
    }
    const std::string ini =
        hostIni(dir_,
                "[plugin.storage-local]\nenabled = yes\n"
                "[plugin.fixture-skills]\nenabled = yes\ndir = " +
                    skillsDir_.string() + "\n" +
                    (authIni.empty() ? "[auth]\nmode = databricks-apps\n" : authIni) + extraIni,
                pluginDir);
    host_ = std::make_unique<app::Host>(loadIni(dir_, ini, std::move(env)));
    host_->start();
    port_ = host_->port();
  }

  void TearDown() override {
    if (host_) host_->stop();
  }

  /// A request as `user` (X-Forwarded-Email; none when empty). A JSON `body` is sent as
  /// application/json.
  HttpResult call(const std::string& method, const std::string& path,
                  const nlohmann::json& body = nullptr, const std::string& user = kAlice,
                  std::map<std::string, std::string> headers = {}) {
    if (!user.empty()) headers["X-Forwarded-Email"] = user;
    if (body.is_null()) return fetch(port_, method, path, "", "", headers);
    return fetch(port_, method, path, body.dump(), "application/json", headers);
  }
  /// A raw body with a content type of the caller's choosing.
  HttpResult callRaw(const std::string& method, const std::string& path, const std::string& body,
                     const std::string& contentType, const std::string& user = kAlice) {
    std::map<std::string, std::string> headers;
    if (!user.empty()) headers["X-Forwarded-Email"] = user;
    return fetch(port_, method, path, body, contentType, headers);
  }

  /// Creates a project as `user` and returns its JSON (asserting 201).
  nlohmann::json createProject(const std::string& name, const std::string& user = kAlice) {
    const HttpResult r = call("POST", "/api/projects", {{"name", name}}, user);
    EXPECT_EQ(r.status, 201) << r.body;
    return r.json();
  }
  nlohmann::json createConversation(const std::string& projectId,
                                    const std::string& user = kAlice) {
    const HttpResult r = call("POST", "/api/conversations", {{"project_id", projectId}}, user);
    EXPECT_EQ(r.status, 201) << r.body;
    return r.json();
  }

  std::filesystem::path projectDir(const std::string& id) const {
    return host_->paths().projectDir(id);
  }

  TempDir dir_;
  std::filesystem::path skillsDir_;
  std::unique_ptr<app::Host> host_;
  int port_ = 0;
};

/// Every occurrence of `from` in `s` replaced by `to`.
inline std::string replaceAll(std::string s, const std::string& from, const std::string& to) {
  for (size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size())) {
    s.replace(at, from.size(), to);
  }
  return s;
}

/// The non-empty segments of a path, without its query string.
inline std::vector<std::string> segments(const std::string& path) {
  std::vector<std::string> out;
  std::stringstream in(path.substr(0, path.find('?')));
  for (std::string part; std::getline(in, part, '/');) {
    if (!part.empty()) out.push_back(part);
  }
  return out;
}

/// Whether a concrete path matches a router pattern ("/api/projects/{id}").
inline bool patternMatches(const std::string& pattern, const std::string& path) {
  const auto want = segments(pattern);
  const auto got = segments(path);
  if (want.size() != got.size()) return false;
  for (size_t i = 0; i < want.size(); ++i) {
    if (want[i].front() == '{' && want[i].back() == '}') continue;
    if (want[i] != got[i]) return false;
  }
  return true;
}

/// The error member of a JSON error answer.
inline nlohmann::json errorOf(const HttpResult& r) {
  const nlohmann::json doc = nlohmann::json::parse(r.body, nullptr, false);
  return doc.is_object() && doc.contains("error") ? doc["error"] : nlohmann::json();
}

}  // namespace devkit::testing
