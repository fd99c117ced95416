// The well-behaved fixture good-counter, driven through the host's loader and proxies: instances
// are really destroyed, a proxy keeps its library mapped, calls may run concurrently, and a library
// can be loaded and unloaded over and over (each load starts from fresh statics).
#include <devkit/abi.h>

#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "abi_test_support.hpp"
#include "plugins/proxies.hpp"

namespace devkit::abi_test {
namespace {

constexpr const char* kId = "good-counter";

core::ToolCallRequest countCall() {
  core::ToolCallRequest request;
  request.name = "count";
  request.argumentsJson = "{}";
  request.contextJson = "{}";
  return request;
}

int64_t countOf(const core::CallOutcome& o) {
  EXPECT_TRUE(o.ok()) << o.error;
  return nlohmann::json::parse(o.output)["structuredContent"]["count"].get<int64_t>();
}

TEST(GoodCounter, ExportsExactlyTheEntryPoint) {
  EXPECT_THAT(definedDynamicSymbols(pluginFile(kFixtureDir, kId)),
              ::testing::ElementsAre(DK_PLUGIN_ENTRY_SYMBOL));
}

TEST(GoodCounter, EveryCreatedInstanceIsDestroyed) {
  const auto lib = load(kFixtureDir, kId);
  std::vector<std::shared_ptr<core::ToolProvider>> instances;
  for (int i = 0; i < 100; ++i) {
    instances.push_back(plugins::createToolProvider(lib, "{}"));
  }
  EXPECT_EQ(instances.back()->health()["live_instances"], 100);
  instances.resize(1);
  EXPECT_EQ(instances.front()->health()["live_instances"], 1);
  for (int i = 0; i < 100; ++i) {
    auto transient = plugins::createToolProvider(lib, "{}");
    EXPECT_EQ(transient->health()["live_instances"], 2);
  }
  EXPECT_EQ(instances.front()->health()["live_instances"], 1);
}

TEST(GoodCounter, ConfigReachesTheInstance) {
  const auto tools = plugins::createToolProvider(load(kFixtureDir, kId), R"({"start":41})");
  EXPECT_EQ(countOf(tools->callTool(countCall())), 42);
  EXPECT_EQ(tools->health()["count"], 42);
}

TEST(GoodCounter, UnknownToolIsNotFound) {
  const auto tools = plugins::createToolProvider(load(kFixtureDir, kId), "{}");
  core::ToolCallRequest request = countCall();
  request.name = "nope";
  const core::CallOutcome o = tools->callTool(request);
  EXPECT_EQ(o.status, DK_ERR_NOT_FOUND);
  EXPECT_THAT(o.error, ::testing::HasSubstr("unknown tool 'nope'"));
}

TEST(GoodCounter, ConcurrentCallsAllCount) {
  const auto tools = plugins::createToolProvider(load(kFixtureDir, kId), "{}");
  constexpr int kThreads = 8;
  constexpr int kCallsPerThread = 200;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kCallsPerThread; ++i) {
        EXPECT_TRUE(tools->callTool(countCall()).ok());
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(tools->health()["count"], kThreads * kCallsPerThread);
}

TEST(GoodCounter, ProxyKeepsItsLibraryMapped) {
  auto lib = load(kFixtureDir, kId);
  const std::string path = lib->path;
  auto tools = plugins::createToolProvider(lib, "{}");
  lib.reset();  // the proxy's reference is now the only one
  ASSERT_TRUE(isMapped(path));
  EXPECT_EQ(countOf(tools->callTool(countCall())), 1);
  tools.reset();
  EXPECT_FALSE(isMapped(path));
}

TEST(GoodCounter, LoadUseUnloadLoop) {
  std::string path;
  for (int round = 0; round < 20; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    auto lib = load(kFixtureDir, kId);
    path = lib->path;
    {
      auto tools = plugins::createToolProvider(lib, "{}");
      // Fresh statics on every load: a library that silently stayed mapped would count on.
      EXPECT_EQ(tools->health()["live_instances"], 1);
      EXPECT_EQ(countOf(tools->callTool(countCall())), 1);
    }
    lib.reset();
    ASSERT_FALSE(isMapped(path));
  }
}

}  // namespace
}  // namespace devkit::abi_test
