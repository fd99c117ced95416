// The fixtures in tests/fixtures/bad_plugins: each is refused at load or create with a message that
// names the plugin and the reason, or its misbehaviour at call time is contained by the proxy, and
// the process carries on.
#include <devkit/abi.h>

#include <initializer_list>
#include <memory>
#include <sstream>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>

#include "abi_test_support.hpp"
#include "logging/logging.hpp"
#include "plugins/proxies.hpp"

namespace devkit::abi_test {
namespace {

using plugins::abiVersionText;
using plugins::PluginError;
using ::testing::HasSubstr;

// Loads fixture `id`, expects a PluginError and returns its text.
std::string loadError(const std::string& id) {
  try {
    load(kFixtureDir, id);
  } catch (const PluginError& e) {
    return e.what();
  }
  ADD_FAILURE() << "fixture '" << id << "' was loaded, but must be refused";
  return "";
}

void expectRefused(const std::string& id, std::initializer_list<std::string> reasons) {
  const std::string error = loadError(id);
  EXPECT_THAT(error, HasSubstr("plugin '" + id + "'"));
  EXPECT_THAT(error, HasSubstr(pluginFile(kFixtureDir, id)));
  for (const std::string& reason : reasons) {
    EXPECT_THAT(error, HasSubstr(reason));
  }
}

// Creates the fixture's tool provider, expects a PluginError and returns its text.
std::string createError(const std::string& id) {
  const auto lib = load(kFixtureDir, id);
  try {
    plugins::createToolProvider(lib, "{}");
  } catch (const PluginError& e) {
    return e.what();
  }
  ADD_FAILURE() << "fixture '" << id << "' created a tool provider, but must be refused";
  return "";
}

core::ToolCallRequest call(const std::string& name, const std::string& args = "{}") {
  core::ToolCallRequest request;
  request.name = name;
  request.argumentsJson = args;
  request.contextJson = "{}";
  return request;
}

// --- refused by the loader ----------------------------------------------------------------------

TEST(BadPluginLoad, NewerAbiMajorIsRefused) {
  expectRefused(
      "bad-abi-major",
      {"built for plugin ABI " + abiVersionText(DK_ABI_MAJOR + 1, DK_ABI_MINOR),
       "this host speaks ABI " + abiVersionText(DK_ABI_MAJOR, DK_ABI_MINOR), "rebuild the plugin"});
}

TEST(BadPluginLoad, NewerAbiMinorIsRefused) {
  expectRefused("bad-abi-minor",
                {"built for plugin ABI " + abiVersionText(DK_ABI_MAJOR, DK_ABI_MINOR + 1),
                 "newer than this host's " + abiVersionText(DK_ABI_MAJOR, DK_ABI_MINOR)});
}

TEST(BadPluginLoad, LibraryWithoutEntryPointIsRefused) {
  expectRefused("bad-no-entry", {"does not export dk_plugin_entry"});
}

TEST(BadPluginLoad, EntryReturningNullIsRefusedAndItsReasonLogged) {
  // The plugin's reason goes to its own logger, "plugin.<id>"; listen there.
  std::ostringstream logged;
  auto logger = logging::get("plugin.bad-entry-null");
  auto listener = std::make_shared<spdlog::sinks::ostream_sink_mt>(logged);
  logger->sinks().push_back(listener);
  expectRefused("bad-entry-null", {"refused to start", "returned NULL"});
  logger->flush();
  logger->sinks().pop_back();
  EXPECT_THAT(logged.str(),
              HasSubstr("bad-entry-null refuses to start: the fixture always refuses"));
}

TEST(BadPluginLoad, EntryThrowingIsRefused) {
  expectRefused("bad-entry-throws", {"dk_plugin_entry threw an exception"});
}

TEST(BadPluginLoad, UndefinedSymbolFailsAtLoadWithDlerrorText) {
  // RTLD_NOW: the missing function is found out at load, not at the first call.
  expectRefused("bad-undefined-symbol", {"cannot be loaded", "undefined symbol",
                                         "devkit_fixture_function_defined_nowhere"});
}

TEST(BadPluginLoad, IdMismatchIsRefused) {
  expectRefused("bad-id-mismatch", {"declares the id 'some-other-plugin'",
                                    "its INI section is [plugin.bad-id-mismatch]"});
}

TEST(BadPluginLoad, DescriptorSmallerThanAbi10IsRefused) {
  expectRefused("bad-descriptor-small", {"descriptor too small"});
}

TEST(BadPluginLoad, EmptyVersionIsRefused) {
  expectRefused("bad-no-version", {"declares no version"});
}

TEST(BadPluginLoad, PluginWithoutKindsIsRefused) {
  expectRefused("bad-no-kind", {"provides no kind"});
}

TEST(BadPluginLoad, KindWithVersionButNoFactoryIsRefused) {
  expectRefused("bad-kind-inconsistent", {"declares the tool_provider kind inconsistently"});
}

TEST(BadPluginLoad, NewerKindInterfaceIsRefused) {
  expectRefused(
      "bad-kind-newer",
      {"tool_provider interface version " + std::to_string(DK_TOOL_PROVIDER_INTERFACE_VERSION + 1) +
       " is newer than this host's " + std::to_string(DK_TOOL_PROVIDER_INTERFACE_VERSION)});
}

// --- refused at create ---------------------------------------------------------------------------

TEST(BadPluginCreate, FactoryErrorIsReportedWithStatusAndMessage) {
  const std::string error = createError("bad-factory-fails");
  EXPECT_THAT(error, HasSubstr("plugin 'bad-factory-fails'"));
  EXPECT_THAT(error, HasSubstr("creating its tool provider failed"));
  EXPECT_THAT(error, HasSubstr("DK_ERR_UNAVAILABLE"));
  EXPECT_THAT(error, HasSubstr("bad-factory-fails cannot reach its backend (on purpose)"));
}

TEST(BadPluginCreate, SuccessWithoutInstanceIsRefused) {
  EXPECT_THAT(createError("bad-factory-no-instance"),
              HasSubstr("factory returned no instance or a malformed function table"));
}

TEST(BadPluginCreate, NullFunctionPointerIsRefused) {
  // The instance the factory made is destroyed by the host (LeakSanitizer checks it in asan).
  EXPECT_THAT(createError("bad-vtbl-null"),
              HasSubstr("factory returned no instance or a malformed function table"));
}

TEST(BadPluginCreate, FunctionTableSmallerThanAbi10IsRefused) {
  EXPECT_THAT(createError("bad-vtbl-small"),
              HasSubstr("factory returned no instance or a malformed function table"));
}

// --- contained at call time ----------------------------------------------------------------------

TEST(BadPluginCall, SdkTrampolineTurnsAThrowIntoInternalError) {
  const auto tools = plugins::createToolProvider(load(kFixtureDir, "bad-call-throws"), "{}");
  const core::CallOutcome listed = tools->listTools();
  ASSERT_TRUE(listed.ok()) << listed.error;
  EXPECT_THAT(listed.output, HasSubstr("explode"));
  for (int i = 0; i < 3; ++i) {  // the instance stays usable after each failure
    const core::CallOutcome o = tools->callTool(call("explode"));
    EXPECT_EQ(o.status, DK_ERR_INTERNAL);
    EXPECT_THAT(o.error, HasSubstr("bad-call-throws: the tool blew up"));
  }
  EXPECT_EQ(tools->health()["status"], "ok");
}

TEST(BadPluginCall, ExceptionEscapingRawCFunctionIsCaughtByTheProxy) {
  const auto tools = plugins::createToolProvider(load(kFixtureDir, "bad-raw-throw"), "{}");
  const core::CallOutcome called = tools->callTool(call("noop"));
  EXPECT_EQ(called.status, DK_ERR_INTERNAL);
  EXPECT_THAT(called.error, HasSubstr("plugin 'bad-raw-throw' let an exception escape"));
  EXPECT_THAT(called.error, HasSubstr("bad-raw-throw: exception escaped call_tool"));

  const core::CallOutcome listed = tools->listTools();
  EXPECT_EQ(listed.status, DK_ERR_INTERNAL);
  EXPECT_THAT(listed.error, HasSubstr("plugin 'bad-raw-throw' let an unknown exception escape"));

  EXPECT_EQ(tools->health()["status"], "ok");
}

TEST(BadPluginCall, UndefinedStatusesBecomeInternalErrors) {
  const auto tools = plugins::createToolProvider(load(kFixtureDir, "bad-invalid-status"), "{}");
  const core::CallOutcome called = tools->callTool(call("noop"));
  EXPECT_EQ(called.status, DK_ERR_INTERNAL);
  EXPECT_THAT(called.error, HasSubstr("returned an invalid status (42)"));
  EXPECT_THAT(called.error, HasSubstr("bad-invalid-status says hi"));  // its own message is kept

  const core::CallOutcome listed = tools->listTools();
  EXPECT_EQ(listed.status, DK_ERR_INTERNAL);
  EXPECT_THAT(listed.error, HasSubstr("returned an invalid status (0)"));
}

TEST(BadPluginCall, HealthThatIsNotAnObjectIsReportedDown) {
  const auto tools = plugins::createToolProvider(load(kFixtureDir, "bad-health-json"), "{}");
  const nlohmann::json health = tools->health();
  EXPECT_EQ(health["status"], "down");
  EXPECT_THAT(health.value("detail", ""), HasSubstr("not a valid object"));
}

// --- and the host carries on ---------------------------------------------------------------------

TEST(BadPlugins, HostKeepsWorkingAfterEveryRefusal) {
  for (const char* id :
       {"bad-abi-major", "bad-abi-minor", "bad-no-entry", "bad-entry-null", "bad-entry-throws",
        "bad-undefined-symbol", "bad-id-mismatch", "bad-descriptor-small", "bad-no-version",
        "bad-no-kind", "bad-kind-inconsistent", "bad-kind-newer"}) {
    EXPECT_THROW(load(kFixtureDir, id), PluginError) << id;
  }
  for (const char* id :
       {"bad-factory-fails", "bad-factory-no-instance", "bad-vtbl-null", "bad-vtbl-small"}) {
    EXPECT_THROW(plugins::createToolProvider(load(kFixtureDir, id), "{}"), PluginError) << id;
  }
  const auto counter = plugins::createToolProvider(load(kFixtureDir, "good-counter"), "{}");
  const core::CallOutcome o = counter->callTool(call("count"));
  ASSERT_TRUE(o.ok()) << o.error;
  EXPECT_EQ(nlohmann::json::parse(o.output)["structuredContent"]["count"], 1);
}

}  // namespace
}  // namespace devkit::abi_test
