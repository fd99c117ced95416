#include "mcp/stdio_transport.hpp"

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "mcp/json_rpc.hpp"

namespace devkit::mcp {

void runStdio(McpServer& server, const CallContext& context, std::istream& in, std::ostream& out) {
  Session session;
  std::mutex writing;
  const McpServer::Notify write = [&](const nlohmann::json& message) {
    // dump() escapes control characters, so a message never spans lines.
    const std::string line = message.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    std::lock_guard lock(writing);
    out << line << '\n';
    out.flush();
  };
  struct Call {
    std::thread thread;
    std::shared_ptr<std::atomic<bool>> done;
  };
  std::vector<Call> calls;
  const auto reap = [&calls](bool all) {
    // A finished thread keeps its stack until joined: join them as we go.
    for (auto it = calls.begin(); it != calls.end();) {
      if (all || it->done->load()) {
        it->thread.join();
        it = calls.erase(it);
      } else {
        ++it;
      }
    }
  };
  for (std::string line; std::getline(in, line);) {
    reap(false);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.find_first_not_of(" \t") == std::string::npos) continue;
    if (nestingDepth(line) > kMaxNesting) {
      write(rpcError(nullptr, kInvalidRequest,
                     "invalid request: the message nests deeper than " +
                         std::to_string(kMaxNesting) + " levels"));
      continue;
    }
    const nlohmann::json message = nlohmann::json::parse(line, nullptr, false);
    if (message.is_object() && message.value("method", nlohmann::json()) == "tools/call" &&
        message.contains("id")) {
      // Registered before the thread starts: a cancel on the next line must find the call.
      session.beginCall(message["id"]);
      auto done = std::make_shared<std::atomic<bool>>(false);
      std::thread thread([&server, &session, &context, &write, message, done] {
        if (const auto response = server.handle(message, session, context, write)) {
          write(*response);
        }
        session.endCall(message["id"]);  // when the call was refused before it started
        done->store(true);
      });
      calls.push_back(Call{std::move(thread), std::move(done)});
      continue;
    }
    if (const auto response = server.handleText(line, session, context, write)) write(*response);
  }
  reap(true);
}

}  // namespace devkit::mcp
