// Starts and drives the fake Databricks workspace (tests/fixtures/fake-databricks): a Python
// program on 127.0.0.1 that the tests point the mcp-databricks client at. The contract (tokens,
// seeded objects, state machines, the /__fake control API) is in that directory's README.md.
#pragma once

#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/StreamCopier.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

extern char** environ;

namespace devkit::databricks::testing {

/// One fake workspace process: started by the constructor, killed by the destructor.
class FakeDatabricks {
 public:
  FakeDatabricks() {
    char dir_template[] = "/tmp/fake-databricks-XXXXXX";
    if (::mkdtemp(dir_template) == nullptr) throw std::runtime_error("mkdtemp failed");
    dir_ = dir_template;
    const std::string port_file = dir_ + "/port";
    std::vector<std::string> args = {DEVKIT_PYTHON3, DEVKIT_FAKE_DATABRICKS, "--port-file",
                                     port_file};
    std::vector<char*> argv;
    for (auto& arg : args) argv.push_back(arg.data());
    argv.push_back(nullptr);
    if (::posix_spawn(&pid_, argv[0], nullptr, nullptr, argv.data(), environ) != 0) {
      throw std::runtime_error(std::string("cannot start ") + DEVKIT_PYTHON3);
    }
    // The server renames the port file into place once its socket listens.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (port_ == 0) {
      std::ifstream in(port_file);
      if (in >> port_) break;
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        throw std::runtime_error("fake_databricks.py exited during start-up");
      }
      if (std::chrono::steady_clock::now() > deadline) {
        stop();
        throw std::runtime_error("fake_databricks.py did not write its port within 10 s");
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    url_ = "http://127.0.0.1:" + std::to_string(port_);
  }

  ~FakeDatabricks() { stop(); }

  FakeDatabricks(const FakeDatabricks&) = delete;
  FakeDatabricks& operator=(const FakeDatabricks&) = delete;

  /// One fake per test process, started on first use; tests call reset() in SetUp.
  static FakeDatabricks& shared() {
    static FakeDatabricks instance;
    return instance;
  }

  /// "http://127.0.0.1:<port>", the workspace host to configure.
  const std::string& url() const { return url_; }
  int port() const { return port_; }

  /// A control call (no auth); the answer parsed (null when empty). Throws on a non-2xx answer.
  nlohmann::json control(const std::string& method, const std::string& path,
                         const nlohmann::json& body = nullptr) {
    Poco::Net::HTTPClientSession session("127.0.0.1", static_cast<Poco::UInt16>(port_));
    session.setTimeout(Poco::Timespan(30, 0));
    Poco::Net::HTTPRequest request(method, path, Poco::Net::HTTPMessage::HTTP_1_1);
    const std::string text = body.is_null() ? std::string() : body.dump();
    request.setContentType("application/json");
    request.setContentLength(static_cast<std::streamsize>(text.size()));
    session.sendRequest(request) << text;
    Poco::Net::HTTPResponse response;
    std::istream& in = session.receiveResponse(response);
    std::string answer;
    Poco::StreamCopier::copyToString(in, answer);
    if (response.getStatus() >= 300) {
      throw std::runtime_error("fake control " + method + " " + path + ": " +
                               std::to_string(response.getStatus()) + " " + answer);
    }
    return answer.empty() ? nlohmann::json() : nlohmann::json::parse(answer);
  }

  /// Every recorded REST call so far, in order: [{method, path, query, token, identity, body}].
  nlohmann::json calls() { return control("GET", "/__fake/calls").at("calls"); }
  /// The recorded calls with this method whose path starts with `pathPrefix`.
  nlohmann::json callsTo(const std::string& method, const std::string& pathPrefix) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& c : calls()) {
      if (c["method"] == method && c["path"].get<std::string>().rfind(pathPrefix, 0) == 0) {
        out.push_back(c);
      }
    }
    return out;
  }
  /// A REST call as the user of `token`, for tests that set objects up (it is recorded too).
  /// Throws on a non-2xx answer.
  nlohmann::json rest(const std::string& method, const std::string& path,
                      const nlohmann::json& body = nullptr,
                      const std::string& token = "dapi-alice") {
    Poco::Net::HTTPClientSession session("127.0.0.1", static_cast<Poco::UInt16>(port_));
    session.setTimeout(Poco::Timespan(30, 0));
    Poco::Net::HTTPRequest request(method, path, Poco::Net::HTTPMessage::HTTP_1_1);
    request.set("Authorization", "Bearer " + token);
    const std::string text = body.is_null() ? std::string() : body.dump();
    request.setContentType("application/json");
    request.setContentLength(static_cast<std::streamsize>(text.size()));
    session.sendRequest(request) << text;
    Poco::Net::HTTPResponse response;
    std::string answer;
    Poco::StreamCopier::copyToString(session.receiveResponse(response), answer);
    if (response.getStatus() >= 300) {
      throw std::runtime_error(method + " " + path + ": " + std::to_string(response.getStatus()) +
                               " " + answer);
    }
    return answer.empty() ? nlohmann::json() : nlohmann::json::parse(answer);
  }
  /// External-link downloads: [{statement_id, chunk_index, had_authorization, had_signature}].
  nlohmann::json downloads() { return control("GET", "/__fake/calls").at("downloads"); }
  void clearCalls() { control("DELETE", "/__fake/calls"); }
  /// Back to the seed: objects, scripts, faults, settings and calls.
  void reset() { control("POST", "/__fake/reset"); }
  /// {"method","path","status","retry_after","body","content_type","count","delay_ms"}.
  void fault(const nlohmann::json& spec) { control("POST", "/__fake/faults", spec); }
  /// {"match","columns","rows"|"generate_rows","error","pending_polls","reject"}.
  void scriptSql(const nlohmann::json& script) { control("POST", "/__fake/sql", script); }
  /// {"expires_in": N} for the next tokens, or {"expire_all": true}.
  void oauth(const nlohmann::json& spec) { control("POST", "/__fake/oauth", spec); }
  /// {"name": "<pipeline>", "message": "...", "class_name"?}: its next update fails.
  void pipelineFailure(const nlohmann::json& spec) {
    control("POST", "/__fake/pipeline_failure", spec);
  }
  /// Poll counts of the state machines, e.g. {"run_polls": 0}.
  void settings(const nlohmann::json& values) { control("POST", "/__fake/settings", values); }
  /// Every statement the fake received, with catalog, schema, parameters and identity.
  nlohmann::json statements() { return control("GET", "/__fake/statements").at("statements"); }

 private:
  void stop() {
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      int status = 0;
      const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(3);
      while (::waitpid(pid_, &status, WNOHANG) == 0) {
        if (std::chrono::steady_clock::now() > deadline) {
          ::kill(pid_, SIGKILL);
          ::waitpid(pid_, &status, 0);
          break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
      pid_ = -1;
    }
    if (!dir_.empty()) {
      std::error_code ignored;
      std::filesystem::remove_all(dir_, ignored);
      dir_.clear();
    }
  }

  pid_t pid_ = -1;
  int port_ = 0;
  std::string dir_;
  std::string url_;
};

}  // namespace devkit::databricks::testing
