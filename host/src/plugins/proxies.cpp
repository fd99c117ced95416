#include "plugins/proxies.hpp"

#include <atomic>
#include <cstddef>
#include <cstring>
#include <mutex>
#include <utility>
#include <vector>

#include "logging/logging.hpp"
#include "plugins/host_sinks.hpp"

namespace devkit::plugins {
namespace {

dk_status normalise(dk_status status) {
  return status >= DK_OK && status <= DK_ERR_INTERNAL ? status : DK_ERR_INTERNAL;
}

// Runs one vtable call with output and error sinks and contains whatever goes wrong.
template <class F>
core::CallOutcome invoke(const std::string& pluginId, F&& f) {
  StringSink out(kMaxCallOutputBytes);
  StringSink err(64 * 1024);
  core::CallOutcome outcome;
  try {
    const dk_status raw = f(out.get(), err.get());
    outcome.status = normalise(raw);
    if (outcome.status != raw) {
      err.text() = "plugin '" + pluginId + "' returned an invalid status (" +
                   std::to_string(static_cast<int>(raw)) + ")" +
                   (err.text().empty() ? "" : ": " + err.text());
    }
  } catch (const std::exception& e) {
    outcome.status = DK_ERR_INTERNAL;
    err.text() = "plugin '" + pluginId + "' let an exception escape: " + e.what();
  } catch (...) {
    outcome.status = DK_ERR_INTERNAL;
    err.text() = "plugin '" + pluginId + "' let an unknown exception escape";
  }
  if (out.overflowed() && outcome.status == DK_OK) {
    outcome.status = DK_ERR_INTERNAL;
    err.text() = "plugin '" + pluginId + "' output exceeded the host's limit";
  }
  outcome.output = std::move(out.text());
  outcome.error = std::move(err.text());
  return outcome;
}

// destroy() runs in destructors (noexcept): a non-SDK plugin that throws from it must not take the
// host down with std::terminate.
template <class Vtbl>
void destroyInstance(const std::string& pluginId, const Vtbl* vtbl, void* self) noexcept {
  try {
    vtbl->destroy(self);
  } catch (...) {
    try {
      logging::get("plugins")->error("plugin '{}' threw from destroy(); instance abandoned",
                                     pluginId);
    } catch (...) {
    }
  }
}

template <class Vtbl>
nlohmann::json healthOf(const std::string& pluginId, const Vtbl* vtbl, void* self) {
  const core::CallOutcome o =
      invoke(pluginId, [&](const dk_sink* out, const dk_sink*) { return vtbl->health(self, out); });
  nlohmann::json parsed = nlohmann::json::parse(o.output, nullptr, false);
  if (parsed.is_discarded() || !parsed.is_object() || !parsed.contains("status") ||
      !parsed["status"].is_string()) {
    return {{"status", "down"}, {"detail", "the plugin's health answer is not a valid object"}};
  }
  return parsed;
}

// Calls a factory; checks the vtable it returned is at least as large as this host's v1 layout.
template <class Vtbl, class Factory>
std::pair<void*, const Vtbl*> create(const std::shared_ptr<LoadedLibrary>& lib, Factory factory,
                                     const char* kind, const std::string& configJson,
                                     size_t minimumVtblSize) {
  void* self = nullptr;
  const Vtbl* vtbl = nullptr;
  const core::CallOutcome o = invoke(lib->id, [&](const dk_sink*, const dk_sink* err) {
    return factory(toStr(configJson), &self, &vtbl, err);
  });
  if (!o.ok()) {
    throw PluginError("plugin '" + lib->id + "' (" + lib->path + "): creating its " + kind +
                      " failed (" + statusName(o.status) + ")" +
                      (o.error.empty() ? "" : ": " + o.error));
  }
  // Every v1 function pointer must be set: the table is a struct_size followed by pointers.
  static_assert(offsetof(Vtbl, struct_size) == 0 && alignof(Vtbl) == alignof(void*));
  bool complete = vtbl != nullptr && vtbl->struct_size >= minimumVtblSize;
  for (size_t off = alignof(void*); complete && off + sizeof(void*) <= minimumVtblSize;
       off += sizeof(void*)) {
    void* fn = nullptr;
    std::memcpy(&fn, reinterpret_cast<const char*>(vtbl) + off, sizeof(fn));
    complete = fn != nullptr;
  }
  if (self == nullptr || !complete) {
    if (self != nullptr && vtbl != nullptr && vtbl->destroy != nullptr) {
      destroyInstance(lib->id, vtbl, self);
    }
    throw PluginError("plugin '" + lib->id + "' (" + lib->path + "): its " + kind +
                      " factory returned no instance or a malformed function table");
  }
  return {self, vtbl};
}

class ToolProviderProxy final : public core::ToolProvider {
 public:
  ToolProviderProxy(std::shared_ptr<LoadedLibrary> lib, void* self,
                    const dk_tool_provider_vtbl* vtbl)
      : lib_(std::move(lib)), self_(self), vtbl_(vtbl) {}
  ~ToolProviderProxy() override { destroyInstance(lib_->id, vtbl_, self_); }

  core::CallOutcome listTools() override {
    return invoke(lib_->id, [&](const dk_sink* out, const dk_sink* err) {
      return vtbl_->list_tools(self_, out, err);
    });
  }
  core::CallOutcome callTool(const core::ToolCallRequest& request) override {
    CallbackSink progress(request.onProgress ? request.onProgress
                                             : [](std::string_view) { return true; });
    CallbackSink log(request.onLog ? request.onLog : [](std::string_view) { return true; });
    CancelView cancel(request.cancelled);
    dk_tool_call call{};
    call.struct_size = sizeof(dk_tool_call);
    call.name = toStr(request.name);
    call.arguments_json = toStr(request.argumentsJson);
    call.context_json = toStr(request.contextJson);
    call.progress = progress.get();
    call.cancel = cancel.get();
    call.log = log.get();
    return invoke(lib_->id, [&](const dk_sink* out, const dk_sink* err) {
      return vtbl_->call_tool(self_, &call, out, err);
    });
  }
  nlohmann::json health() override { return healthOf(lib_->id, vtbl_, self_); }

 private:
  std::shared_ptr<LoadedLibrary> lib_;  // first: outlives the instance
  void* self_;
  const dk_tool_provider_vtbl* vtbl_;
};

class AgentBackendProxy final : public core::AgentBackend {
 public:
  AgentBackendProxy(std::shared_ptr<LoadedLibrary> lib, void* self,
                    const dk_agent_backend_vtbl* vtbl)
      : lib_(std::move(lib)), self_(self), vtbl_(vtbl) {}
  ~AgentBackendProxy() override { destroyInstance(lib_->id, vtbl_, self_); }

  core::CallOutcome startTurn(const std::string& requestJson,
                              std::function<bool(std::string_view)> onEvent) override {
    // The event sink must live until the plugin writes "done" (abi.h): the proxy keeps it and
    // drops it at the next start once its turn has ended, or with the proxy after destroy().
    auto finished = std::make_shared<std::atomic<bool>>(false);
    auto sink = std::make_shared<CallbackSink>(
        [onEvent = std::move(onEvent), finished](std::string_view event) {
          const bool ok = onEvent(event);
          if (event.find("\"done\"") != std::string_view::npos && isDoneEvent(event)) {
            finished->store(true);
          }
          return ok;
        });
    {
      std::lock_guard lock(mutex_);
      std::erase_if(liveSinks_, [](const LiveSink& s) { return s.finished->load(); });
      liveSinks_.push_back({sink, finished});
    }
    core::CallOutcome o = invoke(lib_->id, [&](const dk_sink*, const dk_sink* err) {
      return vtbl_->start_turn(self_, toStr(requestJson), sink->get(), err);
    });
    if (!o.ok()) finished->store(true);  // no event is ever written for a turn that did not start
    return o;
  }
  core::CallOutcome sendInput(const std::string& runId, const std::string& inputJson) override {
    return invoke(lib_->id, [&](const dk_sink*, const dk_sink* err) {
      return vtbl_->send_input(self_, toStr(runId), toStr(inputJson), err);
    });
  }
  core::CallOutcome closeSessions(const std::string& optionsJson) override {
    return invoke(lib_->id, [&](const dk_sink*, const dk_sink* err) {
      return vtbl_->close_sessions(self_, toStr(optionsJson), err);
    });
  }
  nlohmann::json health() override { return healthOf(lib_->id, vtbl_, self_); }

 private:
  std::shared_ptr<LoadedLibrary> lib_;  // first: outlives the instance
  void* self_;
  const dk_agent_backend_vtbl* vtbl_;
  static bool isDoneEvent(std::string_view event) {
    const auto doc = nlohmann::json::parse(event, nullptr, false);
    return doc.is_object() && doc.value("type", "") == "done";
  }
  struct LiveSink {
    std::shared_ptr<CallbackSink> sink;
    std::shared_ptr<std::atomic<bool>> finished;
  };
  std::mutex mutex_;
  // Event sinks of turns started through this proxy: unfinished ones live until their "done" (or
  // until the proxy, after destroy() has joined the plugin's threads).
  std::vector<LiveSink> liveSinks_;
};

class SkillsSourceProxy final : public core::SkillsSource {
 public:
  SkillsSourceProxy(std::shared_ptr<LoadedLibrary> lib, void* self,
                    const dk_skills_source_vtbl* vtbl)
      : lib_(std::move(lib)), self_(self), vtbl_(vtbl) {}
  ~SkillsSourceProxy() override { destroyInstance(lib_->id, vtbl_, self_); }

  core::CallOutcome listSkills() override {
    return invoke(lib_->id, [&](const dk_sink* out, const dk_sink* err) {
      return vtbl_->list_skills(self_, out, err);
    });
  }
  core::CallOutcome validateSkill(const std::string& skillDir) override {
    return invoke(lib_->id, [&](const dk_sink* out, const dk_sink* err) {
      return vtbl_->validate_skill(self_, toStr(skillDir), out, err);
    });
  }
  core::CallOutcome reload() override {
    return invoke(lib_->id,
                  [&](const dk_sink*, const dk_sink* err) { return vtbl_->reload(self_, err); });
  }
  nlohmann::json health() override { return healthOf(lib_->id, vtbl_, self_); }

 private:
  std::shared_ptr<LoadedLibrary> lib_;  // first: outlives the instance
  void* self_;
  const dk_skills_source_vtbl* vtbl_;
};

class StorageProxy final : public core::Storage {
 public:
  StorageProxy(std::shared_ptr<LoadedLibrary> lib, void* self, const dk_storage_vtbl* vtbl)
      : lib_(std::move(lib)), self_(self), vtbl_(vtbl) {}
  ~StorageProxy() override { destroyInstance(lib_->id, vtbl_, self_); }

  core::CallOutcome call(core::StorageOp op, const std::string& requestJson) override {
    using Fn = dk_status (*)(void*, dk_str, const dk_sink*, const dk_sink*);
    Fn fn = nullptr;
    switch (op) {
      case core::StorageOp::kPutProject:
        fn = vtbl_->put_project;
        break;
      case core::StorageOp::kGetProject:
        fn = vtbl_->get_project;
        break;
      case core::StorageOp::kListProjects:
        fn = vtbl_->list_projects;
        break;
      case core::StorageOp::kDeleteProject:
        fn = vtbl_->delete_project;
        break;
      case core::StorageOp::kPutConversation:
        fn = vtbl_->put_conversation;
        break;
      case core::StorageOp::kGetConversation:
        fn = vtbl_->get_conversation;
        break;
      case core::StorageOp::kListConversations:
        fn = vtbl_->list_conversations;
        break;
      case core::StorageOp::kDeleteConversation:
        fn = vtbl_->delete_conversation;
        break;
      case core::StorageOp::kAppendMessages:
        fn = vtbl_->append_messages;
        break;
      case core::StorageOp::kListMessages:
        fn = vtbl_->list_messages;
        break;
      case core::StorageOp::kPutRun:
        fn = vtbl_->put_run;
        break;
      case core::StorageOp::kGetRun:
        fn = vtbl_->get_run;
        break;
      case core::StorageOp::kListRuns:
        fn = vtbl_->list_runs;
        break;
      case core::StorageOp::kAppendRunEvents:
        fn = vtbl_->append_run_events;
        break;
      case core::StorageOp::kListRunEvents:
        fn = vtbl_->list_run_events;
        break;
      case core::StorageOp::kStatArchive:
        fn = vtbl_->stat_archive;
        break;
      case core::StorageOp::kDeleteArchive:
        fn = vtbl_->delete_archive;
        break;
      case core::StorageOp::kGetState:
        fn = vtbl_->get_state;
        break;
    }
    if (fn == nullptr) {
      return {DK_ERR_UNSUPPORTED, "", "the storage plugin does not implement this operation"};
    }
    return invoke(lib_->id, [&](const dk_sink* out, const dk_sink* err) {
      return fn(self_, toStr(requestJson), out, err);
    });
  }
  core::CallOutcome putArchive(const std::string& requestJson,
                               std::function<int64_t(char*, size_t)> read) override {
    CallbackSource source(std::move(read));
    return invoke(lib_->id, [&](const dk_sink* out, const dk_sink* err) {
      return vtbl_->put_archive(self_, toStr(requestJson), source.get(), out, err);
    });
  }
  core::CallOutcome getArchive(const std::string& requestJson,
                               std::function<bool(std::string_view)> write) override {
    CallbackSink data(std::move(write));
    return invoke(lib_->id, [&](const dk_sink*, const dk_sink* err) {
      return vtbl_->get_archive(self_, toStr(requestJson), data.get(), err);
    });
  }
  core::CallOutcome putState(const std::string& requestJson) override {
    return invoke(lib_->id, [&](const dk_sink*, const dk_sink* err) {
      return vtbl_->put_state(self_, toStr(requestJson), err);
    });
  }
  nlohmann::json health() override { return healthOf(lib_->id, vtbl_, self_); }

 private:
  std::shared_ptr<LoadedLibrary> lib_;  // first: outlives the instance
  void* self_;
  const dk_storage_vtbl* vtbl_;
};

}  // namespace

const char* statusName(dk_status status) {
  switch (status) {
    case DK_STATUS_INVALID:
      return "DK_STATUS_INVALID";
    case DK_OK:
      return "DK_OK";
    case DK_ERR_INVALID_ARGUMENT:
      return "DK_ERR_INVALID_ARGUMENT";
    case DK_ERR_NOT_FOUND:
      return "DK_ERR_NOT_FOUND";
    case DK_ERR_CONFLICT:
      return "DK_ERR_CONFLICT";
    case DK_ERR_UNAVAILABLE:
      return "DK_ERR_UNAVAILABLE";
    case DK_ERR_CANCELLED:
      return "DK_ERR_CANCELLED";
    case DK_ERR_UNSUPPORTED:
      return "DK_ERR_UNSUPPORTED";
    case DK_ERR_PERMISSION:
      return "DK_ERR_PERMISSION";
    case DK_ERR_INTERNAL:
      return "DK_ERR_INTERNAL";
  }
  return "unknown status";
}

std::shared_ptr<core::ToolProvider> createToolProvider(const std::shared_ptr<LoadedLibrary>& lib,
                                                       const std::string& configJson) {
  auto [self, vtbl] = create<dk_tool_provider_vtbl>(
      lib, lib->descriptor.create_tool_provider, "tool provider", configJson,
      offsetof(dk_tool_provider_vtbl, destroy) + sizeof(void*));
  return std::make_shared<ToolProviderProxy>(lib, self, vtbl);
}

std::shared_ptr<core::AgentBackend> createAgentBackend(const std::shared_ptr<LoadedLibrary>& lib,
                                                       const std::string& configJson) {
  auto [self, vtbl] = create<dk_agent_backend_vtbl>(
      lib, lib->descriptor.create_agent_backend, "agent backend", configJson,
      offsetof(dk_agent_backend_vtbl, destroy) + sizeof(void*));
  return std::make_shared<AgentBackendProxy>(lib, self, vtbl);
}

std::shared_ptr<core::SkillsSource> createSkillsSource(const std::shared_ptr<LoadedLibrary>& lib,
                                                       const std::string& configJson) {
  auto [self, vtbl] = create<dk_skills_source_vtbl>(
      lib, lib->descriptor.create_skills_source, "skills source", configJson,
      offsetof(dk_skills_source_vtbl, destroy) + sizeof(void*));
  return std::make_shared<SkillsSourceProxy>(lib, self, vtbl);
}

std::shared_ptr<core::Storage> createStorage(const std::shared_ptr<LoadedLibrary>& lib,
                                             const std::string& configJson) {
  auto [self, vtbl] =
      create<dk_storage_vtbl>(lib, lib->descriptor.create_storage, "storage", configJson,
                              offsetof(dk_storage_vtbl, destroy) + sizeof(void*));
  return std::make_shared<StorageProxy>(lib, self, vtbl);
}

}  // namespace devkit::plugins
