// The built mcp-databricks.so driven through its C vtable with the SDK's fake host, as the real
// host's MCP server drives it: arguments and the call context as JSON text, the CallToolResult
// parsed back. Tools talk to the fake workspace (fake_databricks.hpp).
#pragma once

#include <devkit/abi.h>
#include <dlfcn.h>
#include <devkit/testing/fake_host.hpp>

#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace devkit::databricks::testing {

/// The plugin, opened once per test process (a plugin keeps its host api in a static).
class DatabricksPlugin {
 public:
  static DatabricksPlugin& get() {
    static DatabricksPlugin plugin;
    return plugin;
  }
  const dk_plugin_descriptor* descriptor() const { return descriptor_; }
  devkit::testing::FakeHost& host() { return host_; }

 private:
  DatabricksPlugin() {
    const std::string file = std::string(DEVKIT_PLUGIN_OUTPUT_DIR) + "/mcp-databricks.so";
    handle_ = ::dlopen(file.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (handle_ == nullptr) throw std::runtime_error("dlopen " + file + ": " + ::dlerror());
    auto entry = reinterpret_cast<dk_plugin_entry_fn>(::dlsym(handle_, DK_PLUGIN_ENTRY_SYMBOL));
    if (entry == nullptr) throw std::runtime_error("mcp-databricks.so has no dk_plugin_entry");
    descriptor_ = entry(host_.api());
    if (descriptor_ == nullptr) throw std::runtime_error("mcp-databricks.so refused to start");
  }
  devkit::testing::FakeHost host_;
  void* handle_ = nullptr;  // never closed, as in the host
  const dk_plugin_descriptor* descriptor_ = nullptr;
};

/// Progress notes a call wrote, one JSON object per write.
class ProgressRecorder {
 public:
  ProgressRecorder() {
    sink_.struct_size = sizeof(dk_sink);
    sink_.ctx = this;
    sink_.write = [](void* ctx, dk_str chunk) -> dk_status {
      auto* self = static_cast<ProgressRecorder*>(ctx);
      std::lock_guard<std::mutex> lock(self->mutex_);
      self->notes_.push_back(nlohmann::json::parse(
          std::string(chunk.ptr ? chunk.ptr : "", chunk.len), nullptr, false));
      return DK_OK;
    };
  }
  ProgressRecorder(const ProgressRecorder&) = delete;
  ProgressRecorder& operator=(const ProgressRecorder&) = delete;
  const dk_sink* get() const { return &sink_; }
  std::vector<nlohmann::json> notes() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return notes_;
  }

 private:
  dk_sink sink_{};
  mutable std::mutex mutex_;
  std::vector<nlohmann::json> notes_;
};

class ToolHarness {
 public:
  struct Result {
    dk_status status = DK_OK;
    std::string error;   // the protocol-level error text (status != DK_OK)
    nlohmann::json raw;  // the CallToolResult
    bool isError = false;
    std::string text;           // every text block, joined with "\n"
    nlohmann::json structured;  // structuredContent or null
    std::vector<nlohmann::json> progress;
  };

  /// An instance configured for the fake workspace at `url` with alice's PAT, plus `extra`
  /// configuration keys (which override).
  explicit ToolHarness(const std::string& url,
                       const nlohmann::json& extra = nlohmann::json::object())
      : handle_(create(url, extra)) {}

  /// Creates an instance with exactly `config`; throws std::runtime_error with the plugin's error.
  static devkit::testing::ToolProviderHandle create(const std::string& url,
                                                    const nlohmann::json& extra) {
    nlohmann::json config = {{"host", url}, {"token", "dapi-alice"}, {"retry_budget_s", 20}};
    for (const auto& [key, value] : extra.items()) {
      if (value.is_null()) {
        config.erase(key);
      } else {
        config[key] = value;
      }
    }
    return devkit::testing::ToolProviderHandle::create(DatabricksPlugin::get().descriptor(),
                                                       config.dump());
  }

  /// The call context the host sends: `token` non-empty puts the user's own Databricks token
  /// (on behalf of the user) into it; `projectDir` non-empty makes it a call inside a project.
  static nlohmann::json context(const std::string& token = "", const std::string& projectDir = "",
                                const std::string& email = "alice@example.com",
                                const std::string& host = "") {
    return {
        {"user", {{"email", email}, {"name", email.substr(0, email.find('@'))}}},
        {"project_id", projectDir.empty() ? nlohmann::json(nullptr) : nlohmann::json("p1")},
        {"project_dir", projectDir.empty() ? nlohmann::json(nullptr) : nlohmann::json(projectDir)},
        {"run_id", "run-1"},
        {"databricks", token.empty() ? nlohmann::json(nullptr)
                                     : nlohmann::json{{"host", host}, {"token", token}}}};
  }

  Result call(const std::string& tool, const nlohmann::json& args,
              const nlohmann::json& ctx = context(), const dk_cancel* cancel = nullptr) const {
    ProgressRecorder progress;
    const auto r = handle_.call(tool, args.dump(), ctx.dump(), progress.get(), cancel);
    Result out;
    out.status = r.status;
    out.error = r.error;
    out.progress = progress.notes();
    if (r.status != DK_OK) return out;
    out.raw = nlohmann::json::parse(r.output);
    out.isError = out.raw.value("isError", false);
    for (const auto& block : out.raw.value("content", nlohmann::json::array())) {
      if (block.value("type", "") != "text") continue;
      if (!out.text.empty()) out.text += "\n";
      out.text += block.value("text", "");
    }
    out.structured = out.raw.value("structuredContent", nlohmann::json());
    return out;
  }

  nlohmann::json tools() const { return nlohmann::json::parse(handle_.listTools().output); }
  nlohmann::json health() const { return nlohmann::json::parse(handle_.health()); }
  const devkit::testing::ToolProviderHandle& handle() const { return handle_; }

 private:
  devkit::testing::ToolProviderHandle handle_;
};

}  // namespace devkit::databricks::testing
