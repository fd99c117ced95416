// The SDK (sdk.hpp) and its test kit (testing/fake_host.hpp) without the host: the trampolines that
// DK_DEFINE_PLUGIN generates turn every exception into a status plus a message, and a built plugin
// can be unit-tested with FakeHost exactly as a third party would.
#include <devkit/abi.h>
#include <devkit/sdk.hpp>
#include <devkit/testing/fake_host.hpp>

#include <dlfcn.h>

#include <stdexcept>
#include <string>
#include <string_view>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "abi_test_support.hpp"

namespace devkit::abi_test {
namespace {

using testing::CollectingSink;
using testing::FakeHost;
using ::testing::HasSubstr;
using testing::ToolProviderHandle;

// A tool provider whose behaviour each tool name selects.
class Scripted final : public sdk::ToolProvider {
 public:
  Scripted(const sdk::Host& host, std::string_view configJson) : host_(host) {
    if (configJson == "throw") throw sdk::Error(DK_ERR_PERMISSION, "no entry for you");
    host_.info("scripted ready");
  }
  std::string listTools() override { return "[]"; }
  std::string callTool(const sdk::ToolCall& call) override {
    if (call.name == "error") throw sdk::Error(DK_ERR_CONFLICT, "busy right now");
    if (call.name == "error-ok") throw sdk::Error(DK_OK, "an error that claims success");
    if (call.name == "error-invalid") throw sdk::Error(DK_STATUS_INVALID, "zero status");
    if (call.name == "std") throw std::logic_error("plain std exception");
    if (call.name == "int") throw 7;
    if (call.name == "progress") {
      call.progress.write(R"({"progress":1})");
      call.progress.write(R"({"progress":2})");
      return R"({"content":[]})";
    }
    if (call.name == "cancel") {
      call.cancel.throwIfCancelled();
      return R"({"content":[]})";
    }
    if (call.name == "echo") {
      return std::string(call.argumentsJson) + "|" + std::string(call.contextJson);
    }
    throw sdk::Error(DK_ERR_NOT_FOUND, "unknown tool");
  }
  std::string health() override {
    if (healthThrows) throw std::runtime_error("sensor \"7\" broke\n badly");
    return R"({"status":"ok"})";
  }
  static inline bool healthThrows = false;

 private:
  sdk::Host host_;
};

class EmptyStorage final : public sdk::Storage {
 public:
  EmptyStorage(const sdk::Host&, std::string_view) {}
};

using ScriptedPlugin = sdk::detail::Plugin<Scripted>;
using TwoKindPlugin = sdk::detail::Plugin<Scripted, EmptyStorage>;

const dk_plugin_descriptor* scriptedEntry(const dk_host_api* host) {
  return ScriptedPlugin::entry(host, "scripted", "1.0.0", "test", nullptr);
}

class SdkGlue : public ::testing::Test {
 protected:
  void SetUp() override {
    descriptor_ = scriptedEntry(host_.api());
    ASSERT_NE(descriptor_, nullptr);
  }
  void TearDown() override { Scripted::healthThrows = false; }

  FakeHost host_;
  const dk_plugin_descriptor* descriptor_ = nullptr;
};

TEST_F(SdkGlue, DescriptorDeclaresOnlyTheProvidedKinds) {
  EXPECT_EQ(descriptor_->struct_size, sizeof(dk_plugin_descriptor));
  EXPECT_EQ(descriptor_->abi_major, DK_ABI_MAJOR);
  EXPECT_EQ(descriptor_->abi_minor, DK_ABI_MINOR);
  EXPECT_STREQ(descriptor_->id, "scripted");
  EXPECT_EQ(descriptor_->tool_provider_version, DK_TOOL_PROVIDER_INTERFACE_VERSION);
  EXPECT_NE(descriptor_->create_tool_provider, nullptr);
  EXPECT_EQ(descriptor_->storage_version, 0u);
  EXPECT_EQ(descriptor_->create_storage, nullptr);
  EXPECT_EQ(descriptor_->create_agent_backend, nullptr);
  EXPECT_EQ(descriptor_->create_skills_source, nullptr);

  const dk_plugin_descriptor* two =
      TwoKindPlugin::entry(host_.api(), "two", "1.0.0", nullptr, nullptr);
  ASSERT_NE(two, nullptr);
  EXPECT_EQ(two->tool_provider_version, DK_TOOL_PROVIDER_INTERFACE_VERSION);
  EXPECT_EQ(two->storage_version, DK_STORAGE_INTERFACE_VERSION);
}

TEST_F(SdkGlue, EntryRefusesAHostOfAnotherMajor) {
  FakeHost other;
  other.mutableApi().abi_major = DK_ABI_MAJOR + 1;
  EXPECT_EQ(scriptedEntry(other.api()), nullptr);
  EXPECT_EQ(scriptedEntry(nullptr), nullptr);
}

TEST_F(SdkGlue, ConstructorLogsThroughTheHost) {
  ToolProviderHandle::create(descriptor_, "{}");
  EXPECT_TRUE(host_.logged("scripted ready"));
}

TEST_F(SdkGlue, ConstructorErrorBecomesTheFactoryStatus) {
  CollectingSink err;
  void* self = reinterpret_cast<void*>(1);
  const dk_tool_provider_vtbl* vtbl = nullptr;
  EXPECT_EQ(descriptor_->create_tool_provider({"throw", 5}, &self, &vtbl, err.get()),
            DK_ERR_PERMISSION);
  EXPECT_EQ(err.text(), "no entry for you");
  EXPECT_EQ(self, nullptr);
  EXPECT_EQ(vtbl, nullptr);
}

TEST_F(SdkGlue, FactoryWithoutOutputPointersIsInvalidArgument) {
  CollectingSink err;
  EXPECT_EQ(descriptor_->create_tool_provider({"{}", 2}, nullptr, nullptr, err.get()),
            DK_ERR_INVALID_ARGUMENT);
  EXPECT_FALSE(err.text().empty());
}

TEST_F(SdkGlue, ExceptionsBecomeStatusesWithMessages) {
  const auto tools = ToolProviderHandle::create(descriptor_, "{}");
  struct Case {
    const char* tool;
    dk_status status;
    const char* message;
  };
  for (const Case& c : {Case{"error", DK_ERR_CONFLICT, "busy right now"},
                        Case{"error-ok", DK_ERR_INTERNAL, "an error that claims success"},
                        Case{"error-invalid", DK_ERR_INTERNAL, "zero status"},
                        Case{"std", DK_ERR_INTERNAL, "plain std exception"},
                        Case{"int", DK_ERR_INTERNAL, "unknown exception in plugin"},
                        Case{"missing", DK_ERR_NOT_FOUND, "unknown tool"}}) {
    const auto r = tools.call(c.tool, "{}");
    EXPECT_EQ(r.status, c.status) << c.tool;
    EXPECT_EQ(r.error, c.message) << c.tool;
    EXPECT_EQ(r.output, "") << c.tool;
  }
}

TEST_F(SdkGlue, CallSeesArgumentsContextProgressAndCancel) {
  const auto tools = ToolProviderHandle::create(descriptor_, "{}");
  EXPECT_EQ(tools.call("echo", R"({"a":1})", R"({"run_id":"r"})").output,
            R"({"a":1}|{"run_id":"r"})");

  testing::EventCollector progress;
  EXPECT_EQ(tools.call("progress", "{}", "{}", progress.get()).status, DK_OK);
  EXPECT_THAT(progress.events(), ::testing::ElementsAre(R"({"progress":1})", R"({"progress":2})"));

  testing::CancelFlag cancel;
  EXPECT_EQ(tools.call("cancel", "{}", "{}", nullptr, cancel.get()).status, DK_OK);
  cancel.cancel();
  EXPECT_EQ(tools.call("cancel", "{}", "{}", nullptr, cancel.get()).status, DK_ERR_CANCELLED);
}

TEST_F(SdkGlue, RefusedOutputBecomesCancelled) {
  const auto tools = ToolProviderHandle::create(descriptor_, "{}");
  CollectingSink out(4);  // too small for the answer
  CollectingSink err;
  dk_tool_call call{};
  call.struct_size = sizeof(dk_tool_call);
  call.name = testing::str("echo");
  call.arguments_json = testing::str("{}");
  call.context_json = testing::str("{}");
  EXPECT_EQ(tools.vtbl()->call_tool(tools.self(), &call, out.get(), err.get()), DK_ERR_CANCELLED);
  EXPECT_THAT(err.text(), HasSubstr("closed the output"));
}

TEST_F(SdkGlue, MalformedToolCallIsInvalidArgument) {
  const auto tools = ToolProviderHandle::create(descriptor_, "{}");
  CollectingSink out, err;
  EXPECT_EQ(tools.vtbl()->call_tool(tools.self(), nullptr, out.get(), err.get()),
            DK_ERR_INVALID_ARGUMENT);
  dk_tool_call tiny{};
  tiny.struct_size = sizeof(uint32_t);
  EXPECT_EQ(tools.vtbl()->call_tool(tools.self(), &tiny, out.get(), err.get()),
            DK_ERR_INVALID_ARGUMENT);
  EXPECT_THAT(err.text(), HasSubstr("malformed dk_tool_call"));
}

TEST_F(SdkGlue, ThrowingHealthIsReportedDownAsValidJson) {
  const auto tools = ToolProviderHandle::create(descriptor_, "{}");
  EXPECT_EQ(tools.health(), R"({"status":"ok"})");
  Scripted::healthThrows = true;
  const nlohmann::json health = nlohmann::json::parse(tools.health());
  EXPECT_EQ(health["status"], "down");
  EXPECT_EQ(health["detail"], "sensor \"7\" broke\n badly");
}

TEST_F(SdkGlue, StorageOperationsDefaultToUnsupported) {
  const dk_plugin_descriptor* d =
      TwoKindPlugin::entry(host_.api(), "two", "1.0.0", nullptr, nullptr);
  auto storage = testing::InstanceHandle<dk_storage_vtbl>::create(d->create_storage, "{}");
  CollectingSink out, err;
  EXPECT_EQ(storage.vtbl()->get_project(storage.self(), testing::str("{}"), out.get(), err.get()),
            DK_ERR_UNSUPPORTED);
  EXPECT_EQ(err.text(), "get_project is not implemented by this storage plugin");
  CollectingSink err2;
  testing::BufferSource data("bytes");
  EXPECT_EQ(storage.vtbl()->put_archive(storage.self(), testing::str("{}"), data.get(), out.get(),
                                        err2.get()),
            DK_ERR_UNSUPPORTED);
  EXPECT_THAT(err2.text(), HasSubstr("put_archive"));
  EXPECT_EQ(storage.health(), R"({"status":"ok"})");
}

TEST(SdkViews, HostWithoutApiIsSilent) {
  const sdk::Host none;
  EXPECT_FALSE(none.logEnabled(sdk::LogLevel::kError));
  none.error("goes nowhere");
  EXPECT_EQ(none.hostVersion(), "");
}

TEST(SdkViews, HostHonoursTheLogThreshold) {
  FakeHost fake(DK_LOG_WARN);
  const sdk::Host host(fake.api());
  EXPECT_FALSE(host.logEnabled(sdk::LogLevel::kInfo));
  EXPECT_TRUE(host.logEnabled(sdk::LogLevel::kError));
  host.warn("careful");
  ASSERT_EQ(fake.lines().size(), 1u);
  EXPECT_EQ(fake.lines()[0].level, DK_LOG_WARN);
  EXPECT_EQ(host.hostVersion(), "0.0.0-fake");
}

TEST(SdkViews, SourceReadErrorsBecomeUnavailable) {
  dk_source failing{sizeof(dk_source), nullptr, [](void*, char*, size_t) -> int64_t { return -1; }};
  char buffer[8];
  try {
    sdk::Source(&failing).read(buffer, sizeof(buffer));
    FAIL() << "no error";
  } catch (const sdk::Error& e) {
    EXPECT_EQ(e.status(), DK_ERR_UNAVAILABLE);
  }
  dk_source lying{sizeof(dk_source), nullptr, [](void*, char*, size_t capacity) -> int64_t {
                    return static_cast<int64_t>(capacity) + 1;  // claims more than fits
                  }};
  EXPECT_THROW(sdk::Source(&lying).read(buffer, sizeof(buffer)), sdk::Error);

  testing::BufferSource data("abcdef", 4);
  EXPECT_EQ(sdk::Source(data.get()).read(buffer, sizeof(buffer)), 4u);
  EXPECT_EQ(sdk::Source(data.get()).read(buffer, sizeof(buffer)), 2u);
  EXPECT_EQ(sdk::Source(data.get()).read(buffer, sizeof(buffer)), 0u);
}

TEST(SdkViews, SinkWithoutWriterRefuses) {
  const sdk::Sink none;
  EXPECT_FALSE(none.valid());
  EXPECT_FALSE(none.write("x"));
  EXPECT_THROW(none.writeOrThrow("x"), sdk::Error);
}

// --- a built plugin, opened with dlopen and driven through FakeHost ------------------------------

// dlopen handle, closed on scope exit. Declared before the FakeHost so it outlives the host.
class Library {
 public:
  explicit Library(const std::string& path)
      : handle_(::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL)) {}
  ~Library() {
    if (handle_ != nullptr) ::dlclose(handle_);
  }
  Library(const Library&) = delete;
  Library& operator=(const Library&) = delete;
  dk_plugin_entry_fn entry() const {
    return handle_ == nullptr
               ? nullptr
               : reinterpret_cast<dk_plugin_entry_fn>(::dlsym(handle_, DK_PLUGIN_ENTRY_SYMBOL));
  }

 private:
  void* handle_;
};

TEST(FakeHostPlugin, HelloToolsRunsUnderTheFakeHost) {
  const Library library(pluginFile(kPluginDir, "hello-tools"));
  ASSERT_NE(library.entry(), nullptr) << ::dlerror();
  FakeHost host;
  const dk_plugin_descriptor* d = library.entry()(host.api());
  ASSERT_NE(d, nullptr);
  EXPECT_STREQ(d->id, "hello-tools");

  const auto tools = ToolProviderHandle::create(d, R"({"greeting":"Hi"})");
  EXPECT_TRUE(host.logged("greeting 'Hi'"));
  const auto hello = tools.call("hello", R"({"name":"Ada"})");
  ASSERT_EQ(hello.status, DK_OK) << hello.error;
  EXPECT_EQ(nlohmann::json::parse(hello.output)["content"][0]["text"], "Hi, Ada!");

  testing::EventCollector progress;
  const auto add = tools.call("add", R"({"a":2,"b":3})", "{}", progress.get());
  ASSERT_EQ(add.status, DK_OK) << add.error;
  EXPECT_EQ(nlohmann::json::parse(add.output)["structuredContent"]["sum"], 5);
  EXPECT_EQ(progress.events().size(), 1u);

  EXPECT_EQ(tools.call("add", R"({"a":2})").status, DK_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(tools.call("nope", "{}").status, DK_ERR_NOT_FOUND);
  EXPECT_EQ(tools.listTools().status, DK_OK);
}

TEST(FakeHostPlugin, BuiltPluginRefusesAHostOfAnotherMajor) {
  const Library library(pluginFile(kPluginDir, "hello-tools"));
  ASSERT_NE(library.entry(), nullptr) << ::dlerror();
  FakeHost host;
  host.mutableApi().abi_major = DK_ABI_MAJOR + 1;
  EXPECT_EQ(library.entry()(host.api()), nullptr);
}

TEST(FakeHostPlugin, FactoryFailureReachesTheTestKit) {
  const Library library(pluginFile(kFixtureDir, "bad-factory-fails"));
  ASSERT_NE(library.entry(), nullptr) << ::dlerror();
  FakeHost host;
  const dk_plugin_descriptor* d = library.entry()(host.api());
  ASSERT_NE(d, nullptr);
  try {
    ToolProviderHandle::create(d, "{}");
    FAIL() << "create succeeded";
  } catch (const std::runtime_error& e) {
    EXPECT_THAT(e.what(), HasSubstr("status 5"));
    EXPECT_THAT(e.what(), HasSubstr("cannot reach its backend"));
  }
}

}  // namespace
}  // namespace devkit::abi_test
