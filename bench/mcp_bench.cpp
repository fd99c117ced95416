// MCP server benchmark:
//   1. the host's overhead on a tools/call whose provider answers at once (hello-tools' hello):
//      latency of `calls` calls after a warm-up, one at a time, over /mcp (an in-process host, one
//      keep-alive connection) and over `devkit mcp --stdio` (a child process, a line in, a line
//      out); ping beside it for the transport and JSON-RPC alone, and the reference server's echo;
//   2. stdio cold start: spawn -> the answer to the first tools/list (after initialize), for
//      `devkit mcp --stdio` and the reference MCP server @modelcontextprotocol/server-everything
//      (Node, bench/mcp-reference, installed by scripts/deps.sh --bench), median of `rounds`.
// Logs are at warn, so the per-call info line is not part of the figures. Loopback only.
//
//   build/bin/mcp_bench [calls] [rounds]
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <numeric>
#include <optional>
#include <string>
#include <vector>

#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>

#include "../tests/integration/test_support.hpp"
#include "identity/user.hpp"
#include "logging/logging.hpp"

extern char** environ;

namespace {

using devkit::testing::TempDir;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

constexpr const char* kReferenceServer = DEVKIT_SOURCE_DIR
    "/bench/mcp-reference/node_modules/@modelcontextprotocol/server-everything/dist/index.js";

double ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

struct Stats {
  double p50 = 0, p99 = 0, mean = 0;
};

Stats stats(std::vector<double> v) {
  Stats s;
  if (v.empty()) return s;
  std::sort(v.begin(), v.end());
  s.p50 = v[v.size() / 2];
  s.p99 = v[static_cast<size_t>(std::ceil(0.99 * static_cast<double>(v.size()))) - 1];
  s.mean = std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size());
  return s;
}

std::string request(int id, const std::string& method, const json& params = nullptr) {
  json message = {{"jsonrpc", "2.0"}, {"id", id}, {"method", method}};
  if (!params.is_null()) message["params"] = params;
  return message.dump();
}

const json kInitialize = {{"protocolVersion", "2025-06-18"},
                          {"capabilities", json::object()},
                          {"clientInfo", {{"name", "mcp_bench"}, {"version", "1"}}}};

/// An MCP server as a child process on pipes, as an MCP client runs one (stderr discarded).
class StdioChild {
 public:
  explicit StdioChild(const std::vector<std::string>& args) {
    int in[2];
    int out[2];
    if (pipe2(in, O_CLOEXEC) != 0 || pipe2(out, O_CLOEXEC) != 0) return;
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, in[0], 0);
    posix_spawn_file_actions_adddup2(&actions, out[1], 1);
    posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
    std::vector<char*> argv;
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    if (posix_spawnp(&pid_, argv[0], &actions, nullptr, argv.data(), environ) != 0) pid_ = -1;
    posix_spawn_file_actions_destroy(&actions);
    close(in[0]);
    close(out[1]);
    in_ = in[1];
    out_ = out[0];
  }
  ~StdioChild() {
    if (in_ >= 0) close(in_);  // EOF: the server exits
    if (pid_ > 0) waitpid(pid_, nullptr, 0);
    if (out_ >= 0) close(out_);
  }
  bool ok() const { return pid_ > 0; }

  bool send(const std::string& text) {
    const std::string framed = text + "\n";
    return write(in_, framed.data(), framed.size()) == static_cast<ssize_t>(framed.size());
  }

  /// The next line, or nullopt when the server closed stdout or was silent for 30 s.
  std::optional<std::string> next() {
    for (;;) {
      if (const size_t end = buffer_.find('\n'); end != std::string::npos) {
        std::string text = buffer_.substr(0, end);
        buffer_.erase(0, end + 1);
        return text;
      }
      pollfd p{out_, POLLIN, 0};
      if (poll(&p, 1, 30000) <= 0) return std::nullopt;
      char chunk[65536];
      const ssize_t n = read(out_, chunk, sizeof chunk);
      if (n <= 0) return std::nullopt;
      buffer_.append(chunk, static_cast<size_t>(n));
    }
  }

  /// Reads up to the answer to request `id` (skipping the server's notifications).
  std::optional<json> answer(int id) {
    while (const auto text = next()) {
      json message = json::parse(*text, nullptr, false);
      if (message.is_object() && message.value("id", json()) == id) return message;
    }
    return std::nullopt;
  }

 private:
  pid_t pid_ = -1;
  int in_ = -1;
  int out_ = -1;
  std::string buffer_;
};

/// initialize, notifications/initialized. False when the server did not answer.
bool handshake(StdioChild& child) {
  if (!child.send(request(0, "initialize", kInitialize)) || !child.answer(0)) return false;
  return child.send(R"({"jsonrpc":"2.0","method":"notifications/initialized"})");
}

/// Latency of `calls` requests made by `make(id)`, one at a time, after `warmup` of them.
std::vector<double> timeStdio(StdioChild& child, int warmup, int calls,
                              const std::function<std::string(int)>& make) {
  std::vector<double> out;
  for (int i = 1; i <= warmup + calls; ++i) {
    const auto started = Clock::now();
    if (!child.send(make(i))) return {};
    const auto answer = child.answer(i);
    if (!answer || !answer->contains("result")) {
      std::fprintf(stderr, "stdio call %d failed: %s\n", i, answer ? answer->dump().c_str() : "-");
      return {};
    }
    if (i > warmup) out.push_back(ms(Clock::now() - started));
  }
  return out;
}

/// Spawn -> the answer to tools/list, after initialize as a client does it.
double coldStart(const std::vector<std::string>& args) {
  const auto started = Clock::now();
  StdioChild child(args);
  if (!child.ok() || !handshake(child) || !child.send(request(1, "tools/list"))) return -1;
  const auto list = child.answer(1);
  if (!list || !list->contains("result")) return -1;
  return ms(Clock::now() - started);
}

/// One keep-alive connection to /mcp with a run's token.
class McpConnection {
 public:
  McpConnection(int port, std::string token)
      : session_("127.0.0.1", static_cast<uint16_t>(port)), token_(std::move(token)) {
    session_.setKeepAlive(true);
    session_.setTimeout(Poco::Timespan(30, 0));
  }

  /// POSTs one message; the answer's body.
  std::string post(const std::string& body) {
    Poco::Net::HTTPRequest request(Poco::Net::HTTPRequest::HTTP_POST, "/mcp",
                                   Poco::Net::HTTPMessage::HTTP_1_1);
    request.setKeepAlive(true);
    request.setContentType("application/json");
    request.set("Accept", "application/json, text/event-stream");
    request.set("Authorization", "Bearer " + token_);
    if (!sessionId_.empty()) request.set("Mcp-Session-Id", sessionId_);
    request.setContentLength(static_cast<std::streamsize>(body.size()));
    session_.sendRequest(request) << body;
    Poco::Net::HTTPResponse response;
    std::istream& in = session_.receiveResponse(response);
    if (sessionId_.empty()) sessionId_ = response.get("Mcp-Session-Id", "");
    std::string text(std::istreambuf_iterator<char>(in), {});
    return text;
  }

 private:
  Poco::Net::HTTPClientSession session_;
  std::string token_;
  std::string sessionId_;
};

std::vector<double> timeHttp(McpConnection& connection, int warmup, int calls,
                             const std::function<std::string(int)>& make) {
  std::vector<double> out;
  for (int i = 1; i <= warmup + calls; ++i) {
    const auto started = Clock::now();
    const std::string body = connection.post(make(i));
    if (body.find("\"result\"") == std::string::npos) {
      std::fprintf(stderr, "/mcp call %d failed: %s\n", i, body.c_str());
      return {};
    }
    if (i > warmup) out.push_back(ms(Clock::now() - started));
  }
  return out;
}

void row(const char* what, const std::vector<double>& samples) {
  if (samples.empty()) {
    std::printf("| %-52s | %9s | %9s | %9s |\n", what, "failed", "", "");
    return;
  }
  const Stats s = stats(samples);
  std::printf("| %-52s | %6.3f ms | %6.3f ms | %6.3f ms |\n", what, s.p50, s.p99, s.mean);
}

void coldRow(const char* what, const std::vector<double>& rounds) {
  std::vector<double> sorted = rounds;
  std::sort(sorted.begin(), sorted.end());
  std::printf("| %-36s | %7.1f ms |", what, sorted.empty() ? -1.0 : sorted[sorted.size() / 2]);
  for (double v : rounds) std::printf(" %.0f", v);
  std::printf(" |\n");
}

}  // namespace

int main(int argc, char** argv) {
  const int calls = argc > 1 ? std::max(1, std::atoi(argv[1])) : 2000;
  const int rounds = argc > 2 ? std::max(1, std::atoi(argv[2])) : 10;
  const int warmup = std::max(50, calls / 10);
  ::signal(SIGPIPE, SIG_IGN);
  devkit::logging::setup("warn", devkit::logging::Format::kText);
  const auto hello = [](int id) {
    return request(id, "tools/call", {{"name", "hello"}, {"arguments", {{"name", "bench"}}}});
  };
  const auto ping = [](int id) { return request(id, "ping"); };
  const auto echo = [](int id) {
    return request(id, "tools/call", {{"name", "echo"}, {"arguments", {{"message", "bench"}}}});
  };

  // /mcp: an in-process host; a fixture-agent run that stays live ("hang") gives the token.
  std::vector<double> httpPing;
  std::vector<double> httpCall;
  {
    TempDir dir;
    const std::string pluginDir = devkit::testing::copyBuiltPlugins(dir);
    std::filesystem::copy_file(std::filesystem::path(DEVKIT_TEST_PLUGIN_DIR) / "fixture-agent.so",
                               std::filesystem::path(pluginDir) / "fixture-agent.so");
    devkit::app::Host host(devkit::testing::loadIni(
        dir, devkit::testing::hostIni(dir,
                                      "[plugin.storage-local]\nenabled = yes\n"
                                      "[plugin.fixture-agent]\nenabled = yes\n"
                                      "[plugin.hello-tools]\nenabled = yes\n[auth]\nmode = dev\n",
                                      pluginDir)));
    host.start();
    const json project = devkit::testing::fetch(host.port(), "POST", "/api/projects",
                                                json{{"name", "bench"}}.dump(), "application/json")
                             .json();
    devkit::identity::User user;
    user.email = host.config().auth.devUserEmail;
    const auto run =
        host.agentRuns().invoke(user, {{"project_id", project["id"]}, {"message", "hang"}});
    McpConnection connection(host.port(), host.mcpTokens().tokenFor(run->info().conversationId));
    connection.post(request(0, "initialize", kInitialize));
    connection.post(R"({"jsonrpc":"2.0","method":"notifications/initialized"})");
    httpPing = timeHttp(connection, warmup, calls, ping);
    httpCall = timeHttp(connection, warmup, calls, hello);
    host.agentRuns().stop(user.email, run->info().id);
    host.stop();
  }

  // stdio: the built devkit with hello-tools only.
  TempDir dir;
  const std::string config = dir.write(
      "devkit.ini", devkit::testing::hostIni(dir, "[plugin.hello-tools]\nenabled = yes\n"));
  const std::vector<std::string> devkitArgs = {DEVKIT_BINARY, "mcp", "--stdio", "--config", config};
  std::vector<double> stdioPing;
  std::vector<double> stdioCall;
  {
    StdioChild child(devkitArgs);
    if (child.ok() && handshake(child)) {
      stdioPing = timeStdio(child, warmup, calls, ping);
      stdioCall = timeStdio(child, warmup, calls, hello);
    }
  }
  const bool haveReference = std::filesystem::exists(kReferenceServer);
  const std::vector<std::string> referenceArgs = {"node", kReferenceServer, "stdio"};
  std::vector<double> referencePing;
  std::vector<double> referenceCall;
  if (haveReference) {
    StdioChild child(referenceArgs);
    if (child.ok() && handshake(child)) {
      referencePing = timeStdio(child, warmup, calls, ping);
      referenceCall = timeStdio(child, warmup, calls, echo);
    }
  }

  // Cold starts, alternating so that both see the same machine load.
  std::vector<double> devkitCold;
  std::vector<double> referenceCold;
  for (int i = 0; i < rounds; ++i) {
    devkitCold.push_back(coldStart(devkitArgs));
    if (haveReference) referenceCold.push_back(coldStart(referenceArgs));
  }

  std::printf("%d calls after %d warm-up calls, one at a time; cold start: %d rounds\n\n", calls,
              warmup, rounds);
  std::printf("| %-52s | %9s | %9s | %9s |\n", "Request", "p50", "p99", "mean");
  std::printf("|%s|%s|%s|%s|\n", std::string(54, '-').c_str(), std::string(11, '-').c_str(),
              std::string(11, '-').c_str(), std::string(11, '-').c_str());
  row("/mcp, keep-alive: ping", httpPing);
  row("/mcp, keep-alive: tools/call hello (hello-tools)", httpCall);
  row("devkit mcp --stdio: ping", stdioPing);
  row("devkit mcp --stdio: tools/call hello (hello-tools)", stdioCall);
  if (haveReference) {
    row("server-everything (Node) stdio: ping", referencePing);
    row("server-everything (Node) stdio: tools/call echo", referenceCall);
  }
  std::printf("\n| %-36s | %10s | rounds (ms) |\n", "Spawn -> first tools/list answer", "median");
  std::printf("|%s|%s|%s|\n", std::string(38, '-').c_str(), std::string(12, '-').c_str(),
              std::string(13, '-').c_str());
  coldRow("devkit mcp --stdio (hello-tools)", devkitCold);
  if (haveReference) {
    coldRow("server-everything (Node)", referenceCold);
  } else {
    std::printf("(reference server not installed: scripts/deps.sh --bench)\n");
  }
  return 0;
}
