// devkit/sdk.hpp: header-only C++20 helpers over devkit/abi.h for plugin authors.
//
// Uses the C++ standard library only. A plugin derives one class per kind it provides from the
// bases below (ToolProvider, AgentBackend, SkillsSource, Storage), gives each a constructor
// `Impl(const devkit::sdk::Host&, std::string_view configJson)`, and names them in one
// DK_DEFINE_PLUGIN(...) line. The macro defines the exported entry point, a static descriptor and
// `noexcept` trampolines that turn every exception into a status code plus a message, so nothing
// C++ ever crosses the boundary.
//
// Build plugins with -fvisibility=hidden and a linker version script that exports dk_plugin_entry
// only (cmake/plugin.map; sdk/ABI.md): libstdc++ declares its templates with default visibility, so
// hidden visibility alone still exports their instantiations and GNU_UNIQUE statics.
#pragma once

#include <devkit/abi.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <exception>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

namespace devkit::sdk {

enum class LogLevel : int {
  kTrace = DK_LOG_TRACE,
  kDebug = DK_LOG_DEBUG,
  kInfo = DK_LOG_INFO,
  kWarn = DK_LOG_WARN,
  kError = DK_LOG_ERROR,
};

inline dk_str toStr(std::string_view s) noexcept { return dk_str{s.data(), s.size()}; }
inline std::string_view toView(dk_str s) noexcept {
  return s.ptr == nullptr ? std::string_view() : std::string_view(s.ptr, s.len);
}

/// Throw from plugin code to return a specific status with a message; any other exception becomes
/// DK_ERR_INTERNAL with its what() text. Never escapes the plugin: the trampolines catch it.
class Error : public std::runtime_error {
 public:
  Error(dk_status status, const std::string& message)
      : std::runtime_error(message), status_(status) {}
  dk_status status() const noexcept { return status_; }

 private:
  dk_status status_;
};

/// The host's services as seen by one plugin: logging, host version.
/// OWNERSHIP: a cheap copyable view over the host-owned dk_host_api, valid for the process
/// lifetime. THREADING: every member is thread-safe.
class Host {
 public:
  Host() = default;
  explicit Host(const dk_host_api* api) noexcept : api_(api) {}

  bool logEnabled(LogLevel level) const noexcept {
    return api_ != nullptr && api_->log_enabled != nullptr &&
           api_->log_enabled(api_->host_ctx, static_cast<dk_log_level>(level)) != 0;
  }
  void log(LogLevel level, std::string_view message) const noexcept {
    if (api_ != nullptr && api_->log != nullptr) {
      api_->log(api_->host_ctx, static_cast<dk_log_level>(level), toStr(message));
    }
  }
  void debug(std::string_view m) const noexcept { log(LogLevel::kDebug, m); }
  void info(std::string_view m) const noexcept { log(LogLevel::kInfo, m); }
  void warn(std::string_view m) const noexcept { log(LogLevel::kWarn, m); }
  void error(std::string_view m) const noexcept { log(LogLevel::kError, m); }

  std::string_view hostVersion() const noexcept {
    return api_ == nullptr ? std::string_view() : toView(api_->host_version);
  }
  const dk_host_api* api() const noexcept { return api_; }

 private:
  const dk_host_api* api_ = nullptr;
};

/// A view over a host-owned dk_sink.
/// OWNERSHIP: does not own the sink; valid as long as the sink is (see the function that passed
/// it). THREADING: as the underlying sink: do not write to one sink from two threads at once.
class Sink {
 public:
  Sink() = default;
  explicit Sink(const dk_sink* sink) noexcept : sink_(sink) {}

  /// Writes one chunk; false when the host asks the plugin to stop (reader gone, limit reached).
  bool write(std::string_view chunk) const noexcept {
    if (sink_ == nullptr || sink_->write == nullptr) {
      return false;
    }
    return sink_->write(sink_->ctx, toStr(chunk)) == DK_OK;
  }
  /// Writes one chunk or throws Error(DK_ERR_CANCELLED) when the host asks to stop.
  void writeOrThrow(std::string_view chunk) const {
    if (!write(chunk)) {
      throw Error(DK_ERR_CANCELLED, "the host closed the output");
    }
  }
  bool valid() const noexcept { return sink_ != nullptr && sink_->write != nullptr; }
  const dk_sink* raw() const noexcept { return sink_; }

 private:
  const dk_sink* sink_ = nullptr;
};

/// A view over a host-owned dk_source (archive uploads).
class Source {
 public:
  explicit Source(const dk_source* source) noexcept : source_(source) {}
  /// Returns bytes read (0 at the end); throws Error(DK_ERR_UNAVAILABLE) on a read error.
  size_t read(char* buffer, size_t capacity) const {
    if (source_ == nullptr || source_->read == nullptr) {
      throw Error(DK_ERR_INVALID_ARGUMENT, "no data source");
    }
    const int64_t n = source_->read(source_->ctx, buffer, capacity);
    if (n < 0 || static_cast<uint64_t>(n) > capacity) {
      throw Error(DK_ERR_UNAVAILABLE, "reading the archive data failed");
    }
    return static_cast<size_t>(n);
  }

 private:
  const dk_source* source_;
};

/// A view over a host-owned dk_cancel flag. THREADING: thread-safe.
class CancelToken {
 public:
  CancelToken() = default;
  explicit CancelToken(const dk_cancel* cancel) noexcept : cancel_(cancel) {}
  bool cancelled() const noexcept {
    return cancel_ != nullptr && cancel_->is_cancelled != nullptr &&
           cancel_->is_cancelled(cancel_->ctx) != 0;
  }
  void throwIfCancelled() const {
    if (cancelled()) {
      throw Error(DK_ERR_CANCELLED, "cancelled by the caller");
    }
  }

 private:
  const dk_cancel* cancel_ = nullptr;
};

/// Common base of every kind. health() returns the JSON object described in abi.h.
class Instance {
 public:
  virtual ~Instance() = default;
  /// Cheap, thread-safe: {"status": "ok"|"degraded"|"down"|"unimplemented", "detail": "..."}.
  virtual std::string health() { return R"({"status":"ok"})"; }
};

/// One tools/call (see dk_tool_call). Views are valid during callTool only.
struct ToolCall {
  std::string_view name;
  std::string_view argumentsJson;
  std::string_view contextJson;  // carries credentials: never log it
  Sink progress;                 // one JSON object per write
  CancelToken cancel;
  /// MCP log messages for the client, one {"level", "data", "logger"?} object per write (ABI
  /// 1.1); invalid (writes return false) on a 1.0 host. Same threading as progress.
  Sink log;
};

/// Tool provider kind. THREADING: listTools and callTool are called concurrently.
class ToolProvider : public Instance {
 public:
  /// JSON array of MCP Tool objects, in a stable order.
  virtual std::string listTools() = 0;
  /// MCP CallToolResult JSON; tool failures are results with "isError": true, not exceptions.
  virtual std::string callTool(const ToolCall& call) = 0;
};

/// Agent backend kind. `events` stays valid until the turn's "done" event was written.
class AgentBackend : public Instance {
 public:
  virtual void startTurn(std::string_view requestJson, Sink events) = 0;
  virtual void sendInput(std::string_view runId, std::string_view inputJson) = 0;
  virtual void closeSessions(std::string_view optionsJson) = 0;
};

/// Skills source kind.
class SkillsSource : public Instance {
 public:
  virtual std::string listSkills() = 0;
  virtual std::string validateSkill(std::string_view skillDir) = 0;
  virtual void reload() = 0;
};

/// Storage kind. Every operation defaults to DK_ERR_UNSUPPORTED so that a storage can grow one
/// operation at a time and say honestly what it does not do yet.
class Storage : public Instance {
 public:
  virtual std::string putProject(std::string_view) { unsupported("put_project"); }
  virtual std::string getProject(std::string_view) { unsupported("get_project"); }
  virtual std::string listProjects(std::string_view) { unsupported("list_projects"); }
  virtual std::string deleteProject(std::string_view) { unsupported("delete_project"); }
  virtual std::string putConversation(std::string_view) { unsupported("put_conversation"); }
  virtual std::string getConversation(std::string_view) { unsupported("get_conversation"); }
  virtual std::string listConversations(std::string_view) { unsupported("list_conversations"); }
  virtual std::string deleteConversation(std::string_view) { unsupported("delete_conversation"); }
  virtual std::string appendMessages(std::string_view) { unsupported("append_messages"); }
  virtual std::string listMessages(std::string_view) { unsupported("list_messages"); }
  virtual std::string putRun(std::string_view) { unsupported("put_run"); }
  virtual std::string getRun(std::string_view) { unsupported("get_run"); }
  virtual std::string listRuns(std::string_view) { unsupported("list_runs"); }
  virtual std::string appendRunEvents(std::string_view) { unsupported("append_run_events"); }
  virtual std::string listRunEvents(std::string_view) { unsupported("list_run_events"); }
  virtual std::string putArchive(std::string_view, const Source&) { unsupported("put_archive"); }
  virtual void getArchive(std::string_view, const Sink&) { unsupported("get_archive"); }
  virtual std::string statArchive(std::string_view) { unsupported("stat_archive"); }
  virtual std::string deleteArchive(std::string_view) { unsupported("delete_archive"); }
  virtual void putState(std::string_view) { unsupported("put_state"); }
  virtual std::string getState(std::string_view) { unsupported("get_state"); }

 protected:
  [[noreturn]] static void unsupported(const char* op) {
    throw Error(DK_ERR_UNSUPPORTED, std::string(op) + " is not implemented by this storage plugin");
  }
};

namespace detail {

inline void writeError(const dk_sink* err, std::string_view message) noexcept {
  Sink(err).write(message);
}

// Runs f; every exception becomes a status and a message on err. The heart of "no exceptions
// cross".
template <class F>
dk_status guard(const dk_sink* err, F&& f) noexcept {
  try {
    f();
    return DK_OK;
  } catch (const Error& e) {
    writeError(err, e.what());
    return e.status() == DK_STATUS_INVALID || e.status() == DK_OK ? DK_ERR_INTERNAL : e.status();
  } catch (const std::exception& e) {
    writeError(err, e.what());
    return DK_ERR_INTERNAL;
  } catch (...) {
    writeError(err, "unknown exception in plugin");
    return DK_ERR_INTERNAL;
  }
}

// Writes `text` to out; a refused write becomes DK_ERR_CANCELLED via Error.
inline void emit(const dk_sink* out, std::string_view text) { Sink(out).writeOrThrow(text); }

inline std::string escapeForJson(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      static const char* kHex = "0123456789abcdef";
      out += "\\u00";
      out += kHex[(c >> 4) & 0xF];
      out += kHex[c & 0xF];
    } else {
      out += c;
    }
  }
  return out;
}

template <class Impl>
dk_status healthOf(void* self, const dk_sink* out) noexcept {
  try {
    return Sink(out).write(static_cast<Impl*>(self)->health()) ? DK_OK : DK_ERR_CANCELLED;
  } catch (const std::exception& e) {
    Sink(out).write(std::string(R"({"status":"down","detail":")") + escapeForJson(e.what()) +
                    "\"}");
  } catch (...) {
    Sink(out).write(R"({"status":"down","detail":"health check threw"})");
  }
  return DK_ERR_INTERNAL;
}

template <class Impl>
void destroyOf(void* self) noexcept {
  delete static_cast<Impl*>(self);
}

// Constructs Impl(host, config) behind a guard; used by every factory.
template <class Impl, class Vtbl>
dk_status createInstance(const Host& host, dk_str config, void** outSelf, const Vtbl** outVtbl,
                         const Vtbl* vtbl, const dk_sink* err) noexcept {
  if (outSelf == nullptr || outVtbl == nullptr) {
    writeError(err, "factory called without output pointers");
    return DK_ERR_INVALID_ARGUMENT;
  }
  *outSelf = nullptr;
  *outVtbl = nullptr;
  return guard(err, [&] {
    Impl* impl = new Impl(host, toView(config));
    *outSelf = impl;
    *outVtbl = vtbl;
  });
}

template <class Impl>
struct ToolProviderGlue {
  static dk_status listTools(void* self, const dk_sink* out, const dk_sink* err) noexcept {
    return guard(err, [&] { emit(out, static_cast<Impl*>(self)->listTools()); });
  }
  static dk_status callTool(void* self, const dk_tool_call* call, const dk_sink* out,
                            const dk_sink* err) noexcept {
    return guard(err, [&] {
      if (call == nullptr ||
          call->struct_size < offsetof(dk_tool_call, cancel) + sizeof(call->cancel)) {
        throw Error(DK_ERR_INVALID_ARGUMENT, "malformed dk_tool_call");
      }
      const bool hasLog = call->struct_size >= offsetof(dk_tool_call, log) + sizeof(call->log);
      ToolCall c{toView(call->name),         toView(call->arguments_json),
                 toView(call->context_json), Sink(call->progress),
                 CancelToken(call->cancel),  Sink(hasLog ? call->log : nullptr)};
      emit(out, static_cast<Impl*>(self)->callTool(c));
    });
  }
  static const dk_tool_provider_vtbl* vtbl() noexcept {
    static const dk_tool_provider_vtbl v{sizeof(dk_tool_provider_vtbl), &listTools, &callTool,
                                         &healthOf<Impl>, &destroyOf<Impl>};
    return &v;
  }
};

template <class Impl>
struct AgentBackendGlue {
  static dk_status startTurn(void* self, dk_str request, const dk_sink* events,
                             const dk_sink* err) noexcept {
    return guard(err, [&] { static_cast<Impl*>(self)->startTurn(toView(request), Sink(events)); });
  }
  static dk_status sendInput(void* self, dk_str runId, dk_str input, const dk_sink* err) noexcept {
    return guard(err, [&] { static_cast<Impl*>(self)->sendInput(toView(runId), toView(input)); });
  }
  static dk_status closeSessions(void* self, dk_str options, const dk_sink* err) noexcept {
    return guard(err, [&] { static_cast<Impl*>(self)->closeSessions(toView(options)); });
  }
  static const dk_agent_backend_vtbl* vtbl() noexcept {
    static const dk_agent_backend_vtbl v{sizeof(dk_agent_backend_vtbl),
                                         &startTurn,
                                         &sendInput,
                                         &closeSessions,
                                         &healthOf<Impl>,
                                         &destroyOf<Impl>};
    return &v;
  }
};

template <class Impl>
struct SkillsSourceGlue {
  static dk_status listSkills(void* self, const dk_sink* out, const dk_sink* err) noexcept {
    return guard(err, [&] { emit(out, static_cast<Impl*>(self)->listSkills()); });
  }
  static dk_status validateSkill(void* self, dk_str dir, const dk_sink* out,
                                 const dk_sink* err) noexcept {
    return guard(err, [&] { emit(out, static_cast<Impl*>(self)->validateSkill(toView(dir))); });
  }
  static dk_status reload(void* self, const dk_sink* err) noexcept {
    return guard(err, [&] { static_cast<Impl*>(self)->reload(); });
  }
  static const dk_skills_source_vtbl* vtbl() noexcept {
    static const dk_skills_source_vtbl v{sizeof(dk_skills_source_vtbl),
                                         &listSkills,
                                         &validateSkill,
                                         &reload,
                                         &healthOf<Impl>,
                                         &destroyOf<Impl>};
    return &v;
  }
};

template <class Impl>
struct StorageGlue {
  using Method = std::string (Storage::*)(std::string_view);
  template <Method M>
  static dk_status op(void* self, dk_str request, const dk_sink* out, const dk_sink* err) noexcept {
    return guard(err, [&] {
      Storage* storage = static_cast<Impl*>(self);
      emit(out, (storage->*M)(toView(request)));
    });
  }
  static dk_status putArchive(void* self, dk_str request, const dk_source* data, const dk_sink* out,
                              const dk_sink* err) noexcept {
    return guard(err, [&] {
      emit(out, static_cast<Impl*>(self)->putArchive(toView(request), Source(data)));
    });
  }
  static dk_status getArchive(void* self, dk_str request, const dk_sink* data,
                              const dk_sink* err) noexcept {
    return guard(err, [&] { static_cast<Impl*>(self)->getArchive(toView(request), Sink(data)); });
  }
  static dk_status putState(void* self, dk_str request, const dk_sink* err) noexcept {
    return guard(err, [&] { static_cast<Impl*>(self)->putState(toView(request)); });
  }
  static const dk_storage_vtbl* vtbl() noexcept {
    static const dk_storage_vtbl v{sizeof(dk_storage_vtbl),
                                   &op<&Storage::putProject>,
                                   &op<&Storage::getProject>,
                                   &op<&Storage::listProjects>,
                                   &op<&Storage::deleteProject>,
                                   &op<&Storage::putConversation>,
                                   &op<&Storage::getConversation>,
                                   &op<&Storage::listConversations>,
                                   &op<&Storage::deleteConversation>,
                                   &op<&Storage::appendMessages>,
                                   &op<&Storage::listMessages>,
                                   &op<&Storage::putRun>,
                                   &op<&Storage::getRun>,
                                   &op<&Storage::listRuns>,
                                   &op<&Storage::appendRunEvents>,
                                   &op<&Storage::listRunEvents>,
                                   &putArchive,
                                   &getArchive,
                                   &op<&Storage::statArchive>,
                                   &op<&Storage::deleteArchive>,
                                   &putState,
                                   &op<&Storage::getState>,
                                   &healthOf<Impl>,
                                   &destroyOf<Impl>};
    return &v;
  }
};

// One Plugin<Impls...> per plugin: its descriptor and the host api it was given.
template <class... Impls>
struct Plugin {
  static inline Host host_;
  static inline dk_plugin_descriptor descriptor_{};

  template <class Base>
  static constexpr int countOf() {
    return (0 + ... + (std::is_base_of_v<Base, Impls> ? 1 : 0));
  }
  static_assert(sizeof...(Impls) > 0, "DK_DEFINE_PLUGIN needs at least one implementation class");
  static_assert(countOf<ToolProvider>() <= 1 && countOf<AgentBackend>() <= 1 &&
                    countOf<SkillsSource>() <= 1 && countOf<Storage>() <= 1,
                "at most one implementation class per kind");
  static_assert(
      ((std::is_base_of_v<ToolProvider, Impls> || std::is_base_of_v<AgentBackend, Impls> ||
        std::is_base_of_v<SkillsSource, Impls> || std::is_base_of_v<Storage, Impls>)&&...),
      "every implementation class must derive from a devkit::sdk kind base");

  template <class Impl>
  static void fill(dk_plugin_descriptor& d) noexcept {
    if constexpr (std::is_base_of_v<ToolProvider, Impl>) {
      d.tool_provider_version = DK_TOOL_PROVIDER_INTERFACE_VERSION;
      d.create_tool_provider = [](dk_str cfg, void** self, const dk_tool_provider_vtbl** vtbl,
                                  const dk_sink* err) noexcept {
        return createInstance<Impl>(host_, cfg, self, vtbl, ToolProviderGlue<Impl>::vtbl(), err);
      };
    } else if constexpr (std::is_base_of_v<AgentBackend, Impl>) {
      d.agent_backend_version = DK_AGENT_BACKEND_INTERFACE_VERSION;
      d.create_agent_backend = [](dk_str cfg, void** self, const dk_agent_backend_vtbl** vtbl,
                                  const dk_sink* err) noexcept {
        return createInstance<Impl>(host_, cfg, self, vtbl, AgentBackendGlue<Impl>::vtbl(), err);
      };
    } else if constexpr (std::is_base_of_v<SkillsSource, Impl>) {
      d.skills_source_version = DK_SKILLS_SOURCE_INTERFACE_VERSION;
      d.create_skills_source = [](dk_str cfg, void** self, const dk_skills_source_vtbl** vtbl,
                                  const dk_sink* err) noexcept {
        return createInstance<Impl>(host_, cfg, self, vtbl, SkillsSourceGlue<Impl>::vtbl(), err);
      };
    } else {
      d.storage_version = DK_STORAGE_INTERFACE_VERSION;
      d.create_storage = [](dk_str cfg, void** self, const dk_storage_vtbl** vtbl,
                            const dk_sink* err) noexcept {
        return createInstance<Impl>(host_, cfg, self, vtbl, StorageGlue<Impl>::vtbl(), err);
      };
    }
  }

  static const dk_plugin_descriptor* entry(const dk_host_api* host, const char* id,
                                           const char* version, const char* description,
                                           const char* schema) noexcept {
    // A host of another major speaks another language: refuse rather than guess.
    if (host == nullptr || host->struct_size < sizeof(uint32_t) * 3 ||
        host->abi_major != DK_ABI_MAJOR) {
      return nullptr;
    }
    host_ = Host(host);
    dk_plugin_descriptor d{};
    d.struct_size = sizeof(dk_plugin_descriptor);
    d.abi_major = DK_ABI_MAJOR;
    d.abi_minor = DK_ABI_MINOR;
    d.id = id;
    d.version = version;
    d.description = description;
    d.config_schema_json = schema;
    (fill<Impls>(d), ...);
    descriptor_ = d;
    return &descriptor_;
  }
};

}  // namespace detail
}  // namespace devkit::sdk

/// Defines the plugin's exported entry point. ID, VERSION, DESCRIPTION: string literals; SCHEMA: a
/// const char* with the JSON Schema of the plugin's INI section (or nullptr); then one
/// implementation class per kind provided, e.g.
///   DK_DEFINE_PLUGIN("hello-tools", "1.0.0", "Two example tools", kSchema, HelloTools)
#define DK_DEFINE_PLUGIN(ID, VERSION, DESCRIPTION, SCHEMA, ...)                               \
  extern "C" DK_EXPORT const dk_plugin_descriptor* dk_plugin_entry(const dk_host_api* host) { \
    return ::devkit::sdk::detail::Plugin<__VA_ARGS__>::entry(host, ID, VERSION, DESCRIPTION,  \
                                                             SCHEMA);                         \
  }
