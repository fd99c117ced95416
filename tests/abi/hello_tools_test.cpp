// hello-tools, the example third-party plugin, through the host's real loader and tool provider
// proxy: what the MCP endpoint will see.
#include <devkit/abi.h>

#include <atomic>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "abi_test_support.hpp"
#include "plugins/proxies.hpp"

namespace devkit::abi_test {
namespace {

using ::testing::HasSubstr;

class HelloTools : public ::testing::Test {
 protected:
  static std::shared_ptr<core::ToolProvider> create(const std::string& configJson) {
    return plugins::createToolProvider(load(kPluginDir, "hello-tools"), configJson);
  }

  core::CallOutcome call(const std::string& name, const std::string& args) {
    core::ToolCallRequest request;
    request.name = name;
    request.argumentsJson = args;
    request.contextJson = R"({"user":{"email":"ada@example.com"}})";
    request.onProgress = [this](std::string_view note) {
      progress_.emplace_back(note);
      return true;
    };
    request.cancelled = &cancelled_;
    return tools_->callTool(request);
  }

  static nlohmann::json parsed(const core::CallOutcome& o) {
    EXPECT_TRUE(o.ok()) << o.error;
    return nlohmann::json::parse(o.output);
  }

  std::shared_ptr<core::ToolProvider> tools_ = create(R"({"greeting":"Hello"})");
  std::vector<std::string> progress_;
  std::atomic<bool> cancelled_{false};
};

TEST_F(HelloTools, ListsHelloAndAdd) {
  const nlohmann::json tools = parsed(tools_->listTools());
  ASSERT_TRUE(tools.is_array());
  std::vector<std::string> names;
  for (const auto& tool : tools) {
    names.push_back(tool.at("name"));
    EXPECT_TRUE(tool.at("inputSchema").is_object());
    EXPECT_FALSE(tool.at("description").get<std::string>().empty());
  }
  EXPECT_THAT(names, ::testing::ElementsAre("hello", "add"));
}

TEST_F(HelloTools, HelloGreetsByName) {
  const nlohmann::json result = parsed(call("hello", R"({"name":"Ada"})"));
  EXPECT_EQ(result["content"][0]["type"], "text");
  EXPECT_EQ(result["content"][0]["text"], "Hello, Ada!");
  EXPECT_FALSE(result.value("isError", false));
}

TEST_F(HelloTools, GreetingComesFromConfig) {
  tools_ = create(R"({"greeting":"Hi"})");
  EXPECT_EQ(parsed(call("hello", R"({"name":"Ada"})"))["content"][0]["text"], "Hi, Ada!");
}

TEST_F(HelloTools, EmptyConfigUsesTheDefaultGreeting) {
  tools_ = create("{}");
  EXPECT_EQ(parsed(call("hello", R"({"name":"Ada"})"))["content"][0]["text"], "Hello, Ada!");
}

TEST_F(HelloTools, AddReturnsStructuredSumAndReportsProgress) {
  const nlohmann::json result = parsed(call("add", R"({"a":2,"b":3})"));
  EXPECT_EQ(result["structuredContent"], nlohmann::json({{"sum", 5}}));
  EXPECT_TRUE(result["structuredContent"]["sum"].is_number_integer());
  EXPECT_EQ(result["content"][0]["text"], "5");
  ASSERT_EQ(progress_.size(), 1u);
  EXPECT_EQ(nlohmann::json::parse(progress_[0])["progress"], 1);
}

TEST_F(HelloTools, AddOfFractionsIsADouble) {
  const nlohmann::json result = parsed(call("add", R"({"a":0.5,"b":0.25})"));
  EXPECT_DOUBLE_EQ(result["structuredContent"]["sum"].get<double>(), 0.75);
}

TEST_F(HelloTools, OverflowingSumIsAToolLevelError) {
  const nlohmann::json result = parsed(call("add", R"({"a":1e308,"b":1e308})"));
  EXPECT_TRUE(result.value("isError", false));
  EXPECT_THAT(result["content"][0]["text"].get<std::string>(), HasSubstr("not a finite number"));
}

TEST_F(HelloTools, BadArgumentsAreInvalidArgument) {
  for (const char* args : {"{}", R"({"name":""})", R"({"name":7})", "not json", "[1,2]"}) {
    const core::CallOutcome o = call("hello", args);
    EXPECT_EQ(o.status, DK_ERR_INVALID_ARGUMENT) << args;
    EXPECT_FALSE(o.error.empty()) << args;
  }
  const core::CallOutcome o = call("add", R"({"a":"2","b":3})");
  EXPECT_EQ(o.status, DK_ERR_INVALID_ARGUMENT);
  EXPECT_THAT(o.error, HasSubstr("add needs numbers 'a' and 'b'"));
}

TEST_F(HelloTools, UnknownToolIsNotFound) {
  const core::CallOutcome o = call("goodbye", "{}");
  EXPECT_EQ(o.status, DK_ERR_NOT_FOUND);
  EXPECT_THAT(o.error, HasSubstr("unknown tool 'goodbye'"));
}

TEST_F(HelloTools, CancelledCallIsCancelled) {
  cancelled_ = true;
  EXPECT_EQ(call("hello", R"({"name":"Ada"})").status, DK_ERR_CANCELLED);
}

TEST_F(HelloTools, HealthIsOk) { EXPECT_EQ(tools_->health()["status"], "ok"); }

}  // namespace
}  // namespace devkit::abi_test
