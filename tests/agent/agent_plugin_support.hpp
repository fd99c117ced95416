// Loads the built agent-claude.so the way the host does (dlopen, RTLD_NOW | RTLD_LOCAL, the one
// entry point) and drives it through the C ABI with the SDK's fake host.
#pragma once

#include <devkit/abi.h>
#include <devkit/testing/fake_host.hpp>

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "../unit/test_files.hpp"

namespace devkit::agent_test {

using nlohmann::json;
using namespace std::chrono_literals;

/// The plugin's descriptor; the library stays loaded for the whole test process, like in the host.
const dk_plugin_descriptor* descriptor();
/// The fake host every instance logs to.
testing::FakeHost& fakeHost();

/// A fresh directory under the temp dir, removed with its content.
using devkit::testing::TempDir;  // tests/unit/test_files.hpp

/// The events of one run.
class TurnEvents {
 public:
  explicit TurnEvents(std::string id) : id_(std::move(id)) {}
  const std::string& id() const { return id_; }
  const dk_sink* sink() const { return events_.get(); }
  /// Waits for the run's done event.
  bool waitDone(std::chrono::milliseconds timeout = 120s) { return waitFor("done", timeout); }
  /// Waits until an event of `type` arrived.
  bool waitFor(const std::string& type, std::chrono::milliseconds timeout = 120s) {
    return events_.waitFor("\"type\":\"" + type + "\"", timeout);
  }
  std::vector<json> events() const;
  std::vector<json> ofType(const std::string& type) const;
  /// The first event of `type`, or null.
  json first(const std::string& type) const;
  /// "completed" / "cancelled" / "failed", or "" before done.
  std::string doneStatus() const;
  /// One line per event, for failure messages.
  std::string dump() const;

 private:
  std::string id_;
  testing::EventCollector events_;
};

/// One agent backend instance; destroyed (every thread joined) with the object.
class Agent {
 public:
  explicit Agent(const std::string& configJson);
  ~Agent();
  Agent(const Agent&) = delete;
  Agent& operator=(const Agent&) = delete;

  testing::CallResult startTurn(const json& request, TurnEvents& run);
  testing::CallResult sendInput(const std::string& runId, const json& input);
  testing::CallResult closeSessions(const json& options);
  json health() const;
  void destroy();

 private:
  void* self_ = nullptr;
  const dk_agent_backend_vtbl* vtbl_ = nullptr;
};

}  // namespace devkit::agent_test
