#include "agent_plugin_support.hpp"

#include <dlfcn.h>
#include <stdlib.h>

#include <sstream>
#include <stdexcept>

namespace devkit::agent_test {

testing::FakeHost& fakeHost() {
  // Never destroyed: the plugin keeps the host api pointer for the life of the process.
  static auto* host = new testing::FakeHost(DK_LOG_DEBUG);
  return *host;
}

const dk_plugin_descriptor* descriptor() {
  static const dk_plugin_descriptor* d = [] {
    void* lib = ::dlopen(DEVKIT_AGENT_CLAUDE_SO, RTLD_NOW | RTLD_LOCAL);
    if (lib == nullptr) throw std::runtime_error(std::string("dlopen: ") + ::dlerror());
    auto entry = reinterpret_cast<dk_plugin_entry_fn>(::dlsym(lib, DK_PLUGIN_ENTRY_SYMBOL));
    if (entry == nullptr) throw std::runtime_error("agent-claude.so has no dk_plugin_entry");
    const dk_plugin_descriptor* desc = entry(fakeHost().api());
    if (desc == nullptr) throw std::runtime_error("dk_plugin_entry returned NULL");
    return desc;
  }();
  return d;
}

std::vector<json> TurnEvents::events() const {
  std::vector<json> out;
  for (const auto& text : events_.events()) out.push_back(json::parse(text));
  return out;
}

std::vector<json> TurnEvents::ofType(const std::string& type) const {
  std::vector<json> out;
  for (auto& e : events()) {
    if (e.value("type", "") == type) out.push_back(std::move(e));
  }
  return out;
}

json TurnEvents::first(const std::string& type) const {
  const auto all = ofType(type);
  return all.empty() ? json() : all.front();
}

std::string TurnEvents::doneStatus() const {
  const json done = first("done");
  return done.is_null() ? "" : done.value("status", "");
}

std::string TurnEvents::dump() const {
  std::ostringstream out;
  for (const auto& text : events_.events()) out << "  " << text.substr(0, 400) << "\n";
  return out.str();
}

Agent::Agent(const std::string& configJson) {
  testing::CollectingSink err;
  const dk_status st = descriptor()->create_agent_backend(
      dk_str{configJson.data(), configJson.size()}, &self_, &vtbl_, err.get());
  if (st != DK_OK) {
    throw std::runtime_error("create_agent_backend failed (" + std::to_string(st) +
                             "): " + err.text());
  }
}

Agent::~Agent() { destroy(); }

void Agent::destroy() {
  if (self_ != nullptr) vtbl_->destroy(self_);
  self_ = nullptr;
}

testing::CallResult Agent::startTurn(const json& request, TurnEvents& run) {
  const std::string text = request.dump();
  testing::CollectingSink err;
  testing::CallResult r;
  r.status = vtbl_->start_turn(self_, dk_str{text.data(), text.size()}, run.sink(), err.get());
  r.error = err.text();
  return r;
}

testing::CallResult Agent::sendInput(const std::string& runId, const json& input) {
  const std::string text = input.dump();
  testing::CollectingSink err;
  testing::CallResult r;
  r.status = vtbl_->send_input(self_, dk_str{runId.data(), runId.size()},
                               dk_str{text.data(), text.size()}, err.get());
  r.error = err.text();
  return r;
}

testing::CallResult Agent::closeSessions(const json& options) {
  const std::string text = options.dump();
  testing::CollectingSink err;
  testing::CallResult r;
  r.status = vtbl_->close_sessions(self_, dk_str{text.data(), text.size()}, err.get());
  r.error = err.text();
  return r;
}

json Agent::health() const {
  testing::CollectingSink out;
  vtbl_->health(self_, out.get());
  return json::parse(out.text());
}

}  // namespace devkit::agent_test
